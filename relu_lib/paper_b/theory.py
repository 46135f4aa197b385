"""Paper B's theory: the sample complexity n0 = M(R, w*) of each constraint set and the first-step identity.

n0 functions return (value, standard error); the error is 0 for exact values.
"""

from __future__ import annotations

import math

import numpy as np

from relu_lib.seeding import generator

_SQRT_2_PI = math.sqrt(2.0 / math.pi)
N0_L0_BATCH = 1000  # Monte Carlo draws per random stream (streams keyed by batch index)


def gaussian_excess(t: float) -> float:
    """E[(|g| - t)_+^2] = (1 + t^2) erfc(t/sqrt 2) - t sqrt(2/pi) e^{-t^2/2}, g ~ N(0, 1)."""
    return (1 + t * t) * math.erfc(t / math.sqrt(2)) - t * _SQRT_2_PI * math.exp(-t * t / 2)


def l1_width_bound(t: float, s: int, d: int) -> float:
    """s (1 + t^2) + (d - s) E[(|g| - t)_+^2]; its infimum over t >= 0 is delta(s, d) (B.2)."""
    return s * (1 + t * t) + (d - s) * gaussian_excess(t)


def _l1_threshold(tau: float) -> float:
    """The t > 0 with tau/(1 - tau) = sqrt(2/pi) e^{-t^2/2}/t - erfc(t/sqrt 2) (B.2), by bisection.

    The right side decreases strictly from +inf (t -> 0) to 0 (t -> inf).
    """
    target = tau / (1 - tau)

    def excess(t):
        return _SQRT_2_PI * math.exp(-t * t / 2) / t - math.erfc(t / math.sqrt(2)) - target

    lo, hi = 0.0, 1.0
    while excess(hi) > 0:
        lo, hi = hi, 2 * hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if excess(mid) > 0 else (lo, mid)
    return 0.5 * (lo + hi)


def delta_l1(s: int, d: int) -> float:
    """Statistical dimension delta(s, d) of the l1 descent cone at an s-sparse w* (B.2, exact)."""
    if not 0 <= s <= d:
        raise ValueError(f"delta_l1: need 0 <= s <= d, got s={s}, d={d}")
    if s == 0:
        return 0.0
    if s == d:
        return float(d)
    tau = s / d
    t = _l1_threshold(tau)
    return d * (tau * (1 + t * t) + (1 - tau) * gaussian_excess(t))


def _l0_width_draws(rng: np.random.Generator, count: int, s: int, d: int) -> np.ndarray:
    """Draws of sqrt(||g_S||^2 + sum of the s largest g_j^2, j not in S), S = the first s."""
    g2 = rng.standard_normal((count, d)) ** 2
    inside = g2[:, :s].sum(axis=1)
    rest = g2[:, s:]
    k = min(s, rest.shape[1])
    if k == 0:
        return np.sqrt(inside)
    top = np.partition(rest, rest.shape[1] - k, axis=1)[:, rest.shape[1] - k :].sum(axis=1)
    return np.sqrt(inside + top)


def n0_l0(s: int, d: int, *, samples: int = 20000, master_seed: int = 0) -> tuple[float, float]:
    """Monte Carlo (E sqrt(||g_S||^2 + top-s g_j^2 off S))^2 for the s-sparse set (B.2).

    Returns (value, SE), SE by the delta method, 2 |mean| sd / sqrt(samples); the bias of
    squaring the mean, Var/samples, is far below the SE. Draws come in batches of
    N0_L0_BATCH, batch b from the stream ("paper_b_n0_l0", s, d, b): more samples extend,
    never change, the earlier ones.
    """
    if not 0 <= s <= d or samples < 2:
        raise ValueError(f"n0_l0: need 0 <= s <= d, samples >= 2; got {s=}, {d=}, {samples=}")
    draws = np.concatenate(
        [
            _l0_width_draws(generator(master_seed, "paper_b_n0_l0", s, d, b), min(N0_L0_BATCH, samples - start), s, d)
            for b, start in enumerate(range(0, samples, N0_L0_BATCH))
        ]
    )
    mean, sd = draws.mean(), draws.std(ddof=1)
    return float(mean**2), float(2 * abs(mean) * sd / math.sqrt(samples))


