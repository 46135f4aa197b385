"""Tail probabilities and quantiles the verdicts need: the normal, Student's t and the binomial.

The project does not depend on SciPy; these are the textbook forms (the t through the regularized incomplete beta
function, evaluated by its continued fraction), accurate to about 1e-12 in the tails a verdict reads.
"""

from __future__ import annotations

import math
from statistics import NormalDist

_NORMAL = NormalDist()


def normal_sf(x: float) -> float:
    """P(N(0, 1) > x)."""
    return 0.5 * math.erfc(x / math.sqrt(2))


def normal_isf(p: float) -> float:
    """x with P(N(0, 1) > x) = p (inf at p = 0, -inf at p = 1)."""
    if p <= 0:
        return math.inf
    if p >= 1:
        return -math.inf
    return -_NORMAL.inv_cdf(p)


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the regularized incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1) / (a + b + 2):  # the fraction converges fast on this side; use the symmetry on the other
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def t_sf(x: float, dof: float) -> float:
    """P(T > x) for Student's t with `dof` degrees of freedom (the normal at dof = inf)."""
    if math.isnan(x):
        return math.nan
    if not math.isfinite(dof):
        return normal_sf(x)
    if math.isinf(x):
        return 0.0 if x > 0 else 1.0
    tail = 0.5 * incomplete_beta(dof / 2, 0.5, dof / (dof + x * x))
    return tail if x >= 0 else 1.0 - tail


def t_isf(p: float, dof: float) -> float:
    """x with P(T > x) = p for Student's t with `dof` degrees of freedom (bisection: t_sf is monotone)."""
    if not math.isfinite(dof):
        return normal_isf(p)
    if p <= 0:
        return math.inf
    if p >= 1:
        return -math.inf
    if p > 0.5:
        return -t_isf(1.0 - p, dof)
    lo, hi = 0.0, 1.0
    while t_sf(hi, dof) > p:
        lo, hi = hi, 2 * hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if t_sf(mid, dof) > p else (lo, mid)
        if hi - lo < 1e-12 * max(1.0, hi):
            break
    return 0.5 * (lo + hi)


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p <= 0:
        return 1.0
    if p >= 1:
        return 0.0
    return incomplete_beta(n - k, k + 1, 1.0 - p)  # = 1 - I_p(k + 1, n - k), without the cancellation


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return incomplete_beta(k, n - k + 1, p) if 0 < p < 1 else float(p >= 1)


def clopper_pearson(k: int, n: int, level: float = 0.05) -> tuple[float, float]:
    """The exact (Clopper–Pearson) two-sided interval of a binomial probability at confidence 1 − level, from k
    successes of n: the p at which P(X >= k | p) (rising in p) and P(X <= k | p) (falling) are level / 2, the
    exact binomial test's duals; 0 and 1 at the ends. Bisection on the monotone tail probabilities."""

    def solve(rising, target):
        lo, hi = 0.0, 1.0
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if rising(mid) < target else (lo, mid)
        return 0.5 * (lo + hi)

    low = 0.0 if k <= 0 else solve(lambda p: binomial_sf(k, n, p), level / 2)
    high = 1.0 if k >= n else solve(lambda p: 1.0 - binomial_cdf(k, n, p), 1.0 - level / 2)
    return low, high


def hall_statistic(values, reference: float) -> tuple[float, float, float, int]:
    """(mean, se, T, n) of the units' `values` against `reference`: T is Hall's (1992) skewness-corrected
    Studentized mean, sqrt(n) (u + g u²/3 + g² u³/27 + g / (6 n)) with u = (mean − reference) / sd and g the
    sample skewness. It removes the first-order (n^-1/2) skewness term of the t statistic's distribution, and is
    monotone in u (its derivative is (1 + g u / 3)² ≥ 0), so its tails are read off Student's t with n − 1 degrees
    of freedom. With g = 0 (a symmetric sample) it is the t statistic up to the constant g / (6 n)."""
    import numpy as np

    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n < 3:
        return math.nan, math.nan, math.nan, n
    mean, sd = float(x.mean()), float(x.std(ddof=1))
    if not (math.isfinite(mean) and math.isfinite(sd)) or sd == 0:
        return mean, sd / math.sqrt(n), math.nan, n
    g = float(np.mean(((x - mean) / sd) ** 3))  # standardized first: no overflow at large values
    u = (mean - reference) / sd
    return mean, sd / math.sqrt(n), math.sqrt(n) * (u + g * u * u / 3 + g * g * u**3 / 27 + g / (6 * n)), n
