"""Remark 1(f) of paper A, its two worked examples of lambda_1(theta*) > 0, as verdict rows.

Example 1 (compact, n = 2): x ~ Unif[-1, 1]^2, w* = (-1, 1), the paper's
    d1(theta*) = E[1{-x1 + x2 > 2 theta*} x1^2] = (1/48)(7 - 8 theta* + (2 theta* - 1)^4),
    d2(theta*) = E[1{-x1 + x2 > 2 theta*} x1 x2] = 1/32 - 4 theta*/24 + (4 theta*^2 - 1)/16 - (2 theta* - 1)^4/32
                 + 4 theta* (2 theta* - 1)/24 - (4 theta*^2 - 1)(2 theta* - 1)^2/16   (as printed; the fraction
                 layout was read off the glyph positions of the PDF, page 12),
    lambda_1(theta*) = d1 - |d2|, and the claims "(a) theta* = 0, lambda_1(0) = 1/6 - 0 = 1/6" and
    "(b) theta* = 1, lambda_1(1) = 1/16 - 5/96 = 1/96".
Our closed forms (integrate over the triangle {x2 - x1 > s} of the square, s = 2 theta* in [0, 2]; density 1/4):
    d1 = 1/6 - t/3 + t^2/2 - 2t^3/3 + t^4/3   (t = theta*; the printed d1, identically),
    d2 = -t/3 + t^2/2 - t^4/6                  (<= 0 on [0, 1]),
    E[1{...} x2^2] = d1 (the map (x1, x2) -> (-x2, -x1) keeps the law and x2 - x1 and swaps x1^2, x2^2),
    so E[1{...} x x^T] = [[d1, d2], [d2, d1]], whose eigenvalues are d1 +- d2: lambda_1 = d1 - |d2| = d1 + d2
    = (1 - t)^4 / 6.
The printed d2 minus ours is -(2 t^2 / 3)(1 - t)(1 - 2 t): the printed d2 is right at t in {0, 1/2, 1} only.
lambda_1(1) = 0 (the region is the corner point (-1, 1)); 1/16 = d1(1/2), -5/96 = d2(1/2), lambda_1(1/2) = 1/96:
claim (b) holds at theta* = 1/2, i.e. at the threshold w*^T x > 1 = 2 theta* (the factor 2 of Definition 1 lost).

Example 2 (non-compact, n = 1): x ~ N(0, 1), "for any w*, 0 < lambda_1(theta*) = E(1{w* x > 2 theta*} x^2) <= 1".
Closed form: for w* != 0, a = 2 theta* / |w*|, lambda_1 = Q(a) + a phi(a) (w* < 0 is the mirror image of
w* > 0); for w* = 0 and theta* >= 0 the indicator is 0 everywhere, so lambda_1 = 0 and "0 <" fails.

Every comparison of the paper's printed values is a row against the paper's value, never a silently corrected one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np

from relu_lib.paper_a.laws import Normal, Uniform
from relu_lib.seeding import generator
from relu_lib.verdicts import CheckRow, row

EXPERIMENT = "examples"
STATEMENT_1 = "Remark 1(f), Example 1"
STATEMENT_2 = "Remark 1(f), Example 2"
THETAS_1 = tuple(Fraction(k, 8) for k in range(9))  # theta* in [0, 1]; rationals: printed vs exact is exact
W_STARS_2 = (-2.0, -1.0, 0.0, 1.0, 2.0)
THETAS_2 = (0.0, 0.25, 0.5, 1.0)  # a = 2 theta*/|w*| <= 2: every cell has >= 2 % of its draws in the region
CLAIM_A = "(a) theta* = 0, lambda1(0) = 1/6"
CLAIM_B = "(b) theta* = 1, lambda1(1) = 1/16 - 5/96 = 1/96"

Draw = Callable[[np.random.Generator, int], np.ndarray]  # (rng, samples) -> draws, shape (samples, d) or (samples,)


# ----------------------------------------------------------------------------------------------------- Example 1
def printed_d1(theta):
    """The paper's printed d1(theta*) (exact for a Fraction argument)."""
    return (7 - 8 * theta + (2 * theta - 1) ** 4) / Fraction(48)


def printed_d2(theta):
    """The paper's printed d2(theta*), term by term as printed."""
    t = theta
    return (
        Fraction(1, 32)
        - 4 * t / Fraction(24)
        + (4 * t**2 - 1) / Fraction(16)
        - (2 * t - 1) ** 4 / Fraction(32)
        + 4 * t * (2 * t - 1) / Fraction(24)
        - (4 * t**2 - 1) * (2 * t - 1) ** 2 / Fraction(16)
    )


def printed_lambda1(theta):
    """The paper's lambda_1 = d1 - |d2| from its printed d1, d2."""
    return printed_d1(theta) - abs(printed_d2(theta))


