"""The update rules of paper A (MATH.md A.1), vectorised over runs and seeds.

Iterates have shape (A, R, d): A runs (algorithm x start) and R seeds. Every run steps on the
same mini-batch x (shape (R, b, d)) with the same labels y (shape (R, b)): common random
numbers, so comparisons inside a cell are paired.
"""

from __future__ import annotations

import numpy as np

# name -> whether the update is gated by the ReLU derivative 1{<w, x> > 0}
GATED = {"tron": False, "sgd": True}


def step(w: np.ndarray, gated: np.ndarray, x: np.ndarray, y: np.ndarray, eta: float) -> None:
    """One mini-batch step of every run, in place.

    Tron: w += (eta/b) sum_i r_i x_i (no ReLU derivative: "non-gradient").
    SGD:  w += (eta/b) sum_i r_i 1{<w, x_i> > 0} x_i (square loss). At w = 0 it never moves.
    """
    pred = np.matmul(x, w[..., None])[..., 0]  # (A, R, b)
    residual = y - np.maximum(pred, 0.0)
    residual[gated] *= pred[gated] > 0.0
    w += (eta / x.shape[-2]) * np.matmul(residual[:, :, None, :], x)[:, :, 0, :]
