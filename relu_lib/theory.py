"""The bounds and predictions of MATH.md Part A as pure functions of the distribution constants.

All formulas are the project's own derivations (MATH.md marks them "derived"; docs/theory.md
states them), not quotations of paper A. Notation: Delta_t = w_t - w*, c = E[alpha xi x],
s2 = E[alpha xi^2 ||x||^2], lambda1 = lambda_min(Sigma), lambda3 = lambda_max(Sigma),
lambda2 = lambda_max(E[||x||^2 x x^T]).
"""

from __future__ import annotations

import math

import numpy as np

from .distributions import Constants, Law


def contraction_k(c: Constants, b: int) -> float:
    """K(b) = lambda2/b + (1 - 1/b) lambda3^2/4 (MATH.md A.3, bound A2)."""
    return c.lambda2 / b + (1 - 1 / b) * c.lambda3**2 / 4


def optimal_step(c: Constants, b: int) -> float:
    """eta*(b) = lambda1 / (2 K(b)); 0 when lambda2 is infinite (no step is covered)."""
    k = contraction_k(c, b)
    return c.lambda1 / (2 * k) if math.isfinite(k) else 0.0


def rho(c: Constants, eta: float, b: int) -> float:
    """rho(eta, b) = 1 - eta lambda1 + eta^2 K(b) (bound A2); inf when lambda2 is infinite."""
    return 1 - eta * c.lambda1 + eta**2 * contraction_k(c, b)


def a2_bound(c: Constants, eta: float, b: int, initial_sq: float, steps) -> np.ndarray:
    """E||Delta_t||^2 <= rho^t ||Delta_0||^2 (bound A2, realizable)."""
    return initial_sq * rho(c, eta, b) ** np.asarray(steps, dtype=float)


def iterations_to_epsilon(c: Constants, eta: float, b: int, epsilon: float, delta: float, initial_sq: float) -> float:
    """T(eps, delta, b) = ln(||Delta_0||^2 / (eps^2 delta)) / ln(1/rho): after T steps
    P(||Delta_T|| <= eps) >= 1 - delta (bound A2 and Markov). inf where rho >= 1."""
    r = rho(c, eta, b)
    if not 0 < r < 1:
        return math.inf
    return max(0.0, math.log(initial_sq / (epsilon**2 * delta)) / math.log(1 / r))


def mean_iterate_error(sigma: np.ndarray, eta: float, start_offset: np.ndarray, steps,
                       limit_offset: np.ndarray | None = None) -> np.ndarray:
    """||E w_t - w*|| = ||(I - eta Sigma/2)^t (w_0 - w_inf) + (w_inf - w*)|| (exact, MATH.md A.2).

    `start_offset` = w_0 - w_inf; `limit_offset` = w_inf - w* = 2 Sigma^-1 c (0 if realizable).
    """
    evals, evecs = np.linalg.eigh(sigma)
    coords = evecs.T @ start_offset
    factors = (1 - eta * evals / 2)[None, :] ** np.asarray(steps, dtype=float)[:, None]
    limit = np.zeros_like(coords) if limit_offset is None else evecs.T @ limit_offset
    return np.linalg.norm(factors * coords[None, :] + limit[None, :], axis=1)


def limit_offset(sigma: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """w_inf - w* = 2 Sigma^-1 c (MATH.md A.2, A3)."""
    return 2 * np.linalg.solve(sigma, bias)


def bias_vector(law: Law, adversary: str, beta: float, theta: float, direction: np.ndarray,
                samples: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """c = E[alpha xi x] and its entrywise standard error.

    Zero for the zero-mean, x-independent adversaries (none, random_sign, alternating). For
    `aligned`, c = beta theta E[sign(<v, x>) x]: exact for a Gaussian law
    (sqrt(2/pi) Sigma v / sqrt(v^T Sigma v)), Monte Carlo otherwise.
    """
    zero = np.zeros(law.d)
    if adversary != "aligned" or beta == 0 or theta == 0:
        return zero, zero
    v = direction / np.linalg.norm(direction)
    if law.family == "normal":
        sigma_v = law.sigma**2 * v
        return beta * theta * math.sqrt(2 / math.pi) * sigma_v / math.sqrt(v @ sigma_v), zero
    x = law.sample(rng, (samples,))
    values = np.sign(x @ v)[:, None] * x
    return beta * theta * values.mean(axis=0), beta * theta * values.std(axis=0, ddof=1) / math.sqrt(samples)


def attack_second_moment(c: Constants, beta: float, theta: float) -> float:
    """s2 = E[alpha xi^2 ||x||^2] = beta theta^2 E||x||^2 (every adversary here has |xi| = theta)."""
    return beta * theta**2 * c.e_norm2


def a3_bias_bound(c: Constants, beta: float, theta: float) -> float:
    """||E w_inf - w*|| = 2 ||Sigma^-1 c|| <= 2 beta theta sqrt(lambda3) / lambda1 (bound A3)."""
    return 2 * beta * theta * math.sqrt(c.lambda3) / c.lambda1


def a4_rho(c: Constants, eta: float, b: int) -> float:
    """rho_p = 1 - eta lambda1/2 + eta^2 (2 lambda2/b + (1 - 1/b) lambda3^2/2) (bound A4)."""
    return 1 - eta * c.lambda1 / 2 + eta**2 * (2 * c.lambda2 / b + (1 - 1 / b) * c.lambda3**2 / 2)


def a4_bound(c: Constants, eta: float, b: int, bias_sq: float, s2: float, initial_sq: float, steps) -> np.ndarray:
    """E||Delta_t||^2 <= rho_p^t ||Delta_0||^2 + B / (1 - rho_p) (bound A4), with
    B = (2 eta/lambda1 + 2 eta^2 (1 - 1/b)) ||c||^2 + 2 eta^2 s2 / b. inf where rho_p >= 1."""
    rp = a4_rho(c, eta, b)
    if not rp < 1:
        return np.full(np.shape(steps), math.inf)
    big_b = (2 * eta / c.lambda1 + 2 * eta**2 * (1 - 1 / b)) * bias_sq + 2 * eta**2 * s2 / b
    return initial_sq * rp ** np.asarray(steps, dtype=float) + big_b / (1 - rp)


def zero_mean_floor(eta: float, beta: float, theta: float, d: int, b: int) -> float:
    """E||Delta_inf||^2 ~ eta beta theta^2 d / b (MATH.md A5; a prediction to leading order in
    eta, for zero-mean attacks independent of x)."""
    return eta * beta * theta**2 * d / b


def zero_mean_floor_tolerance(c: Constants, eta: float, b: int) -> float:
    """Relative size of the first neglected order of (A5): eta K(b) / lambda1 (from (A1): the
    eta^2 terms of the one-step identity, relative to the eta lambda1 contraction)."""
    return eta * contraction_k(c, b) / c.lambda1