def _check_theta(theta) -> None:
    if theta < 0:
        raise ValueError(f"theta* = {theta} < 0: Definition 1 takes theta* in R+ (the closed forms are for >= 0)")


def exact_d1(theta):
    """E[1{-x1 + x2 > 2 theta*} x1^2] on Unif[-1, 1]^2, theta* >= 0 (0 for theta* >= 1)."""
    _check_theta(theta)
    if theta >= 1:
        return 0 * theta
    u = 1 - theta  # (2 - s)/2 with s = 2 theta*: the triangle's legs are 2u long
    return u**4 / 3 - 2 * u**3 / 3 + u**2 / 2


def exact_d2(theta):
    """E[1{-x1 + x2 > 2 theta*} x1 x2] on Unif[-1, 1]^2, theta* >= 0."""
    _check_theta(theta)
    if theta >= 1:
        return 0 * theta
    return -theta / 3 + theta**2 / 2 - theta**4 / 6


def exact_lambda1(theta):
    """lambda_min [[d1, d2], [d2, d1]] = d1 - |d2| = (1 - theta*)^4 / 6 on [0, 1], 0 beyond."""
    _check_theta(theta)
    return (1 - theta) ** 4 / 6 if theta < 1 else 0 * theta


def uniform_square(rng: np.random.Generator, samples: int) -> np.ndarray:
    """Example 1's law: Unif[-1, 1]^2 (laws.Uniform, half_width 1)."""
    return Uniform(2, half_width=1.0).sample(rng, (samples,))


def example1_monte_carlo(thetas, samples: int, rng: np.random.Generator, draw: Draw = uniform_square) -> list[dict]:
    """Per theta*: Monte Carlo d1, E[1 x2^2], d2 and lambda_min of the 2x2 matrix, each with its standard error.

    One set of draws serves every theta* (common random numbers). The standard error of lambda_min is the delta
    method's: the eigenvalue's derivative along the matrix is v v^T (v its unit eigenvector), so each draw
    contributes 1{...} (v^T x)^2. Where the eigenvalue is degenerate (theta* = 0: d2 = 0) the pooled estimate is
    biased low by about the standard error of d2 (noted in the rows)."""
    x = draw(rng, samples)
    x1, x2 = x[:, 0], x[:, 1]
    n = len(x1)
    out = []
    for theta in thetas:
        s = (-x1 + x2) > 2 * float(theta)
        parts = {"d1": s * x1 * x1, "d1_x2": s * x2 * x2, "d2": s * x1 * x2}
        est = {k: float(v.mean()) for k, v in parts.items()}
        se = {k: float(v.std(ddof=1) / math.sqrt(n)) for k, v in parts.items()}
        matrix = np.array([[est["d1"], est["d2"]], [est["d2"], est["d1_x2"]]])
        values, vectors = np.linalg.eigh(matrix)
        v = vectors[:, 0]
        influence = s * (v[0] * x1 + v[1] * x2) ** 2
        est["lambda1"], se["lambda1"] = float(values[0]), float(influence.std(ddof=1) / math.sqrt(n))
        out.append({"theta": theta, "hits": int(s.sum()), "samples": n, "estimate": est, "se": se})
    return out


def _fmt(value) -> str:
    return f"{float(value):g}"


