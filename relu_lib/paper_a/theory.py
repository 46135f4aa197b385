"""The bounds and predictions of docs/theory.md (paper A) as pure functions of the distribution constants.

All formulas are the project's own derivations (docs/theory.md marks them "derived" and
states them), not quotations of paper A. Notation: Delta_t = w_t - w*, c = E[alpha xi x],
s2 = E[alpha xi^2 ||x||^2], lambda1 = lambda_min(Sigma), lambda3 = lambda_max(Sigma),
lambda2 = lambda_max(E[||x||^2 x x^T]).
"""

from __future__ import annotations

import math

import numpy as np

from relu_lib.paper_a.laws import Constants, Law


def contraction_k(c: Constants, b: int) -> float:
    """K(b) = lambda2/b + (1 - 1/b) lambda3^2/4 (docs/theory.md A.3, bound A2)."""
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


def mean_iterate_offset(
    sigma: np.ndarray, eta: float, start_offset: np.ndarray, steps, limit_offset: np.ndarray | None = None
) -> np.ndarray:
    """E w_t - w* = (I - eta Sigma/2)^t (w_0 - w_inf) + (w_inf - w*) (exact, docs/theory.md A.2), (K, d).

    `start_offset` = w_0 - w_inf; `limit_offset` = w_inf - w* = 2 Sigma^-1 c (0 if realizable).
    """
    evals, evecs = np.linalg.eigh(sigma)
    coords = evecs.T @ start_offset
    factors = (1 - eta * evals / 2)[None, :] ** np.asarray(steps, dtype=float)[:, None]
    limit = np.zeros_like(coords) if limit_offset is None else evecs.T @ limit_offset
    return (factors * coords[None, :] + limit[None, :]) @ evecs.T


def mean_iterate_error(
    sigma: np.ndarray, eta: float, start_offset: np.ndarray, steps, limit_offset: np.ndarray | None = None
) -> np.ndarray:
    """||E w_t - w*|| (the norm of mean_iterate_offset)."""
    return np.linalg.norm(mean_iterate_offset(sigma, eta, start_offset, steps, limit_offset), axis=1)


