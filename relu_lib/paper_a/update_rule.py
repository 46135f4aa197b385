"""The update rules of paper A, readable and vectorised: the reference every compiled kernel is held to.

Every rule is one step w <- w + (eta/b) sum_i D_i x_i of a residual D_i turned on or off by a gate:
  alg2      D_i = 1{y_i > theta} (y_i - <w, x_i>)    Algorithm 2 (paper A, §3): the filter sees the label only
  sgd       D_i = 1{<w, x_i> > 0} (y_i - <w, x_i>)   the paper's S.G.D. (§3.1): square loss, ReLU'(z) = 1{z > 0}
  glm_tron  D_i = y_i - ReLU(<w, x_i>)               a mini-batch form of GLM-Tron (the paper's Algorithm 1, §2,
                                                     runs full batch with step 1): an extension, not the paper's
                                                     experiment; no study runs it (the heavy-tail study runs
                                                     Algorithm 2 now), kept as the reference of the compiled
                                                     kernel's gate GATE_NONE (relu_lib/paper_a/kernel.py)
theta is Algorithm 2's filter level theta* (the attack's bound; 0 when realizable).
Iterates have shape (A, R, d): A algorithms on the same mini-batches x (R, b, d) and labels y (R, b).
"""

from __future__ import annotations

import numpy as np

ALGORITHMS = ("alg2", "sgd", "glm_tron")
LABELS = {"alg2": "Algorithm 2", "sgd": "S.G.D.", "glm_tron": "mini-batch GLM-Tron (extension)"}


def residuals(algorithm: str, pred: np.ndarray, y: np.ndarray, theta: float) -> np.ndarray:
    """D of one algorithm from the pre-activations <w, x_i> and the labels (same shapes)."""
    if algorithm == "alg2":
        return np.where(y > theta, y - pred, 0.0)
    if algorithm == "sgd":
        return np.where(pred > 0.0, y - pred, 0.0)
    if algorithm == "glm_tron":
        return y - np.maximum(pred, 0.0)
    raise ValueError(f"unknown algorithm {algorithm!r}; allowed: {', '.join(ALGORITHMS)}")


def step(w: np.ndarray, algorithms, x: np.ndarray, y: np.ndarray, eta: float, theta: float = 0.0) -> None:
    """One mini-batch step of every algorithm's iterate, in place. `algorithms`: an algorithm name per row of w."""
    pred = np.matmul(x, w[..., None])[..., 0]  # (A, R, b)
    coef = np.stack([residuals(name, pred[a], y, theta) for a, name in enumerate(algorithms)])
    w += (eta / x.shape[-2]) * np.matmul(coef[:, :, None, :], x)[:, :, 0, :]