def example1_rows(z: float, samples: int, seed: int, *, draw: Draw = uniform_square) -> list[CheckRow]:
    """Example 1: the printed closed forms against ours (exact rationals) and Monte Carlo; claims (a) and (b)."""
    mc = example1_monte_carlo(THETAS_1, samples, generator(seed, "paper_a", EXPERIMENT, "example1"), draw)
    rows: list[CheckRow] = []

    def fields(check, theta, **extra):
        base = {"check": check, "paper": "A", "experiment": EXPERIMENT, "cell": f"theta={_fmt(theta)}"}
        return {**base, "statement": STATEMENT_1, "replicates": samples, **extra}

    printed = {"d1": printed_d1, "d2": printed_d2, "lambda1": printed_lambda1}
    exact = {"d1": exact_d1, "d2": exact_d2, "lambda1": exact_lambda1}
    names = {"d1": "E[1{-x1+x2>2θ*} x1²]", "d2": "E[1{-x1+x2>2θ*} x1x2]", "lambda1": "λ_min E[1{-x1+x2>2θ*} xxᵀ]"}
    for cell in mc:
        theta, est, se = cell["theta"], cell["estimate"], cell["se"]
        for key in ("d1", "d2", "lambda1"):
            p, e = printed[key](theta), exact[key](theta)
            gap = p - e
            where = "exact rationals" if gap == 0 else f"printed - exact = {float(gap):.6g} (exact rationals)"
            rows.append(
                row(
                    "equal",
                    float(p),
                    0.0,
                    float(e),
                    z=z,
                    **fields(
                        f"Example 1 printed {key} = exact",
                        theta,
                        quantity=f"printed {key} against our closed form of {names[key]}",
                        reason=where
                        + (
                            "; printed d2 - exact = -(2θ²/3)(1-θ)(1-2θ): right at θ* in {0, 1/2, 1} only"
                            if key != "d1"
                            else ""
                        ),
                        source="paper",
                        replicates=math.nan,
                    ),
                )
            )
            bias = (
                "; λ_min degenerate at θ* = 0: the pooled estimate is biased low by ~ se(d2)"
                if key == "lambda1"
                else ""
            )
            for label, reference, source in (("printed", p, "paper"), ("exact", e, "derived")):
                rows.append(
                    row(
                        "equal",
                        est[key],
                        se[key],
                        float(reference),
                        z=z,
                        **fields(
                            f"Example 1 {label} {key} = Monte Carlo",
                            theta,
                            quantity=f"Monte Carlo {names[key]} ({cell['hits']} of {cell['samples']} draws in the "
                            f"region) against the {label} closed form",
                            reason=f"within z = {z:g} standard errors{bias}",
                            source=source,
                        ),
                    )
                )
        rows.append(
            row(
                "equal",
                est["d1_x2"],
                se["d1_x2"],
                float(exact_d1(theta)),
                z=z,
                **fields(
                    "Example 1 E[1 x2²] = d1",
                    theta,
                    quantity="Monte Carlo E[1{-x1+x2>2θ*} x2²] against d1 (the paper's second expression of d1)",
                    reason="symmetry (x1, x2) -> (-x2, -x1); the paper prints the indicator as 1{x1+x2>2θ*}, "
                    "which gives d1 as well (x1 -> -x1)",
                    source="paper",
                ),
            )
        )
        e1, e2 = float(exact_d1(theta)), float(exact_d2(theta))
        eig = float(np.linalg.eigvalsh(np.array([[e1, e2], [e2, e1]]))[0])
        rows.append(
            row(
                "equal",
                eig,
                0.0,
                e1 - abs(e2),
                z=z,
                tolerance=1e-12,
                **fields(
                    "Example 1 λ1 = d1 - |d2|",
                    theta,
                    quantity="λ_min [[d1, d2], [d2, d1]] (numerical) against d1 - |d2| (exact d1, d2)",
                    reason="eigenvalues of [[a, c], [c, a]] are a ± c; tolerance 1e-12 relative (rounding)",
                    source="paper",
                    replicates=math.nan,
                ),
            )
        )
    by_theta = {cell["theta"]: cell for cell in mc}
    at0, at1, at_half = by_theta[Fraction(0)], by_theta[Fraction(1)], by_theta[Fraction(1, 2)]
    rows.append(
        row(
            "equal",
            at0["estimate"]["lambda1"],
            at0["se"]["lambda1"],
            1 / 6,
            z=z,
            **fields(
                f"Example 1 claim {CLAIM_A}",
                0,
                quantity="Monte Carlo λ1(0) against the paper's 1/6",
                reason=f"exact λ1(0) = (1 - 0)^4/6 = 1/6; Monte Carlo {at0['estimate']['lambda1']:.5f}",
                source="paper",
            ),
        )
    )
    mc1 = at1["estimate"]["lambda1"]
    rows.append(
        row(
            "equal",
            mc1,
            at1["se"]["lambda1"],
            1 / 96,
            z=z,
            **fields(
                f"Example 1 claim {CLAIM_B}",
                1,
                quantity="Monte Carlo λ1(1) against the paper's 1/96",
                reason=(
                    "the paper: 'θ* = 1, λ1(1) = 1/16 - 5/96 = 1/96'; ours: λ1(1) = 0 exactly "
                    f"(Monte Carlo {mc1:g}, {at1['hits']} of {at1['samples']} draws in the region): "
                    "P(-x1 + x2 > 2) = 0 on the square, and the paper's own printed d1(1) = d2(1) = 0. "
                    "1/16 = d1(1/2) and -5/96 = d2(1/2): the claim holds at θ* = 1/2 "
                    f"(Monte Carlo λ1(1/2) = {at_half['estimate']['lambda1']:.5f}, exact 1/96 = {1 / 96:.5f}), "
                    "the likely intended value (threshold w*ᵀx > 1 = 2θ*: the factor 2 of Definition 1 dropped)"
                ),
                source="paper",
            ),
        )
    )
    rows.append(
        row(
            "equal",
            at_half["estimate"]["lambda1"],
            at_half["se"]["lambda1"],
            1 / 96,
            z=z,
            **fields(
                f"Example 1 claim {CLAIM_B}, at θ* = 1/2",
                Fraction(1, 2),
                quantity="Monte Carlo λ1(1/2) against the paper's 1/96 (our reading: θ* = 1/2, not the paper's words)",
                reason="the likely intended θ* of claim (b): 1/16 - 5/96 = d1(1/2) - |d2(1/2)|",
                source="paper",
                regime="θ* = 1/2, not the printed θ* = 1",
            ),
        )
    )
    return rows


