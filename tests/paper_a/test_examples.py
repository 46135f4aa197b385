"""Remark 1(f)'s worked examples (relu_lib.paper_a.examples): our closed forms against numerical integration and
exact rational identities, the verdict rows on the paper's printed claims, and planted faults the rows detect.

Statistics. A Monte Carlo row is a z statistic (estimate - closed form) / SE with SE = sample sd / sqrt(N) of
N = 200 000 draws, judged at Z = 4.5 (two-sided normal tail 6.8e-6). Example 1 makes 9 theta* x 7 + 2 = 65 Monte
Carlo comparisons, Example 2 20 cells x 3 = 60: family-wise false-alarm rate <= 125 x 6.8e-6 = 8.5e-4 (the seed is
fixed, so the tests are deterministic; the rate says how unlucky a seed would have to be). lambda_min at theta* = 0 is
degenerate (d2 = 0): its pooled estimate is biased low by ~0.8 se(d2), inside the band. Printed-versus-exact rows
are exact rational arithmetic (no tolerance).
"""

import math
from fractions import Fraction

import numpy as np
import pytest

from relu_lib.paper_a import examples as ex

Z = 4.5
SAMPLES = 200_000
SEED = 20220101


@pytest.fixture(scope="module")
def rows1():
    return ex.example1_rows(Z, SAMPLES, SEED)


@pytest.fixture(scope="module")
def rows2():
    return ex.example2_rows(Z, SAMPLES, SEED)


def pick(rows, check, cell=None):
    found = [r for r in rows if r.check == check and (cell is None or r.cell == cell)]
    assert found, (check, cell)
    return found


# ------------------------------------------------------------------------------------------- closed forms, exactly
def test_our_closed_forms_are_polynomial_identities():
    """d1 printed = ours, d2 printed - ours = -(2t^2/3)(1 - t)(1 - 2t), lambda_1 = d1 + d2 = (1 - t)^4 / 6 on [0, 1]:
    degree-4 polynomials agreeing at 9 rational points are identical."""
    for t in ex.THETAS_1:
        assert ex.printed_d1(t) == ex.exact_d1(t)
        assert ex.printed_d2(t) - ex.exact_d2(t) == -Fraction(2, 3) * t**2 * (1 - t) * (1 - 2 * t)
        assert ex.exact_d2(t) <= 0
        assert ex.exact_lambda1(t) == ex.exact_d1(t) - abs(ex.exact_d2(t)) == (1 - t) ** 4 / 6
    assert ex.exact_lambda1(Fraction(1, 2)) == Fraction(1, 96)
    assert ex.printed_d1(Fraction(1, 2)) == Fraction(1, 16) and ex.printed_d2(Fraction(1, 2)) == Fraction(-5, 96)
    assert ex.printed_d1(1) == 0 and ex.printed_d2(1) == 0  # the paper's own formulas give lambda_1(1) = 0
    with pytest.raises(ValueError):
        ex.exact_d1(-0.1)


def test_closed_forms_against_numerical_integration():
    """Midpoint rule on a 2001 x 2001 grid of the square (offset from the region's edge): error O(h) ~ 1e-3."""
    m = 2001
    h = 2.0 / m
    c = -1 + h * (np.arange(m) + 0.5)
    x1, x2 = np.meshgrid(c, c, indexing="ij")
    weight = h * h / 4  # density 1/4
    for t in (0.0, 0.1, 0.25, 0.4, 0.5, 0.8, 1.0):
        s = (-x1 + x2) > 2 * t
        d1, d2, d1b = (weight * np.sum(s * f) for f in (x1 * x1, x1 * x2, x2 * x2))
        assert d1 == pytest.approx(ex.exact_d1(t), abs=1.5e-3)
        assert d1b == pytest.approx(ex.exact_d1(t), abs=1.5e-3)
        assert d2 == pytest.approx(ex.exact_d2(t), abs=1.5e-3)
        lam = np.linalg.eigvalsh(np.array([[d1, d2], [d2, d1b]]))[0]
        assert lam == pytest.approx(ex.exact_lambda1(t), abs=3e-3)


def test_example2_closed_form_against_quadrature():
    x = np.linspace(-12, 12, 240_001)
    phi = np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    for w in (-2.0, -0.5, 0.5, 1.0, 3.0):
        for t in (0.0, 0.25, 1.0, 2.0):
            quad = np.trapezoid((w * x > 2 * t) * x * x * phi, x)
            assert ex.example2_lambda1(w, t) == pytest.approx(quad, abs=2e-4)
    assert ex.example2_lambda1(0.0, 0.5) == 0.0


