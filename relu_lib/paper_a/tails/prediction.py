"""The tails study's predictions for both algorithms, in one place (derived here: docs/tails.md).

* Algorithm 2: the Kesten index of its affine recursion and its stability edge from the top Lyapunov exponent
  (relu_lib.paper_a.tails.transfer);
* S.G.D.: the Kesten index of its positively homogeneous far-field map (relu_lib.paper_a.tails.theory), whose
  growth factor has the same law in every direction;
* linear regression on the same inputs (every sample passes): the isotropic special case of both.

Steps here are effective steps: for x ~ N(0, sigma^2 I) a step eta acts as eta sigma^2 on N(0, I) inputs with the
attack theta / sigma (docs/tails.md), which is how the grid and the summary call these functions.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from relu_lib.paper_a.tails import theory, transfer

ALGORITHMS = ("alg2", "sgd")
LABELS = {"alg2": "Algorithm 2", "sgd": "S.G.D."}
PLANNING = transfer.Resolution(6, 8, 8, 6, 6)  # for time scales (about 1e-4 in alpha)
SGD_CONTRACTION = 0.5  # E[1{<v, x> > 0} <v, x>^2] for a unit v: the far-field map's mean contraction per unit step


def alg2_filter(attack: str, beta: float, theta: float, w_star_norm: float, sigma: float = 1.0):
    """Algorithm 2's filter law for N(0, sigma^2 I) inputs: that of N(0, I) with the attack theta / sigma."""
    return transfer.attack_filter(attack, beta, theta / sigma, w_star_norm)


def edge(algorithm: str, b: int, n: int, flt) -> float:
    """The effective step at which the algorithm's iterates stop having a stationary law."""
    if algorithm == "alg2":
        # S.G.D.'s edge (cheap, closed form) is within a factor 1.5 of Algorithm 2's at the paper's attacks
        return transfer.stability_edge(b, n, flt, guess=theory.stability_edge(b, n))
    if algorithm == "sgd":
        return theory.stability_edge(b, n)
    raise ValueError(f"algorithm = {algorithm!r}: allowed values are {', '.join(ALGORITHMS)}")


def index(algorithm: str, eta: float, b: int, n: int, flt) -> float:
    """Kesten tail index alpha at effective step eta (nan at or beyond the edge, inf beyond each module's cap)."""
    if algorithm == "alg2":
        return transfer.tail_index(eta, b, n, flt)
    return float(theory.tail_index(eta, b, n))


@lru_cache(maxsize=4096)
def index_with_error(algorithm: str, eta: float, b: int, n: int, flt) -> tuple[float, float]:
    """(alpha, numerical error): the change of alpha under refined rules (Algorithm 2: every rule and the angle
    grid, transfer.Resolution.finer; S.G.D.: 24 more nodes per Gauss rule)."""
    if algorithm == "alg2":
        return transfer.tail_index_with_error(eta, b, n, flt)
    alpha = float(theory.tail_index(eta, b, n))
    if not math.isfinite(alpha):
        return alpha, math.nan
    log_r, log_w = theory._log_norm_sq(eta, b, n, "relu", theory._rule_size(alpha) + 24)
    finer = theory._newton_root(log_r, log_w, 1.1 * alpha + 1.0)
    return alpha, abs(finer - alpha)


def lyapunov(algorithm: str, eta: float, b: int, n: int, flt) -> float:
    """Top Lyapunov exponent (per step) of the far field: < 0 below the edge."""
    if algorithm == "alg2":
        return transfer.lyapunov(eta, b, n, flt)
    return theory.mean_log_factor(eta, b, n)


def linear_index(eta: float, b: int, n: int) -> float:
    """alpha of linear regression with the same inputs (every sample passes; nan beyond its own edge)."""
    if eta >= theory.stability_edge(b, n, "linear"):
        return math.nan
    return float(theory.tail_index(eta, b, n, "linear"))


def contraction(algorithm: str, flt) -> float:
    """The slowest mean contraction rate per unit step: E[gate x x^T]'s smallest eigenvalue in the far field."""
    return transfer.active_probability(flt) if algorithm == "alg2" else SGD_CONTRACTION