# ----------------------------------------------------------------------------------------------------- Example 2
def normal_tail(a: float) -> float:
    """Q(a) = P(N(0, 1) > a)."""
    return 0.5 * math.erfc(a / math.sqrt(2))


def example2_lambda1(w_star: float, theta: float) -> float:
    """E[1{w* x > 2 theta*} x^2], x ~ N(0, 1): Q(a) + a phi(a), a = 2 theta*/|w*|; w* = 0: 1{0 > 2 theta*}."""
    if w_star == 0:
        return 1.0 if 2 * theta < 0 else 0.0
    a = 2 * theta / abs(w_star)
    return normal_tail(a) + a * math.exp(-a * a / 2) / math.sqrt(2 * math.pi)


def standard_normal(rng: np.random.Generator, samples: int) -> np.ndarray:
    """Example 2's law: N(0, 1) (laws.Normal, sigma 1)."""
    return Normal(1, sigma=1.0).sample(rng, (samples,))[:, 0]


def example2_rows(z: float, samples: int, seed: int, *, draw: Draw = standard_normal) -> list[CheckRow]:
    """Example 2 over a (w*, theta*) grid: 0 < lambda_1 <= 1 (Monte Carlo) and the closed form against Monte Carlo."""
    x = draw(generator(seed, "paper_a", EXPERIMENT, "example2"), samples)
    n = len(x)
    rows: list[CheckRow] = []
    for w_star in W_STARS_2:
        for theta in THETAS_2:
            s = w_star * x > 2 * theta
            values = s * x * x
            mc, se, hits = float(values.mean()), float(values.std(ddof=1) / math.sqrt(n)), int(s.sum())
            exact = example2_lambda1(w_star, theta)
            base = {
                "paper": "A",
                "experiment": EXPERIMENT,
                "cell": f"w={w_star:g}/theta={theta:g}",
                "statement": STATEMENT_2,
                "replicates": n,
                "extra": {"closed_form": exact, "hits": hits},
            }
            form = f"closed form {exact:.5g}" + (f" (a = 2θ*/|w*| = {2 * theta / abs(w_star):g})" if w_star else "")
            if w_star == 0 and theta >= 0:
                rows.append(
                    CheckRow(
                        check="Example 2: 0 < λ1(θ*)",
                        quantity="E[1{w*x > 2θ*} x²] (Monte Carlo) against 0, strictly",
                        predicted=0.0,
                        observed=mc,
                        observed_se=se,
                        verdict="violated",
                        margin=0.0,
                        ratio=math.nan,
                        reason=(
                            "the paper: 'for any w* we have 0 < λ1(θ*)'; at w* = 0, 1{0 > 2θ*} = 0 for θ* >= 0, so "
                            f"λ1 = 0 exactly (Monte Carlo {mc:g}, {hits} of {n} draws in the region); the claim "
                            "needs w* != 0 (then λ1 = Q(a) + aφ(a) > 0)"
                        ),
                        source="paper",
                        regime="w* = 0",
                        **base,
                    )
                )
            else:
                rows.append(
                    row(
                        "lower",
                        mc,
                        se,
                        0.0,
                        z=z,
                        check="Example 2: 0 < λ1(θ*)",
                        quantity="E[1{w*x > 2θ*} x²] (Monte Carlo) against 0",
                        reason=f"{form}; {hits} of {n} draws in the region",
                        source="paper",
                        **base,
                    )
                )
            rows.append(
                row(
                    "upper",
                    mc,
                    se,
                    1.0,
                    z=z,
                    check="Example 2: λ1(θ*) <= 1",
                    quantity="E[1{w*x > 2θ*} x²] (Monte Carlo) against E x² = 1",
                    reason=form,
                    source="paper",
                    **base,
                )
            )
            if hits == 0 and exact > 0:  # no draw in the region: the Monte Carlo standard error is unknown
                se = math.nan
            rows.append(
                row(
                    "equal",
                    mc,
                    se,
                    exact,
                    z=z,
                    check="Example 2 closed form = Monte Carlo",
                    quantity="Monte Carlo E[1{w*x > 2θ*} x²] against Q(a) + aφ(a)",
                    reason=f"{form}; within z = {z:g} standard errors",
                    source="derived",
                    **base,
                )
            )
    return rows


def example_rows(z: float, samples: int, seed: int) -> list[CheckRow]:
    """Remark 1(f)'s Examples 1 and 2 as verdict rows (`samples` Monte Carlo draws for each example)."""
    return example1_rows(z, samples, seed) + example2_rows(z, samples, seed)
