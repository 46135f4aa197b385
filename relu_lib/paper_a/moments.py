"""Exact moment recursions of Algorithm 2 for any input law, with Monte Carlo constants (derived here).

Realizable labels (theta = 0): the filter is s = 1{<w*, x> > 0} and the residual on it is -<Delta, x>, so
    Delta' = (I - (eta/b) sum_i s_i x_i x_i^T) Delta,   the x_i i.i.d., independent of Delta.
Hence, exactly and for every law with finite fourth moments (no symmetry needed: paper A, §3):
    E Delta_{t+1} = (I - eta M) E Delta_t,                       M = E[s x x^T]
    S_{t+1} = S - eta (M S + S M) + (eta^2 / b) F(S) + eta^2 (1 - 1/b) M S M,   S_t = E[Delta_t Delta_t^T],
with F(S) = E[s (x^T S x) x x^T], a linear map on d x d matrices (a d^2 x d^2 matrix). The mean converges to
w* exactly when the spectral radius of I - eta M is below 1, i.e. for small eta whenever M is positive definite.
M and F have no closed form for most laws: they are estimated from `samples` draws in `BATCHES` batches, and
every prediction carries the standard error of its batch-to-batch spread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BATCHES = 16


@dataclass(frozen=True)
class Constants:
    """Batch estimates of M (B, d, d) and F (B, d^2, d^2); their means are the estimates."""

    m: np.ndarray
    f: np.ndarray

    @property
    def batches(self) -> int:
        return self.m.shape[0]


def estimate(draw, w_star: np.ndarray, samples: int, batches: int = BATCHES) -> Constants:
    """M and F from `samples` inputs; `draw(count)` returns `count` inputs (count, d)."""
    per = max(1, samples // batches)
    ms, fs = [], []
    for _ in range(batches):
        x = draw(per)
        s = (x @ w_star > 0).astype(float)
        ms.append((x * s[:, None]).T @ x / per)
        xx = (x[:, :, None] * x[:, None, :]).reshape(per, -1)
        fs.append((xx * s[:, None]).T @ xx / per)
    return Constants(np.stack(ms), np.stack(fs))


def _sorted_steps(steps) -> np.ndarray:
    steps = np.asarray(steps, dtype=np.int64)
    if steps.size and (np.any(np.diff(steps) < 0) or steps[0] < 0):
        raise ValueError(f"steps must be non-negative and sorted, got {steps.tolist()[:8]}")
    return steps


def mean_path(m: np.ndarray, eta: float, delta0: np.ndarray, steps) -> np.ndarray:
    """E Delta_t at the given steps (K, d; non-negative, sorted) for one M."""
    steps = _sorted_steps(steps)
    out, state, t = np.empty((steps.size, delta0.size)), delta0.astype(float), 0
    step = np.eye(delta0.size) - eta * m
    for k, target in enumerate(steps):
        while t < target:
            state, t = step @ state, t + 1
        out[k] = state
    return out


def second_moment_path(m: np.ndarray, f: np.ndarray, eta: float, b: int, delta0: np.ndarray, steps) -> np.ndarray:
    """E||Delta_t||^2 at the given steps (non-negative, sorted) for one (M, F)."""
    steps = _sorted_steps(steps)
    d = delta0.size
    s = np.outer(delta0, delta0)
    out, t = np.empty(steps.size), 0
    for k, target in enumerate(steps):
        while t < target:
            fs = (f @ s.reshape(-1)).reshape(d, d)
            ms = m @ s
            s = s - eta * (ms + ms.T) + eta**2 / b * fs + eta**2 * (1 - 1 / b) * ms @ m
            t += 1
        out[k] = np.trace(s)
    return out


def predictions(consts: Constants, eta: float, b: int, delta0: np.ndarray, steps, directions: np.ndarray) -> dict:
    """{'mean': (K, P), 'mean_se', 'second': (K,), 'second_se'}: E<Delta_t, direction_p> and E||Delta_t||^2 with
    the Monte Carlo standard errors of the constants (from the spread of the batch predictions)."""
    m_hat, f_hat = consts.m.mean(axis=0), consts.f.mean(axis=0)
    mean = mean_path(m_hat, eta, delta0, steps) @ directions.T
    second = second_moment_path(m_hat, f_hat, eta, b, delta0, steps)
    per_batch_mean = np.stack([mean_path(m, eta, delta0, steps) @ directions.T for m in consts.m])
    per_batch_second = np.stack(
        [second_moment_path(m, f, eta, b, delta0, steps) for m, f in zip(consts.m, consts.f, strict=True)]
    )
    root = np.sqrt(consts.batches)
    return {
        "mean": mean,
        "mean_se": per_batch_mean.std(axis=0, ddof=1) / root,
        "second": second,
        "second_se": per_batch_second.std(axis=0, ddof=1) / root,
    }