def time_scale(algorithm: str, eta: float, b: int, n: int, flt) -> float:
    """Steps over which log ||Delta_t|| forgets: the body's 1 / (eta m) (m = contraction) plus the tail's
    1 / (alpha |gamma|), the time a log-scale walk with drift gamma < 0 takes to cross its stationary spread 1 / alpha.
    The measured lag where the autocorrelation of log ||Delta_t|| falls below 0.05 is 2.3-6.4 of this at n = 10
    (Algorithm 2 3.5-6.4, S.G.D. 2.3-5.0) for b in {1, 4, 16}, 0.7-0.9 of the edge and both attacks
    (benchmarks/tails_autocorrelation.py), so one scale is the right unit for both algorithms."""
    if algorithm == "alg2":  # a coarse rule: the lag is a ceil() of a multiple of this, not a prediction
        alpha = transfer.Operator(eta, b, n, flt, PLANNING).root()
        gamma = transfer.lyapunov(eta, b, n, flt, PLANNING)
    else:
        alpha, gamma = index(algorithm, eta, b, n, flt), lyapunov(algorithm, eta, b, n, flt)
    tail = 0.0 if not (math.isfinite(alpha) and gamma < 0) else 1.0 / (alpha * abs(gamma))
    return 1.0 / (eta * contraction(algorithm, flt)) + tail


def curve(algorithm: str, fractions, b: int, n: int, flt, coarse: bool = False) -> np.ndarray:
    """alpha at the given fractions of the algorithm's own edge (linear: of linear regression's edge). `coarse`:
    Algorithm 2 on the planning rules (about 1e-4 in alpha, 3 times faster: for drawing a curve)."""
    if algorithm == "linear":
        top = theory.stability_edge(b, n, "linear")
        return np.array([linear_index(f * top, b, n) for f in fractions])
    top = edge(algorithm, b, n, flt)
    if algorithm == "alg2" and coarse:
        return np.array([transfer.tail_index(f * top, b, n, flt, res=PLANNING) for f in fractions])
    return np.array([index(algorithm, f * top, b, n, flt) for f in fractions])


def log_slope(algorithm: str, eta: float, b: int, n: int, flt, alpha: float) -> float:
    """d log Lambda / dp at p = alpha: converts an error of the growth factor into one of alpha."""
    if algorithm == "alg2":
        op = transfer.Operator(eta, b, n, flt, transfer.resolution_for(alpha))
        lam, slope, _ = op.eigen(alpha)
        return slope / lam
    log_r, log_w = theory._log_norm_sq(eta, b, n, "relu", theory._rule_size(alpha))
    v = log_w + 0.5 * alpha * log_r
    w = np.exp(v - v.max())
    return float((w * 0.5 * log_r).sum() / w.sum())


def eigenfunction(eta: float, b: int, n: int, flt, alpha: float):
    """Algorithm 2's leading eigenfunction h(t) of T_alpha (max 1) at the resolution that follows alpha."""
    return transfer.Operator(eta, b, n, flt, transfer.resolution_for(alpha)).eigenfunction(alpha)


def growth_variance(algorithm: str, eta: float, b: int, n: int, flt, p: float) -> float:
    """Var of one draw of the growth-factor row at moment p (the predicted alpha, or another index), from the law
    (not from the sample): the sample variance of ||A v||^p misses the rare large factors that carry
    E||A v||^(2p) and reads up to twice too small at p ~ 8 (measured), so the row's standard error is
    sqrt(this / draws).

    S.G.D.: E||Phi||^(2p) - (E||Phi||^p)^2. Algorithm 2: E[||A v||^(2p) h_p(t')^2 / h_p(t)^2] - Lambda(p)^2 for v
    uniform on the sphere (t = <u, v>^2 ~ Beta(1/2, (n-1)/2)), h_p the eigenfunction at p, from the operator's
    points at 2p."""
    if algorithm == "sgd":
        return math.exp(theory.log_moment(2 * p, eta, b, n)) - math.exp(2 * theory.log_moment(p, eta, b, n))
    op = transfer.Operator(eta, b, n, flt, transfer.resolution_for(p))
    lam, _, h = op.eigen(p)
    wide = transfer.Operator(eta, b, n, flt, transfer.resolution_for(2 * p))
    mat, _ = wide.matrices(2 * p)
    ratio = (mat @ (h * h)) / (h * h)  # E[||A v||^(2p) h(t')^2 | t] / h(t)^2 at the nodes
    # t = s^2 with s = |<u, v>|: density ~ (1 - s^2)^((n - 3)/2) on [0, 1], smooth: Gauss-Legendre in s
    x, w = np.polynomial.legendre.leggauss(64)
    s_nodes = (x + 1) / 2
    dens = w * (1 - s_nodes**2) ** ((n - 3) / 2)
    values = op.interpolate(ratio, s_nodes**2)
    return float((dens @ values) / dens.sum() - lam * lam)


def eigenvalue(eta: float, b: int, n: int, flt, p: float) -> float:
    """Algorithm 2's Lambda(p) (at the rules that follow p): at p = alpha_SGD it says what the conjecture
    alpha_Alg2 = alpha_SGD would make 1."""
    return transfer.Operator(eta, b, n, flt, transfer.resolution_for(p)).eigen(p)[0]