def limit_offset(sigma: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """w_inf - w* = 2 Sigma^-1 c (docs/theory.md A.2, A3)."""
    return 2 * np.linalg.solve(sigma, bias)


def bias_vector(
    law: Law, adversary: str, beta: float, theta: float, direction: np.ndarray, samples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
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
    """E||Delta_inf||^2 ~ eta beta theta^2 d / b (docs/theory.md A5; a prediction to leading order in
    eta, for zero-mean attacks independent of x)."""
    return eta * beta * theta**2 * d / b


def zero_mean_floor_tolerance(c: Constants, eta: float, b: int) -> float:
    """Relative size of the first neglected order of (A5): eta K(b) / lambda1 (from (A1): the
    eta^2 terms of the one-step identity, relative to the eta lambda1 contraction)."""
    return eta * contraction_k(c, b) / c.lambda1


# --- (A5) to next order (docs/theory.md A.3b) -------------------------------------------------


def isotropic_variance(c: Constants) -> float | None:
    """s^2 where Sigma = s^2 I is known in closed form (the i.i.d. laws, for which also M4 = lambda2 I);
    None otherwise (anisotropic, or estimated by Monte Carlo)."""
    if c.source.get("lambda1") != "closed form" or not math.isclose(c.lambda1, c.lambda3, rel_tol=1e-12):
        return None
    if not np.allclose(c.sigma, c.lambda1 * np.eye(c.d), rtol=0, atol=1e-12 * c.lambda1):
        return None
    return c.lambda1


def floor_next_order_a(c: Constants, b: int) -> float:
    """a = lambda2 / (2 b s^2) + (1 - 1/b) s^2 / 4: E||Delta_inf||^2 = leading / (1 - eta a) to next order."""
    s2 = isotropic_variance(c)
    return c.lambda2 / (2 * b * s2) + (1 - 1 / b) * s2 / 4


def floor_applicability(c: Constants) -> str:
    """Why the next-order floor does not apply ('' if it does)."""
    if not c.fourth_moment_finite:
        return "lambda2 = inf: the first correction to (A5) involves the infinite fourth moment"
    if isotropic_variance(c) is None:
        return "anisotropic Sigma: the next-order formula needs Sigma = s^2 I and M4 = lambda2 I"
    return ""


def zero_mean_floor_next(c: Constants, eta: float, beta: float, theta: float, b: int, xi2: float = 1.0) -> float:
    """Tron's floor to next order (isotropic laws, zero-mean x-independent attack with E[xi^2] = xi2 theta^2):
    E||Delta_inf||^2 = (eta beta E[xi^2] d / b) / (1 - eta a), a = floor_next_order_a."""
    return eta * beta * xi2 * theta**2 * c.d / b / (1 - eta * floor_next_order_a(c, b))


def floor_cubic_coefficient(c: Constants, w_star_norm: float) -> float:
    """kappa of the O(||Delta||^3) terms from the inputs where <w, x> and <w*, x> differ in sign: the
    density of <w*, x> at 0 times E|<Delta_perp, x>|^3, in the Gaussian form
    (valid for N(0, s^2 I); by the central limit theorem approximately for the other i.i.d. laws):
    E[|<e, x>|^3] p_{<w*,x>}(0) / 2 = s^2 ||e_perp||^3 / (pi ||w*||), ||e_perp||^2 = (1 - 1/d) ||e||^2."""
    return (1 - 1 / c.d) ** 1.5 / (math.pi * w_star_norm)


def tron_floor_remainder(c: Constants, eta: float, b: int, floor: float, w_star_norm: float) -> float:
    """Relative size of Tron's first neglected term: E[u^2 ||x||^2] = (1/2) lambda2 q + R with
    R ~ -(d s^4 / 3) kappa q^{3/2}; its effect on q is (eta / (b s^2)) R / q = O(eta^{3/2})."""
    s2 = isotropic_variance(c)
    return eta * c.d * s2 * floor_cubic_coefficient(c, w_star_norm) * math.sqrt(floor) / (3 * b)


def sgd_floor_next(
    c: Constants, eta: float, beta: float, theta: float, b: int, w_star_norm: float, xi2: float = 1.0
) -> float:
    """SGD's floor (isotropic laws, zero-mean x-independent attack). Its gate keeps half the poisoned
    samples, E[alpha xi^2 1{<w,x> > 0} ||x||^2] = beta E[xi^2] d s^2 / 2 exactly, and its drift is weaker than
    Tron's by the inputs of opposite signs: q solves
        q (1 - eta a) - kappa q^{3/2} = eta beta E[xi^2] d / (2 b)        (docs/theory.md A.3b),
    so q / q_tron = 1/2 (1 + kappa sqrt(q) + ...): 0.52-0.54 at the default poisoning cells."""
    half = 0.5 * zero_mean_floor_next(c, eta, beta, theta, b, xi2) * (1 - eta * floor_next_order_a(c, b))
    denominator = 1 - eta * floor_next_order_a(c, b)
    kappa = floor_cubic_coefficient(c, w_star_norm)
    q = half / denominator
    for _ in range(100):  # fixed point of q = (half + kappa q^{3/2}) / denominator (a contraction for small q)
        q_new = (half + kappa * q**1.5) / denominator
        if abs(q_new - q) <= 1e-15 * q_new:
            break
        q = q_new
    return q


def sgd_floor_tolerance(c: Constants, eta: float, b: int, floor: float, w_star_norm: float, gaussian: bool) -> float:
    """Relative tolerance of SGD's floor: the next terms of the expansion, O(q / ||w*||^2) and Tron's
    O(eta^{3/2}) remainder, and, for a non-Gaussian law, half the cubic correction itself (its Gaussian
    form is then a central-limit approximation)."""
    kappa = floor_cubic_coefficient(c, w_star_norm)
    tol = (
        floor / w_star_norm**2
        + 2 * tron_floor_remainder(c, eta, b, floor, w_star_norm)
        + (eta * floor_next_order_a(c, b)) ** 2
    )
    if not gaussian:
        tol += 0.5 * kappa * math.sqrt(floor)
    return tol


def first_sample_rates(c: Constants, b: int, w_star_norm: float) -> tuple[float, float]:
    """Mean contraction rates per step / eta of the authors' variant (update_rule 'first_sample'), near w*,
    for N(0, s^2 I): orthogonal to w*: s^2 / (2 b) (SGD: s^2 / 2, so b times slower); along w*:
    (s^2 / 2 + (b - 1) s^2 / (2 pi)) / b (the residuals of samples 1..b-1 only push along E[1{<w*,x> > 0} x])."""
    s2 = isotropic_variance(c)
    return s2 / (2 * b), (s2 / 2 + (b - 1) * s2 / (2 * math.pi)) / b


def first_sample_floor(c: Constants, eta: float, beta: float, theta: float, b: int, xi2: float = 1.0) -> float:
    """Leading-order floor of the authors' variant under a zero-mean attack (N(0, s^2 I)), with the
    first correction of its own noise (every residual multiplies ||x_0||^2):
    q (1 - (eta / b)(lambda2 / (2 s^2) + (b - 1) d s^2 / 4)) = eta beta E[xi^2] d / 2 (orthogonal part dominates)."""
    s2 = isotropic_variance(c)
    lead = eta * beta * xi2 * theta**2 * c.d / 2
    return lead / (1 - (eta / b) * (c.lambda2 / (2 * s2) + (b - 1) * c.d * s2 / 4))


# --- the authors' variant to next order (docs/theory.md A.3b, section 3) ----------------------------------


def first_sample_a(c: Constants, b: int) -> float:
    """a_v = (lambda2 / (2 s^2) + (b - 1) d s^2 / 4) / b: the eta-correction of the variant's orthogonal
    mean-square contraction, eta s^2 / b (1 - eta a_v) (isotropic laws). The (b - 1) d s^2 / 4 term is the
    noise of the other samples' residuals multiplying ||x_0||^2; it is not small: 0.27 at eta = 0.01, d = 100."""
    s2 = isotropic_variance(c)
    return (c.lambda2 / (2 * s2) + (b - 1) * c.d * s2 / 4) / b


def first_sample_stable(c: Constants, eta: float, b: int) -> bool:
    """Whether the variant's orthogonal second moment contracts at all: eta a_v < 1."""
    return eta * first_sample_a(c, b) < 1


def first_sample_rate_ratio(c: Constants, eta: float, b: int) -> float:
    """Realizable: SGD's late mean-square rate over the variant's (both orthogonal to w*),
    eta s^2 (1 - eta a) / (eta s^2 / b (1 - eta a_v)) = b (1 - eta a) / (1 - eta a_v).
    For N(0, I), d = 100, b = 16, eta = 0.01: 16 x 0.966 / 0.734 = 21.1 (the "21x slower")."""
    return b * (1 - eta * floor_next_order_a(c, b)) / (1 - eta * first_sample_a(c, b))


def first_sample_noise_factor(adversary: str, beta: float, xi2: float) -> float:
    """E[(sum_i alpha_i xi_i)^2] / (b theta^2): the variant adds the mini-batch's residuals before it
    multiplies them by x_0, so the attack enters through its batch sum. beta xi2 for per-sample independent
    signs (random_sign, uniform); beta (1 - beta) for `alternating` (-theta at even, +theta at odd positions:
    the sum is theta times a difference of two Binomial(b/2, beta), for b even)."""
    return beta * (1 - beta) if adversary == "alternating" else beta * xi2


def first_sample_floor_next(
    c: Constants,
    eta: float,
    beta: float,
    theta: float,
    b: int,
    w_star_norm: float,
    adversary: str = "random_sign",
    xi2: float = 1.0,
) -> float:
    """The variant's floor (isotropic laws, zero-mean attack independent of x). Orthogonal to w* only sample 0
    drives and contracts; its drift is weakened like SGD's by the inputs of opposite signs (kappa), and the
    other samples' residuals lose (2/3) kappa sqrt(q) of their square on the same slab. q solves

        q (1 - eta a_v) - kappa q^{3/2} (1 - eta (b - 1) d s^2 / (6 b)) = eta N d / 2,   N = noise factor

    (docs/theory.md A.3b). Leading order: eta beta E[xi^2] d / 2 = b/2 x Tron's; with the corrections
    11.0 x Tron's at N(0, I), d = 100, b = 16, eta = 0.01, beta = 1/2, theta = 1/4 (random_sign)."""
    s2 = isotropic_variance(c)
    denominator = 1 - eta * first_sample_a(c, b)
    kappa = floor_cubic_coefficient(c, w_star_norm) * (1 - eta * (b - 1) * c.d * s2 / (6 * b))
    source = eta * first_sample_noise_factor(adversary, beta, xi2) * theta**2 * c.d / 2
    q = source / denominator
    for _ in range(200):  # fixed point of q = (source + kappa q^{3/2}) / denominator
        q_new = (source + kappa * q**1.5) / denominator
        if abs(q_new - q) <= 1e-15 * q_new:
            break
        q = q_new
    return q


def first_sample_floor_tolerance(c: Constants, eta: float, b: int, floor: float, w_star_norm: float) -> float:
    """Relative tolerance of the variant's floor, built like SGD's: O(q / ||w*||^2) (the next term in
    ||e|| / ||w*||), twice the O(eta^{3/2}) remainder of sample 0's own residual, and (eta a_v)^2 for an
    O(eta^2) term (N(0, s^2 I) only: the cubic terms are in their Gaussian form)."""
    return (
        floor / w_star_norm**2
        + 2 * tron_floor_remainder(c, eta, b, floor, w_star_norm)
        + (eta * first_sample_a(c, b)) ** 2
    )
