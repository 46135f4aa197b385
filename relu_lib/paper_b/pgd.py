"""Projected gradient descent from zero for one ReLU gate (paper B; docs/theory.md B.0, B.1).

Arrays carry a leading trial axis: X (T, n, d), w* (T, d). Observation models run side by side
on the same (X, w*) as a second axis: iterates W (T, m, d), one row per model in `models`.
"""

from __future__ import annotations

import numpy as np

from relu_lib.paper_b.projections import Projection, projection_for
from relu_lib.seeding import generator

MODELS = ("relu", "linear")
# (mu_0, mu_tau for tau >= 1): PGD's 2 then 1, the linear baseline's fixed unit step (B.1).
STEPS = {"relu": (2.0, 1.0), "linear": (1.0, 1.0)}

# Stacked matrix-vector products (numpy >= 2.2 has them; ~25% faster than matmul here).
_matvec = getattr(np, "matvec", lambda A, v: np.matmul(A, v[..., None])[..., 0])
_vecmat = getattr(np, "vecmat", lambda v, A: np.matmul(v[..., None, :], A)[..., 0, :])


def relu_prime(z: np.ndarray, at_zero: float = 0.5) -> np.ndarray:
    """ReLU'(z) with a chosen value at 0; 1/2 is (1 + sgn z)/2 of docs/theory.md B.1."""
    return np.where(z > 0, 1.0, np.where(z < 0, 0.0, at_zero))


def observe(X: np.ndarray, w_star: np.ndarray, model: str) -> np.ndarray:
    """Labels y (T, n): ReLU(<w*, x_i>) (B.0) or the linear baseline <w*, x_i> (B.1)."""
    z = _matvec(X, w_star)
    if model == "relu":
        return np.maximum(z, 0.0)
    if model == "linear":
        return z
    raise ValueError(f"unknown observation model {model!r}; allowed: {list(MODELS)}")


def residual(model: str, z: np.ndarray, y: np.ndarray, relu_prime_at_zero: float = 0.5):
    """r with grad L = (1/n) X^T r: relu 2 (ReLU(z) - y) ReLU'(z) (B.1), linear z - y."""
    if model == "relu":
        return 2.0 * (np.maximum(z, 0.0) - y) * relu_prime(z, relu_prime_at_zero)
    if model == "linear":
        return z - y
    raise ValueError(f"unknown observation model {model!r}; allowed: {list(MODELS)}")


def gradient(X, W, Y, models=MODELS, relu_prime_at_zero: float = 0.5) -> np.ndarray:
    """Gradients (T, m, d) of each model's loss at W (T, m, d); labels Y (T, m, n).

    relu: (1/n) sum (ReLU(<w,x_i>) - y_i)(1 + sgn<w,x_i>) x_i for ReLU'(0) = 1/2 (B.1);
    linear: (1/n) X^T (X w - y).
    """
    Xs = X[:, None]
    Z = _matvec(Xs, W)
    R = np.stack([residual(m, Z[:, k], Y[:, k], relu_prime_at_zero) for k, m in enumerate(models)], axis=1)
    return _vecmat(R, Xs) / X.shape[-2]


def relative_error(W: np.ndarray, w_star: np.ndarray) -> np.ndarray:
    """||w - w*|| / ||w*|| per row; W (T, m, d), w* (T, d) -> (T, m)."""
    scale = np.linalg.norm(w_star, axis=-1)[:, None]
    return np.linalg.norm(W - w_star[:, None, :], axis=-1) / scale


def run_pgd(
    X: np.ndarray,
    w_star: np.ndarray,
    project: Projection,
    iterations: int,
    models=MODELS,
    relu_prime_at_zero: float = 0.5,
    tol: float = 1e-12,
    blowup: float = 1e3,
) -> tuple[np.ndarray, np.ndarray]:
    """PGD from w_0 = 0: w_{tau+1} = P_K(w_tau - mu_tau grad L(w_tau)) for each model (B.1).

    Returns (errors (T, m, iterations + 1), diverged (T, m)). errors[..., tau] is the relative
    error of w_tau. A run is frozen once its error is <= tol (the value is carried forward).
    A run whose iterate turns non-finite or whose error exceeds `blowup` (1000 times the
    starting error ||w_0 - w*|| = ||w*|| by default) is flagged diverged and its errors from
    that step on are NaN.
    """
    T, d = w_star.shape
    m = len(models)
    Y = np.stack([observe(X, w_star, mod) for mod in models], axis=1)
    steps = np.array([STEPS[mod] for mod in models])
    W = np.zeros((T, m, d))
    errors = np.full((T, m, iterations + 1), np.nan)
    errors[..., 0] = relative_error(W, w_star)
    active = errors[..., 0] > tol
    diverged = np.zeros((T, m), dtype=bool)
    for tau in range(iterations):
        if not active.any():
            errors[..., tau + 1 :] = errors[..., tau : tau + 1]
            break
        mu = steps[:, min(tau, 1)][None, :, None]
        W_new = project(W - mu * gradient(X, W, Y, models, relu_prime_at_zero))
        err = relative_error(W_new, w_star)
        bad = active & ~(np.isfinite(err) & (err <= blowup))
        diverged |= bad
        W = np.where((active & ~bad)[..., None], W_new, W)  # a diverged run keeps a finite W
        errors[..., tau + 1] = np.where(active, err, errors[..., tau])
        errors[..., tau + 1][diverged] = np.nan
        active &= ~bad & (err > tol)
    return errors, diverged


