"""The input laws: parity symmetry, closed forms against Monte Carlo, E[ReLU(<w,x>)x] = Sigma w / 2.

Tolerances are Z standard errors of the Monte Carlo estimate (a fixed seed makes each test
deterministic; Z = 5 keeps the chance of a false alarm per comparison below 1e-6).
"""

import math

import numpy as np
import pytest

from relu_lib.paper_a.laws import constants, make_law, monte_carlo
from relu_lib.seeding import generator

Z = 5.0
LAWS = {
    "normal": {"family": "normal", "d": 6, "sigma": 1.0},
    "normal_wide": {"family": "normal", "d": 5, "sigma": 3.0},
    "laplace": {"family": "laplace", "d": 5, "scale": 2.0},
    "student_t_finite_m4": {"family": "student_t", "d": 5, "nu": 9.0},
    "student_t_4": {"family": "student_t", "d": 5, "nu": 4.0},
    "uniform": {"family": "uniform", "d": 6, "half_width": 1.7320508075688772},
    "mixture": {"family": "mixture", "d": 5, "mean_norm": 2.0},
}


def draw(spec, n, name):
    law = make_law(spec)
    return law, law.sample(generator(1, "test", name), (n,))


def z_scores(samples):
    """|mean| / standard error, per column."""
    return np.abs(samples.mean(axis=0)) / (samples.std(axis=0, ddof=1) / math.sqrt(len(samples)))


@pytest.mark.parametrize("name", LAWS)
def test_parity_symmetric(name):
    """x and -x have the same law: E[g(x) - g(-x)] = 0 for bounded, non-odd g."""
    law, x = draw(LAWS[name], 200_000, name)
    u = generator(2, "directions").standard_normal((4, law.d))
    g = lambda z: 1 / (1 + np.exp(-(z @ u.T + 0.5)))  # noqa: E731
    assert z_scores(g(x) - g(-x)).max() < Z


@pytest.mark.parametrize("name", LAWS)
def test_relu_moment_is_half_sigma_w(name):
    """E[ReLU(<w, x>) x] = Sigma w / 2 for every parity-symmetric law (for parity-symmetric laws)."""
    law, x = draw(LAWS[name], 400_000, name)
    w = generator(3, "w", law.d).standard_normal(law.d)
    sigma = constants(law, 10_000, generator(4, "c")).sigma
    samples = np.maximum(x @ w, 0)[:, None] * x - 0.5 * (x * (x @ w)[:, None])  # mean 0 in each column
    # comparing against the sample's own Sigma w / 2 removes most noise; check the closed form too
    assert z_scores(samples).max() < Z
    assert z_scores(np.maximum(x @ w, 0)[:, None] * x - 0.5 * sigma @ w).max() < Z


@pytest.mark.parametrize("name", [n for n in LAWS if n != "student_t_4"])
def test_closed_forms_agree_with_monte_carlo(name):
    """Sigma, M4 = E[||x||^2 x x^T] entrywise, E||x|| and E||x||^2 (docs/theory.md A.4)."""
    law = make_law(LAWS[name])
    known = law.closed_form()
    mc = monte_carlo(law, 400_000, generator(6, "mc", name), batches=40)
    for key in ("sigma", "m4"):
        if key in known:
            assert (np.abs(known[key] - getattr(mc, key)) < Z * getattr(mc, f"{key}_se")).all(), key
    for key in ("e_norm", "e_norm2"):
        if key in known:
            assert abs(known[key] - mc.estimates[key]) < Z * mc.se[key], key


def test_infinite_fourth_moment_is_infinite_lambda2():
    c = constants(make_law(LAWS["student_t_4"]), 20_000, generator(7, "t"))
    assert math.isinf(c.lambda2) and not c.fourth_moment_finite
    assert c.lambda1 == c.lambda3 == pytest.approx(2.0)


def test_isotropic_gaussian_lambda2_is_d_plus_2_sigma4():
    c = constants(make_law({"family": "normal", "d": 100, "sigma": 3.0}), 1000, generator(8, "n"))
    assert c.lambda2 == pytest.approx(102 * 81)
    assert c.lambda1 == c.lambda3 == pytest.approx(9.0)


def test_mixture_constants():
    """Sigma = I + mu mu^T; lambda2 = (m + d + 2) + (m + d + 4) m with m = ||mu||^2; E||x|| by Monte Carlo."""
    law = make_law(LAWS["mixture"])
    c = constants(law, 200_000, generator(9, "mix"))
    assert c.lambda1 == pytest.approx(1.0) and c.lambda3 == pytest.approx(1 + 2.0**2)
    assert c.lambda2 == pytest.approx((4 + 5 + 2) + (4 + 5 + 4) * 4)
    assert c.source["e_norm"] == "monte carlo" and c.se["e_norm"] > 0
