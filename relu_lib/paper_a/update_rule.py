"""The update rules of paper A (docs/theory.md A.1), vectorised over runs and seeds.

Iterates have shape (A, R, d): A runs (algorithm x start) and R seeds. Every run steps on the
same mini-batch x (shape (R, b, d)) with the same labels y (shape (R, b)): common random
numbers, so comparisons inside a cell are paired.

Every algorithm is one update w += (eta/b) sum_i D_i x_i with the residuals r_i = y_i - ReLU(<w, x_i>)
turned into D by a *gate*: the algorithms differ only in which gate a run uses, so a compiled kernel
adds a new algorithm by adding its gate.
  none          D_i = r_i                                   Tron (no ReLU derivative: "non-gradient")
  own           D_i = r_i 1{<w, x_i> > 0}                    SGD on the square loss (at w = 0 it never moves)
  first_sample  D_0 = (sum_i r_i) 1{<w, x_0> > 0}, D_i = 0 for i > 0
                the step of the authors' published experiment code for their depth-2 follow-up
                (repository papamarkou/neurotron_experiments, file neurotron.py, method update_sgd): the
                derivative of sample 0, i.e. 1{<w, x_0> > 0} x_0 for one gate, multiplies every residual
                of the mini-batch. Reduced to one gate it is not SGD: see docs/theory.md A.3b.
"""

from __future__ import annotations

import numpy as np

# algorithm -> its gate (the residual transform above)
GATES = {"tron": "none", "sgd": "own", "sgd_first_sample": "first_sample"}
LABELS = {"tron": "Tron", "sgd": "SGD", "sgd_first_sample": "SGD as in the authors' code (sample 0's derivative)"}
# name -> whether the update is gated by a ReLU derivative (kept for readers of the old name)
GATED = {name: gate != "none" for name, gate in GATES.items()}


def gate_residuals(residual: np.ndarray, pred: np.ndarray, gates) -> np.ndarray:
    """D from the residuals r and the pre-activations <w, x_i> (both (A, R, b)); gates[a] per run."""
    out = residual.copy()
    for a, gate in enumerate(gates):
        if gate == "own":
            out[a] *= pred[a] > 0.0
        elif gate == "first_sample":
            out[a, :, 0] = residual[a].sum(axis=-1) * (pred[a, :, 0] > 0.0)
            out[a, :, 1:] = 0.0
        elif gate != "none":
            raise ValueError(f"unknown gate {gate!r}; allowed: {sorted(set(GATES.values()))}")
    return out


def step(w: np.ndarray, gates, x: np.ndarray, y: np.ndarray, eta: float) -> None:
    """One mini-batch step of every run, in place: w += (eta/b) sum_i D_i x_i.

    `gates`: per run a gate name of GATES, or (older callers) a boolean array, True for SGD's gate.
    """
    gates = [("own" if g else "none") if isinstance(g, (bool, np.bool_)) else g for g in gates]
    pred = np.matmul(x, w[..., None])[..., 0]  # (A, R, b)
    residual = gate_residuals(y - np.maximum(pred, 0.0), pred, gates)
    w += (eta / x.shape[-2]) * np.matmul(residual[:, :, None, :], x)[:, :, 0, :]