CELL_STREAM = ("paper_b",)  # the cells' trials; relu_lib.paper_b.fresh draws from another domain


def draw_trial(
    master_seed: int, s: int, d: int, n: int, r: int, out: np.ndarray | None = None, stream: tuple = CELL_STREAM
):
    """Trial r's data (B.0): w* (d,) s-sparse, random support, Gaussian values, ||w*|| = 1;
    X (n, d) i.i.d. N(0, 1). Keyed by (*stream, s, d, n, r), not by the constraint, so cells
    differing only in the constraint see the same data (paired comparison). With `out` (an (n, d)
    float64 array) X is drawn into it in place: the same numbers, without a new n x d allocation."""
    s, d, n, r = int(s), int(d), int(n), int(r)  # canonical key: 20 and 20.0 name one stream
    rng = generator(master_seed, *stream, s, d, n, r)
    w_star = np.zeros(d)
    support = rng.choice(d, size=s, replace=False)
    values = rng.standard_normal(s)
    w_star[support] = values / np.linalg.norm(values)
    X = rng.standard_normal((n, d)) if out is None else rng.standard_normal(out=out)
    return w_star, X


def draw_trials(
    master_seed: int, s: int, d: int, n: int, rows, out: np.ndarray | None = None, stream: tuple = CELL_STREAM
):
    """Stacked data of trials `rows`: w* (T, d), X (T, n, d); see draw_trial. With `out` (at least
    (T, n, d)), X is drawn in place into out[:T]."""
    rows = list(rows)
    X = np.empty((len(rows), int(n), int(d))) if out is None else out[: len(rows)]
    w_star = np.stack([draw_trial(master_seed, s, d, n, r, out=X[k], stream=stream)[0] for k, r in enumerate(rows)])
    return w_star, X


def first_step_deviation(X: np.ndarray, w_star: np.ndarray) -> np.ndarray:
    """g - w* (T, d) with g = (2/n) sum y_i x_i, ReLU labels: w_1 before projection (B.1)."""
    return 2.0 * _vecmat(observe(X, w_star, "relu"), X) / X.shape[-2] - w_star


def run_trials(
    constraint: str,
    s: int,
    d: int,
    n: int,
    trials: int,
    iterations: int,
    master_seed: int,
    *,
    relu_prime_at_zero: float = 0.5,
    tol: float = 1e-12,
    blowup: float = 1e3,
    chunk: int = 1,
    stream: tuple = CELL_STREAM,
) -> dict[str, np.ndarray]:
    """One cell of paper B: `trials` paired runs of PGD with ReLU and linear observations.

    w* is s-sparse for every constraint (also "none"). Trials run `chunk` at a time (1 keeps
    one X in cache; results do not depend on it); their data come from `stream` (draw_trial). Returns
      errors_relu, errors_linear   (trials, iterations + 1) relative errors, tau = 0..iterations
      diverged_relu, diverged_linear (trials,) bool
      first_step_mean_dev  (d,)  mean over trials of g_r - w*_r, g = (2/n) sum y_i x_i (E = 0)
      first_step_sq_dev    (trials,)  ||g_r - w*_r||^2
      first_step_along     (trials,)  <g_r - w*_r, w*_r>
    """
    projection_for(constraint, np.zeros(1))  # fail on a bad name before any work
    s, d, n, trials, iterations = (int(v) for v in (s, d, n, trials, iterations))
    errors = np.empty((trials, len(MODELS), iterations + 1))
    diverged = np.empty((trials, len(MODELS)), dtype=bool)
    dev = np.empty((trials, d))
    along = np.empty(trials)
    support = np.empty((trials, s), dtype=np.int64)
    values = np.empty((trials, s))
    buffer = np.empty((min(chunk, trials), n, d))  # X of `chunk` trials, drawn in place trial after trial
    for start in range(0, trials, chunk):
        rows = slice(start, min(start + chunk, trials))
        w_star, X = draw_trials(master_seed, s, d, n, range(rows.start, rows.stop), out=buffer, stream=stream)
        dev[rows] = first_step_deviation(X, w_star)
        along[rows] = np.einsum("td,td->t", dev[rows], w_star)
        for k, w in enumerate(w_star):  # the support of each trial's w* (sorted) and its values
            idx = np.sort(np.flatnonzero(w))
            support[rows.start + k, : len(idx)], values[rows.start + k, : len(idx)] = idx, w[idx]
        errors[rows], diverged[rows] = run_pgd(
            X,
            w_star,
            projection_for(constraint, w_star),
            iterations,
            MODELS,
            relu_prime_at_zero,
            tol,
            blowup,
        )
    out = {f"errors_{m}": errors[:, k] for k, m in enumerate(MODELS)}
    out |= {f"diverged_{m}": diverged[:, k] for k, m in enumerate(MODELS)}
    out |= {
        "first_step_mean_dev": dev.mean(axis=0),
        "first_step_sq_dev": np.einsum("td,td->t", dev, dev),
        "first_step_along": along,
        "w_star_support": support,
        "w_star_values": values,
    }
    return out
