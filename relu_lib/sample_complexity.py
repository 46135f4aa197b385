"""Sample complexity n0 = M(R, w*) of paper B and the (1/2)^tau envelope (MATH.md B.2, B.3).

n0 functions return (value, standard error); the error is 0 for exact values.
Error arrays are relative errors ||w_tau - w*|| / ||w*|| of shape (trials, iterations + 1).
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
    draws = np.concatenate([
        _l0_width_draws(generator(master_seed, "paper_b_n0_l0", s, d, b),
                        min(N0_L0_BATCH, samples - start), s, d)
        for b, start in enumerate(range(0, samples, N0_L0_BATCH))
    ])
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


def envelope_holds(errors: np.ndarray, horizon: int | None = None, floor: float = 1e-12):
    """Per trial: ||w_tau - w*|| <= (1/2)^tau ||w*|| for all tau <= horizon (B.2)?

    `errors` are relative errors (trials, iterations + 1); horizon defaults to all recorded
    steps. An error <= floor counts as holding (a run frozen at the solver tolerance cannot
    follow (1/2)^tau below it). NaN (diverged) fails.
    """
    errors = np.asarray(errors, dtype=float)
    horizon = errors.shape[-1] - 1 if horizon is None else int(horizon)
    e = errors[..., : horizon + 1]
    bound = np.maximum(0.5 ** np.arange(horizon + 1), floor)
    return np.all(e <= bound, axis=-1)


def per_step_ratio(errors: np.ndarray, floor: float = 1e-12) -> np.ndarray:
    """Per trial, the median of e_{tau+1} / e_tau over steps with finite e_tau > floor (B.3).

    Steps after convergence (e_tau <= floor) and after divergence are left out; NaN if no
    step remains. The cell's figure is the median of this over trials.
    """
    errors = np.asarray(errors, dtype=float)
    before, after = errors[..., :-1], errors[..., 1:]
    valid = np.isfinite(before) & np.isfinite(after) & (before > floor)
    ratios = np.where(valid, after / np.where(valid, before, 1.0), np.nan)
    out = np.full(errors.shape[:-1], np.nan)
    some = valid.any(axis=-1)
    out[some] = np.nanmedian(ratios[some], axis=-1)
    return out


def success(errors: np.ndarray, threshold: float = 1e-6) -> np.ndarray:
    """Per trial: final relative error <= threshold (NaN, i.e. diverged, fails)."""
    return np.asarray(errors, dtype=float)[..., -1] <= threshold


def crossing(n_over_n0, fraction, level: float, log: bool = True) -> float:
    """The n/n0 at which `fraction` (of trials satisfying a criterion) first reaches `level`.

    Grid points are sorted by n/n0; between the last point below `level` and the first at or
    above it the value is interpolated linearly (in log n/n0 if `log`). Returns the first grid
    point if it already reaches `level` (an upper bound: the crossing is not resolved), NaN if
    `level` is never reached.
    """
    x = np.asarray(n_over_n0, dtype=float)
    f = np.asarray(fraction, dtype=float)
    order = np.argsort(x, kind="stable")
    x, f = x[order], f[order]
    hit = np.flatnonzero(f >= level)
    if hit.size == 0:
        return math.nan
    i = hit[0]
    if i == 0:
        return float(x[0])
    u = np.log(x) if log else x
    w = (level - f[i - 1]) / (f[i] - f[i - 1])
    value = u[i - 1] + w * (u[i] - u[i - 1])
    return float(np.exp(value) if log else value)


def c50_c90(n_over_n0, fraction, log: bool = True) -> tuple[float, float]:
    """(c50, c90): the n/n0 where 50 % and 90 % of trials satisfy the envelope (B.3)."""
    return crossing(n_over_n0, fraction, 0.5, log), crossing(n_over_n0, fraction, 0.9, log)