# --------------------------------------------------------------------------------------------------- the rows
def test_claim_a_holds_and_claim_b_fails_at_one_but_holds_at_one_half(rows1):
    (a,) = pick(rows1, f"Example 1 claim {ex.CLAIM_A}")
    assert a.verdict == "holds" and a.source == "paper" and a.statement == ex.STATEMENT_1
    (b,) = pick(rows1, f"Example 1 claim {ex.CLAIM_B}")
    assert b.verdict == "violated"
    assert b.observed == 0.0 and b.predicted == pytest.approx(1 / 96)
    assert "1/2" in b.reason and "λ1(1) = 0" in b.reason
    (b_half,) = pick(rows1, f"Example 1 claim {ex.CLAIM_B}, at θ* = 1/2")
    assert b_half.verdict == "holds" and b_half.cell == "theta=0.5"


def test_printed_d2_right_only_at_0_half_and_1(rows1):
    verdicts = {r.cell: r.verdict for r in pick(rows1, "Example 1 printed d2 = exact")}
    right = {"theta=0", "theta=0.5", "theta=1"}
    assert {c for c, v in verdicts.items() if v == "holds"} == right
    assert all(v == "violated" for c, v in verdicts.items() if c not in right)
    (quarter,) = pick(rows1, "Example 1 printed d2 = Monte Carlo", "theta=0.25")
    assert quarter.verdict == "violated"
    assert quarter.predicted == pytest.approx(-0.068359, abs=1e-6)  # printed
    assert quarter.observed == pytest.approx(-27 / 512, abs=Z * quarter.observed_se)  # ours: -0.052734
    assert all(r.verdict == "holds" for r in pick(rows1, "Example 1 printed d1 = exact"))


def test_exact_forms_agree_with_monte_carlo(rows1):
    checks = [f"Example 1 exact {k} = Monte Carlo" for k in ("d1", "d2", "lambda1")]
    checks += ["Example 1 E[1 x2²] = d1", "Example 1 λ1 = d1 - |d2|"]
    for check in checks:
        found = pick(rows1, check)
        assert len(found) == len(ex.THETAS_1)
        assert all(r.verdict == "holds" for r in found), [(r.cell, r.observed, r.predicted) for r in found]


def test_example2_fails_only_at_w_star_zero(rows2):
    positive = pick(rows2, "Example 2: 0 < λ1(θ*)")
    assert len(positive) == len(ex.W_STARS_2) * len(ex.THETAS_2)
    for r in positive:
        assert r.verdict == ("violated" if r.cell.startswith("w=0/") else "holds"), r.cell
    assert "w* = 0" in next(r for r in positive if r.cell.startswith("w=0/")).reason
    assert all(r.verdict == "holds" for r in pick(rows2, "Example 2: λ1(θ*) <= 1"))
    assert all(r.verdict == "holds" for r in pick(rows2, "Example 2 closed form = Monte Carlo"))


def test_rows_are_deterministic_and_complete(rows1, rows2):
    again = ex.example_rows(Z, SAMPLES, SEED)
    assert [(r.check, r.cell, r.observed) for r in again] == [(r.check, r.cell, r.observed) for r in rows1 + rows2]
    assert {r.experiment for r in again} == {"examples"} and {r.paper for r in again} == {"A"}
    assert {r.statement for r in again} == {ex.STATEMENT_1, ex.STATEMENT_2}


# --------------------------------------------------------------------------------------------- planted faults
def test_planted_fault_monte_carlo_on_the_wrong_square():
    """Monte Carlo on [0, 1]^2 instead of [-1, 1]^2: every exact-against-Monte-Carlo row with a non-empty region
    (theta* < 1) is violated, and claim (a) with it."""
    rows = ex.example1_rows(Z, SAMPLES, SEED, draw=lambda rng, n: rng.random((n, 2)))
    for key in ("d1", "lambda1"):
        found = [r for r in pick(rows, f"Example 1 exact {key} = Monte Carlo") if r.cell != "theta=1"]
        assert all(r.verdict == "violated" for r in found), [(r.cell, r.verdict) for r in found]
    assert pick(rows, f"Example 1 claim {ex.CLAIM_A}")[0].verdict == "violated"


def test_planted_fault_example2_wrong_variance():
    """Monte Carlo draws from N(0, 4): every cell with w* != 0 fails the closed form."""
    rows = ex.example2_rows(Z, SAMPLES, SEED, draw=lambda rng, n: 2.0 * rng.standard_normal(n))
    found = [r for r in pick(rows, "Example 2 closed form = Monte Carlo") if not r.cell.startswith("w=0/")]
    assert all(r.verdict == "violated" for r in found), [(r.cell, r.verdict) for r in found]