def n0(constraint: str, s: int, d: int, **mc) -> tuple[float, float]:
    """n0 = M(R, w*) for a constraint (B.2): none d, l1 delta(s, d), l0 Monte Carlo.

    Keyword arguments (samples, master_seed) go to the Monte Carlo (l0 only).
    """
    if constraint == "none":
        return float(d), 0.0
    if constraint == "l1":
        return delta_l1(s, d), 0.0
    if constraint == "l0":
        return n0_l0(s, d, **mc)
    raise ValueError(f"unknown constraint {constraint!r}; allowed: ['l0', 'l1', 'none']")


def first_step_q_variance(d: int, n: int, trials: int) -> float:
    """Var of q = T n ||mean over T trials of (g - w*)||^2 / (2d + 3), g = (2/n) sum y_i x_i (derived).

    With u = 2 ReLU(<w*,x>) x - w* (||w*|| = 1, x ~ N(0, I_d), N = nT independent terms, k = d - 1):
    Cov u = 2 I + 3 w* w*^T (tr = 2d + 3), Var ||u||^2 = 20 k^2 + 224 k + 608, and
    Var q = Var||u||^2 / (N (2d + 3)^2) + 2 (1 - 1/N) avg tr(C_r C_r') / (2d + 3)^2 with
    tr(C_r C_r') = 4d + 12 + 9 <w*_r, w*_r'>^2 <= 4d + 21 (taken: conservative when the trials'
    w* differ). The first term (the labels' common factor in every coordinate) dominates at small n.
    """
    k, big_n = d - 1, n * trials
    return (20 * k * k + 224 * k + 608) / (big_n * (2 * d + 3) ** 2) + 2 * (1 - 1 / big_n) * (4 * d + 21) / (
        2 * d + 3
    ) ** 2


def n0_record(constraint: str, s: int, d: int, samples: int, master_seed: int) -> dict:
    """n0 = M(R, w*) of one (constraint, s, d) with its standard error and how it was computed."""
    mc = {"samples": samples, "master_seed": master_seed} if constraint == "l0" else {}
    value, se = n0(constraint, int(s), int(d), **mc)
    return {
        "constraint": constraint,
        "s": int(s),
        "d": int(d),
        "n0": value,
        "n0_se": se,
        "method": N0_METHODS[constraint],
        "samples": mc.get("samples"),
        "master_seed": master_seed,
    }


N0_METHODS = {
    "l0": "Monte Carlo squared Gaussian width of the s-sparse descent set (docs/theory.md B.2)",
    "l1": "exact statistical dimension of the l1 descent cone (docs/theory.md B.2)",
    "none": "d (no constraint)",
}


def write_n0(constraint: str, s: int, d: int, samples: int, master_seed: int, out) -> None:
    """n0 of one (constraint, s, d) as JSON, with its provenance."""
    from relu_lib.io import write_json
    from relu_lib.provenance import stamp

    record = n0_record(constraint, s, d, samples, master_seed)
    write_json(out, {**record, "provenance": stamp(record, __name__)})


def first_step_moments(d: int, n: int) -> dict[str, float]:
    """Derived moments of g = (2/n) sum y_i x_i for ReLU labels, ||w*|| = 1, x ~ N(0, I_d):
    E g = w*; E||g - w*||^2 = (2d + 3)/n; Var<g - w*, w*> = 5/n (covariance of one term
    2 ReLU(<w*,x>) x - w* is 5 along w* and 2 across)."""
    return {"sq_dev_mean": (2 * d + 3) / n, "along_var": 5.0 / n}
