"""The bounds and predictions of MATH.md Part A as pure functions of the distribution constants.

All formulas are the project's own derivations (MATH.md marks them "derived"), not quotations
of paper A.
"""

from __future__ import annotations

import math

import numpy as np

from .distributions import Constants


def contraction_k(c: Constants, b: int) -> float:
    """K(b) = lambda2/b + (1 - 1/b) lambda3^2/4 (MATH.md A.3, bound A2)."""
    return c.lambda2 / b + (1 - 1 / b) * c.lambda3**2 / 4


def optimal_step(c: Constants, b: int) -> float:
    """eta*(b) = lambda1 / (2 K(b)); 0 when lambda2 is infinite (no step is covered)."""
    k = contraction_k(c, b)
    return c.lambda1 / (2 * k) if math.isfinite(k) else 0.0


def rho(c: Constants, eta: float, b: int) -> float:
    """rho(eta, b) = 1 - eta lambda1 + eta^2 K(b) (bound A2)."""
    return 1 - eta * c.lambda1 + eta**2 * contraction_k(c, b)


def mean_iterate_error(sigma: np.ndarray, eta: float, delta0: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """||(I - eta Sigma/2)^t delta0|| for each t in `steps` (exact, MATH.md A.2)."""
    evals, evecs = np.linalg.eigh(sigma)
    coords = evecs.T @ delta0
    factors = (1 - eta * evals / 2)[None, :] ** np.asarray(steps, dtype=float)[:, None]
    return np.linalg.norm(factors * coords[None, :], axis=1)


def zero_mean_floor(eta: float, beta: float, theta: float, d: int, b: int) -> float:
    """E||Delta_inf||^2 ~ eta beta theta^2 d / b (MATH.md A5; a prediction, not a bound)."""
    return eta * beta * theta**2 * d / b
