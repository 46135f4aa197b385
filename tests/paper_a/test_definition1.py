"""Definition 1's constants (relu_lib.paper_a.definition1): the Gaussian closed forms against hand-computed values
and against Monte Carlo, and the Monte Carlo estimator on laws of relu_lib.paper_a.laws.

Statistics. Each Monte Carlo comparison is |estimate − closed form| <= Z standard errors (batch means over 16
batches, so the standard error itself has 15 degrees of freedom), Z = 5: a normal two-sided tail of 5.7e-7, a
Student-t(15) tail of 1.6e-4 per comparison. test_closed_forms_match_monte_carlo makes 2 x (7 scalars + 25
matrix entries) = 64 comparisons; the whole file about 80. Seeds are fixed, so every test is deterministic.
λ1 is compared as an eigenvalue only where it is not degenerate (n = 2, θ* > 0); elsewhere the matrix is.
"""

import math

import numpy as np
import pytest

from relu_lib.paper_a import definition1 as d1
from relu_lib.paper_a.laws import make_law

Z = 5.0
SCALARS = ("a1", "a2", "a4", "beta1", "beta2", "beta3", "e_norm2")


def within(estimate: float, se: float, exact: float) -> bool:
    return abs(estimate - exact) <= Z * se


def test_hand_computed_values():
    # chi-law moments: E||x|| = sqrt(2/pi) (n = 1), sqrt(pi/2) (n = 2); E||x||^2 = n; E||x||^4 = n(n + 2)
    assert d1.norm_moment(1, 1) == pytest.approx(math.sqrt(2 / math.pi), rel=1e-14)
    assert d1.norm_moment(2, 1) == pytest.approx(math.sqrt(math.pi / 2), rel=1e-14)
    assert d1.norm_moment(7, 2, sigma=2.0) == pytest.approx(7 * 4, rel=1e-14)
    assert d1.norm_moment(7, 4) == pytest.approx(7 * 9, rel=1e-14)
    c = d1.gaussian(10, 3.0, theta=0.0, beta=0.2)
    assert (c.a2, c.a4, c.e_norm2) == pytest.approx((5.0, 60.0, 10.0), rel=1e-14)
    assert c.a1 == pytest.approx(0.5 * d1.norm_moment(10, 1), rel=1e-14)
    assert (c.beta1, c.beta2, c.beta3) == pytest.approx((0.2 * c.a1, 0.2 * 5.0, 0.2 * 0.5 * d1.norm_moment(10, 3)))
    assert c.lambda1 == c.lambda1_zero == pytest.approx(0.5, rel=1e-14)
    # sigma: a_i scale as sigma^i, lambda as sigma^2; theta* > 0: lambda1 = sigma^2 Q(2 theta*/(sigma ||w*||))
    s = d1.gaussian(10, 3.0, theta=0.6, sigma=1.5)
    assert (s.a2, s.a4, s.lambda1_zero) == pytest.approx((5.0 * 1.5**2, 60.0 * 1.5**4, 0.5 * 1.5**2), rel=1e-14)
    assert s.lambda1 == pytest.approx(1.5**2 * 0.5 * math.erfc((1.2 / 4.5) / math.sqrt(2)), rel=1e-14)
    # n = 1: the only direction is u: lambda1 = c phi(c) + Q(c)
    one = d1.gaussian(1, 2.0, theta=1.0)
    assert one.lambda1 == pytest.approx(1 * d1.normal_density(1.0) + d1.normal_tail(1.0), rel=1e-14)
    # the quadrature against its own closed forms: k = 2 is E[1{z > c} z^2] + (n - 1) Q(c), and c = 0 is 1/2
    for n, cut in ((1, 0.7), (5, 0.8), (40, 1.3)):
        closed = cut * d1.normal_density(cut) + d1.normal_tail(cut) * n
        assert d1.tail_norm_moment(n, cut, 2) == pytest.approx(closed, rel=1e-10)
    assert d1.tail_norm_moment(5, 1e-12, 3) == pytest.approx(0.5 * d1.norm_moment(5, 3), rel=1e-9)
    # the matrix: Q(c) off u, c phi(c) + Q(c) along u
    w = np.array([3.0, 4.0])
    m = d1.filter_matrix_gaussian(w, 1.25)  # c = 2.5 / 5 = 0.5
    u = w / 5
    assert u @ m @ u == pytest.approx(0.5 * d1.normal_density(0.5) + d1.normal_tail(0.5), rel=1e-14)
    v = np.array([-0.8, 0.6])
    assert v @ m @ v == pytest.approx(d1.normal_tail(0.5), rel=1e-14)
    assert u @ m @ v == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("threshold", [-math.inf, 0.7])
