"""Tail-index estimators for a sample of positive values (e.g. late ||Delta|| over seeds, thinned).

The target is alpha in P(X > x) ~ const * x^(-alpha). The tails study judges the tail with Hill at a fixed small
k / n (hill_at: the verdicts compare it with the same estimator on the model's samples, docs/tails.md); Hill with
k chosen by minimising the Kolmogorov-Smirnov distance between the k largest values and the Pareto law fitted to
them (Clauset, Shalizi & Newman 2009) stays as a diagnostic (on these laws that choice settles in the body, at
k / n ~ 0.1-0.3, where Hill reads well above the asymptotic index). Intervals: the exact Pareto (Gamma) interval for
the chosen k, or a bootstrap that re-chooses k in every resample. Cross-check: the moment estimator of Dekkers,
Einmahl & de Haan (1989), which does not assume the tail above the threshold is exactly Pareto. All are
deterministic given the inputs (and the Generator passed to the bootstrap).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from relu_lib.errors import UserError

K_MIN = 10  # fewest order statistics any estimate uses: below this the Hill estimate has > 30 % error
MIN_SAMPLES = 2 * K_MIN
DENSE_K = 200  # every k up to here is a candidate; beyond, a geometric grid (ratio K_RATIO)
K_RATIO = 1.05


class TailSampleError(UserError, ValueError):
    """The sample cannot carry a tail estimate (too few values, non-positive or non-finite ones)."""


@dataclass(frozen=True)
class TailEstimate:
    """alpha with a two-sided interval [lower, upper] at the level asked, from the k largest of n values."""

    alpha: float
    lower: float
    upper: float
    k: int
    n: int
    method: str


def _descending(values) -> np.ndarray:
    """The sample sorted in decreasing order, after checking it can carry a tail estimate."""
    x = np.asarray(values, dtype=float).ravel()
    if x.size < MIN_SAMPLES:
        raise TailSampleError(f"{x.size} values: a tail estimate needs at least {MIN_SAMPLES}")
    if not np.all(np.isfinite(x)):
        raise TailSampleError(f"{np.count_nonzero(~np.isfinite(x))} non-finite value(s) in the sample")
    if np.any(x <= 0):
        raise TailSampleError(
            f"{np.count_nonzero(x <= 0)} value(s) <= 0: the tail index is defined for "
            "positive values (pass norms, not signed coordinates)"
        )
    return -np.sort(-x)


def _check_k(k: int, n: int) -> int:
    if int(k) != k or not K_MIN <= k <= n - 1:
        raise TailSampleError(f"k = {k}: allowed values are integers {K_MIN} <= k <= n - 1 = {n - 1}")
    return int(k)


def _hill_from_sorted(desc: np.ndarray, k) -> np.ndarray:
    """Hill alpha_k = 1 / H_k, H_k = (1/k) sum_{i<=k} log X_(i) - log X_(k+1), for an array of k."""
    k = np.asarray(k)
    cum = np.cumsum(np.log(desc))
    return k / (cum[k - 1] - k * np.log(desc[k]))


def hill_path(values) -> np.ndarray:
    """Hill estimates alpha_k for k = 1, ..., n - 1 (entry k - 1): the data for a Hill plot."""
    desc = _descending(values)
    return _hill_from_sorted(desc, np.arange(1, desc.size))


def candidate_ks(n: int) -> np.ndarray:
    """The k searched by select_k: every k in [K_MIN, DENSE_K], then a geometric grid up to n - 1."""
    dense = np.arange(K_MIN, min(DENSE_K, n - 1) + 1)
    if n - 1 <= DENSE_K:
        return dense
    steps = math.ceil(math.log((n - 1) / DENSE_K) / math.log(K_RATIO))
    sparse = np.unique(np.round(DENSE_K * K_RATIO ** np.arange(1, steps + 1)).astype(int))
    return np.concatenate([dense, sparse[(sparse > DENSE_K) & (sparse < n - 1)], [n - 1]])


def _ks_distance(desc: np.ndarray, k: int, alpha: float) -> float:
    """sup |F_emp - F_fit| over the k values above the threshold X_(k+1), F_fit(x) = 1 - (x / X_(k+1))^-alpha."""
    fit = 1.0 - (desc[k - 1 :: -1] / desc[k]) ** -alpha  # ascending tail values
    j = np.arange(1, k + 1) / k
    return float(max(np.max(np.abs(j - fit)), np.max(np.abs(j - 1.0 / k - fit))))


def _select_k_sorted(desc: np.ndarray) -> int:
    ks = candidate_ks(desc.size)
    alphas = _hill_from_sorted(desc, ks)
    distances = [_ks_distance(desc, int(k), float(a)) for k, a in zip(ks, alphas, strict=True)]
    return int(ks[int(np.argmin(distances))])  # first minimum: ties go to the smaller k


def select_k(values) -> int:
    """The k minimising the KS distance between the k largest values and the Pareto law fitted to them.

    For each candidate k (candidate_ks) the threshold is X_(k+1), alpha is the Hill estimate (the Pareto
    maximum-likelihood estimate above that threshold), and the distance is the sup over the k values of the
    gap between their empirical distribution function and the fitted Pareto one. Too small a k makes the
    fit noisy (the KS distance of k points is of order 1/sqrt(k)); too large a k reaches into the body,
    where the law is not Pareto and the distance grows: the minimum balances the two (Clauset, Shalizi &
    Newman 2009).
    """
    return _select_k_sorted(_descending(values))


def _gamma_quantile(shape: float, q: float) -> float:
    """Quantile of Gamma(shape, 1) by Wilson-Hilferty (relative error < 1e-3 for shape >= K_MIN)."""
    z = NormalDist().inv_cdf(q)
    return shape * (1 - 1 / (9 * shape) + z / (3 * math.sqrt(shape))) ** 3


def hill(values, k: int | None = None, level: float = 0.95) -> TailEstimate:
    """Hill estimate with k from select_k (or the k given) and the exact-Pareto interval.

    Above the threshold X_(k+1) an exact Pareto(alpha) tail makes alpha * k * H_k a Gamma(k, 1) variable
    (Renyi's representation), so [G_lo / (k H_k), G_hi / (k H_k)] with G the Gamma(k, 1) quantiles covers
    alpha with probability `level`; asymptotically this is alpha_hat (1 +- z / sqrt(k)). It ignores the bias
    of a tail that is only asymptotically Pareto and the randomness of the chosen k: see hill_bootstrap.
    """
    desc = _descending(values)
    k = _select_k_sorted(desc) if k is None else _check_k(k, desc.size)
    alpha = float(_hill_from_sorted(desc, k))
    tail = (1 - level) / 2
    lower, upper = (_gamma_quantile(k, q) / k * alpha for q in (tail, 1 - tail))
    return TailEstimate(alpha, lower, upper, k, desc.size, "hill-ks")


def hill_bootstrap(values, rng: np.random.Generator, n_boot: int = 200, level: float = 0.95) -> TailEstimate:
    """Hill estimate with k from select_k and a percentile-bootstrap interval that re-chooses k.

    Each of the n_boot resamples (with replacement, drawn from `rng`) goes through the same KS choice of k
    and the Hill estimate; the interval holds the central `level` of those estimates. It so includes the
    variance of the choice of k, which the Gamma interval of hill() omits. Like every i.i.d. bootstrap it
    assumes independent values: thin a trajectory first.
    """
    desc = _descending(values)
    point = hill(desc, level=level)
    boots = np.empty(n_boot)
    for j in range(n_boot):
        resample = -np.sort(-desc[rng.integers(0, desc.size, desc.size)])
        boots[j] = _hill_from_sorted(resample, _select_k_sorted(resample))
    tail = (1 - level) / 2
    lower, upper = np.quantile(boots, [tail, 1 - tail])
    return TailEstimate(point.alpha, float(lower), float(upper), point.k, point.n, "hill-ks-bootstrap")


def moment_estimator(values, k: int | None = None, level: float = 0.95) -> TailEstimate:
    """Dekkers-Einmahl-de Haan moment estimate of alpha = 1 / xi from the k largest values.

    With M_j = (1/k) sum_{i<=k} (log X_(i) - log X_(k+1))^j, xi = M_1 + 1 - 1 / (2 (1 - M_1^2 / M_2)).
    Unlike Hill it is consistent for every extreme-value index, and it corrects part of the bias of a
    tail that is not exactly Pareto; the price is a larger variance: sqrt(k) (xi_hat - xi) -> N(0, 1 + xi^2)
    for xi > 0 (Hill: N(0, xi^2)), which gives the interval, on the xi scale and then inverted (upper = inf
    when it reaches xi <= 0). k defaults to select_k's, so that the two estimators see the same tail.
    """
    desc = _descending(values)
    k = _select_k_sorted(desc) if k is None else _check_k(k, desc.size)
    logs = np.log(desc[:k]) - math.log(desc[k])
    m1, m2 = float(np.mean(logs)), float(np.mean(logs * logs))
    if m1 * m1 >= m2:  # every log-excess equal: no spread to estimate a tail from
        raise TailSampleError(f"the {k + 1} largest values are all equal: no tail to estimate")
    xi = m1 + 1 - 0.5 / (1 - m1 * m1 / m2)
    half = NormalDist().inv_cdf((1 + level) / 2) * math.sqrt((1 + xi * xi) / k)
    lower, alpha, upper = (1 / v if v > 0 else math.inf for v in (xi + half, xi, xi - half))
    return TailEstimate(alpha, lower, upper, k, desc.size, "moment-dedh")


def hill_at(values, k: int) -> float:
    """Hill alpha from the k largest values at a fixed k (no KS choice): 1 / H_k with H_k the mean log-excess of the
    k largest over the (k+1)-th. A partial sort: O(n), so a bootstrap of a few hundred replicates is cheap."""
    x = np.asarray(values, dtype=float).ravel()
    if not 1 <= k < x.size:
        raise TailSampleError(f"k = {k}: allowed values are integers 1 <= k <= n - 1 = {x.size - 1}")
    top = np.partition(x, x.size - k - 1)[x.size - k - 1 :]  # the k + 1 largest, the (k+1)-th first
    threshold = top.min()
    if not threshold > 0:
        raise TailSampleError("the (k+1)-th largest value is <= 0: no log-excess to take")
    excess = np.log(top).sum() - (k + 1) * math.log(threshold)
    return float(k / excess) if excess > 0 else math.inf