def test_closed_forms_match_monte_carlo(threshold):
    """N(0, sigma^2 I_5), sigma = 1.3, theta* = 0.4, beta(x) = 0.3 1{w*'x > threshold}: every constant and the
    matrix E[1{w*'x > 2 theta*} x x'] (entrywise) within Z standard errors."""
    rng = np.random.default_rng(11)
    n, sigma = 5, 1.3
    w_star = rng.standard_normal(n)
    rho = float(np.linalg.norm(w_star))
    closed = d1.gaussian(n, rho, 0.4, 0.3, threshold, sigma, matrix_direction=w_star)
    mc = d1.monte_carlo(
        lambda k: sigma * rng.standard_normal((k, n)),
        w_star,
        0.4,
        d1.beta_function(0.3, threshold, w_star),
        samples=400_000,
    )
    for name in SCALARS:
        assert within(getattr(mc, name), mc.se[name], getattr(closed, name)), name
    assert np.all(np.abs(mc.matrix - closed.matrix) <= Z * mc.matrix_se)


def test_lambda1_eigenvalue_where_not_degenerate():
    """n = 2, theta* > 0: the two eigenvalues Q(c) and c phi(c) + Q(c) differ, so the eigenvalue estimate has no
    degeneracy bias and is compared directly."""
    rng = np.random.default_rng(5)
    w_star = np.array([0.6, -0.8])
    closed = d1.gaussian(2, 1.0, theta=0.5)  # c = 1: eigenvalues 0.159 (off u) and 0.401 (along u)
    mc = d1.monte_carlo(lambda k: rng.standard_normal((k, 2)), w_star, 0.5, samples=400_000)
    assert within(mc.lambda1, mc.se["lambda1"], closed.lambda1)
    assert closed.lambda1 == pytest.approx(d1.normal_tail(1.0), rel=1e-14)


def test_monte_carlo_on_the_laws():
    """Laws of laws.py through for_law: symmetric laws have a_2 = E||x||^2 / 2 (x -> -x); the paper's Remark 1(f),
    Example 1 (x uniform on [-1, 1]^2, w* = (-1, 1)) has E[1{w*'x > 0} x x'] = I/6, so lambda1(0) = 1/6."""
    rng = np.random.default_rng(3)
    laplace = {"family": "laplace", "d": 4, "scale": 0.7}
    c = d1.for_law(laplace, np.array([1.0, -0.5, 0.2, 0.0]), samples=200_000, rng=rng)
    assert c.source.startswith("monte carlo")
    assert within(c.a2, c.se["a2"], 0.5 * 4 * 2 * 0.7**2)
    assert within(c.e_norm2, c.se["e_norm2"], 4 * 2 * 0.7**2)
    square = {"family": "uniform", "d": 2, "half_width": 1.0}
    law = make_law(square)
    ex = d1.monte_carlo(lambda k: law.sample(rng, (k,)), np.array([-1.0, 1.0]), 0.0, samples=400_000)
    assert np.all(np.abs(ex.matrix - np.eye(2) / 6) <= Z * ex.matrix_se)
    assert within(ex.a2, ex.se["a2"], 1 / 3)  # E||x||^2 / 2 = (2/3) / 2
    # the closed form is used for the normal family
    normal = d1.for_law({"family": "normal", "d": 3, "sigma": 2.0}, np.array([0.0, 0.0, 2.0]), theta=1.0)
    assert normal.source.startswith("closed form") and normal.lambda1 == pytest.approx(4 * d1.normal_tail(0.5))


def test_beta_scaling():
    c = d1.gaussian(6, 2.0, theta=0.3, beta=1.0)
    half = c.with_beta_scaled(0.25)
    assert (half.beta1, half.beta2, half.beta3) == pytest.approx((0.25 * c.beta1, 0.25 * c.beta2, 0.25 * c.beta3))
    assert d1.gaussian(6, 2.0, theta=0.3, beta=0.25).beta3 == pytest.approx(half.beta3, rel=1e-14)
    assert (half.a2, half.lambda1) == (c.a2, c.lambda1)
