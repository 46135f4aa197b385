"""S.G.D.'s Kesten prediction for the heavy tail of its late iterates (Gaussian inputs; derived, docs/tails.md).

Far from w* (||Delta|| large) S.G.D.'s step follows the random, positively homogeneous map
Phi(Delta) = Delta - (eta/b) sum_i ReLU(<Delta, x_i>) x_i (its gate 1{<w, x_i> > 0} and residual then see Delta only;
the labels and w* add a bounded part). For x ~ N(0, I_d) and every unit u,

    ||Phi(u)||^2 = (1 - a S)^2 + a^2 S C,    a = eta / b,

with S ~ chi^2_K, K ~ Binomial(b, 1/2) (S = 0 when K = 0) and C ~ chi^2_{d-1} independent. For linear
regression (every sample active) S ~ chi^2_b. The stationary law of ||Delta|| then has a power-law tail
P(||Delta|| > r) ~ const * r^(-alpha) with alpha solving E||Phi(u)||^alpha = 1 (Kesten-Goldie), as long as
E log||Phi(u)|| < 0. Algorithm 2's recursion is affine instead, with a law that depends on the direction: its index
is relu_lib.paper_a.tails.transfer's; this module's linear model is the isotropic case both share.

Every expectation here is a deterministic product Gauss rule, not Monte Carlo: exact binomial weights
over K, a Gauss rule for the Gamma(K/2) law of S/2 and one for the Gamma((d-1)/2) law of C/2. Integer
moments (alpha/2 an integer) are polynomials in (S, C) and so integrated exactly; other moments
converge fast because ||Phi(u)||^2 only comes near 0 at a single corner (S = 1/a, C = 0).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

MODELS = ("relu", "linear")
# Nodes per Gauss rule: a base that gives ~1e-9 relative accuracy at moderate moments, plus what makes
# the rule exact for the polynomial degree of ||Phi||^p (degree p in S and p/2 in C; see _rule_size).
BASE_NODES = 32
MAX_NODES = 400
# Tail indices above this are reported as inf: the rule would need more than MAX_NODES nodes, and such
# a tail is indistinguishable from a light one in any simulation the pipeline runs.
ALPHA_MAX = 2 * (MAX_NODES - BASE_NODES)
# C ~ chi^2_{d-1} has density ~ C^((d-3)/2) at 0: from d = 5 on it damps the corner S = b/eta, C = 0 where
# ||Phi||^2 vanishes enough for the Gauss rule to converge fast (alpha errors measured at 0.8 of the edge,
# b = 3, the default rule size: d = 2: 1e-2, d = 3: 5e-4, d = 4: 2e-5, d = 10: 1e-12).
MIN_D = 5


def _check_args(b: int, d: int, model: str) -> None:
    if model not in MODELS:
        raise ValueError(f"model = {model!r}: allowed values are {', '.join(MODELS)}")
    if int(b) != b or b < 1:
        raise ValueError(f"b = {b}: the mini-batch size must be an integer >= 1")
    if int(d) != d or d < MIN_D:
        raise ValueError(
            f"d = {d}: the Gauss rule of this module is accurate (1e-5 in alpha) for d >= {MIN_D}; "
            "below, ||Phi(u)||^2 is not smooth enough near its zero (S = b/eta, C = 0)"
        )


@lru_cache(maxsize=256)
def _gamma_rule(n: int, shape: float) -> tuple[np.ndarray, np.ndarray]:
    """n-point Gauss rule for the Gamma(shape, 1) law: nodes t_j and log-weights, sum_j w_j f(t_j) ~ E f(T).

    Nodes are the eigenvalues of the Jacobi matrix of the generalised Laguerre polynomials (weight
    t^(shape-1) e^-t; Golub-Welsch). The weights come from the Christoffel formula 1 / sum_k p_k(t_j)^2
    over the orthonormal polynomials p_k, evaluated by their three-term recurrence with per-node rescaling:
    unlike the squared first eigenvector components, this keeps full relative accuracy for the tiny
    weights of the far nodes, which carry the high moments.
    """
    alpha = shape - 1.0
    k = np.arange(n, dtype=float)
    off = np.sqrt(k[1:] * (k[1:] + alpha))
    jacobi = np.diag(2 * k + alpha + 1) + np.diag(off, 1) + np.diag(off, -1)
    t = np.linalg.eigvalsh(jacobi)
    prev, cur = np.zeros(n), np.ones(n)
    total, log_scale = np.ones(n), np.zeros(n)  # sum_k p_k^2 = total * exp(2 log_scale)
    for j in range(n - 1):
        nxt = ((t - (2 * j + alpha + 1)) * cur - (off[j - 1] if j else 0.0) * prev) / off[j]
        prev, cur = cur, nxt
        total += cur * cur
        big = total > 1e200  # rescale before overflow; the ratio of the recurrence is unchanged
        if big.any():
            f = np.where(big, 1e-100, 1.0)
            prev, cur, total = prev * f, cur * f, total * f * f
            log_scale += np.where(big, 100 * math.log(10), 0.0)
    nodes, log_w = t, -np.log(total) - 2 * log_scale
    nodes.flags.writeable = log_w.flags.writeable = False
    return nodes, log_w


def _batch_weights(b: int, model: str) -> list[tuple[int, float]]:
    """(k, log P(K = k)) for the number of active samples: Binomial(b, 1/2) for the ReLU, b for linear."""
    if model == "linear":
        return [(b, 0.0)]
    lb = math.lgamma(b + 1) - b * math.log(2)
    return [(k, lb - math.lgamma(k + 1) - math.lgamma(b - k + 1)) for k in range(b + 1)]


def _rule_size(p: float) -> int:
    """Nodes per rule for moment p: ||Phi||^p has degree p in S and p/2 in C, exact for n >= (p + 1)/2.

    Rounded up to a multiple of 8 beyond BASE_NODES, so that the bracket p = 2, 4, 8, 16 reuses one rule.
    """
    return min(MAX_NODES, BASE_NODES + 8 * math.ceil(max(p, 0.0) / 16))


def _log_norm_sq(eta: float, b: int, d: int, model: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """log ||Phi(u)||^2 at the nodes of the product rule and the log-weights (which sum to log 1).

    K = 0 (no active sample) contributes one node with ||Phi(u)|| = 1.
    """
    a = eta / b
    c_nodes, c_logw = _gamma_rule(n, (d - 1) / 2)
    c = 2 * c_nodes
    logs, logw = [], []
    for k, lwk in _batch_weights(b, model):
        if k == 0:
            logs.append(np.zeros(1))
            logw.append(np.array([lwk]))
            continue
        s_nodes, s_logw = _gamma_rule(n, k / 2)
        s = 2 * s_nodes[:, None]
        logs.append(np.log((1 - a * s) ** 2 + a * a * s * c[None, :]).ravel())
        logw.append((lwk + s_logw[:, None] + c_logw[None, :]).ravel())
    return np.concatenate(logs), np.concatenate(logw)


def _relative_exp(v: np.ndarray) -> np.ndarray:
    """exp(v - max v), with terms below e^-700 set to 0: they change no sum, and subnormal floats would
    make the exponential and the sums an order of magnitude slower."""
    shifted = v - v.max()
    return np.exp(np.where(shifted < -700.0, -np.inf, shifted))


def _log_sum_exp(v: np.ndarray) -> float:
    return float(v.max() + math.log(_relative_exp(v).sum()))


def log_moment(p: float, eta: float, b: int, d: int, model: str = "relu", nodes: int | None = None) -> float:
    """log E||Phi(u)||^p for the map of step eta, mini-batch b, inputs N(0, I_d) (any p, any unit u).

    Computed by the product Gauss rule of this module with `nodes` points per rule (default: enough
    for exactness at integer p/2, see _rule_size); the result is a log so that large p cannot overflow.
    """
    _check_args(b, d, model)
    log_r, log_w = _log_norm_sq(eta, b, d, model, nodes or _rule_size(p))
    return _log_sum_exp(log_w + 0.5 * p * log_r)


def mean_log_factor(eta: float, b: int, d: int, model: str = "relu", nodes: int = 64) -> float:
    """E log||Phi(u)||: the drift of log||Delta_t|| far from w*; the map is stable where it is negative.

    log||Phi(u)||^2 has a logarithmic singularity at the corner S = 1/a, C = 0, which the Gauss rule
    resolves to ~1e-10 at 64 nodes (it is integrable, and C's density vanishes there for d >= 4).
    """
    _check_args(b, d, model)
    log_r, log_w = _log_norm_sq(eta, b, d, model, nodes)
    w = _relative_exp(log_w)
    return float(0.5 * (w * log_r).sum() / w.sum())  # not BLAS: its threads only add overhead here


def sign_change_root(f, lo: float, hi: float, rel_tol: float = 1e-12, f_lo=None, f_hi=None) -> float:
    """Root of f on [lo, hi] with f(lo) < 0 < f(hi) by the Illinois (regula falsi) rule, falling back
    to bisection if it stalls; f is smooth here, so this converges superlinearly. f(lo), f(hi) may be
    passed when the caller already has them (each evaluation can cost a transfer-operator solve)."""
    f_lo = f(lo) if f_lo is None else f_lo
    f_hi = f(hi) if f_hi is None else f_hi
    side = 0
    while hi - lo > rel_tol * hi:
        x = hi - f_hi * (hi - lo) / (f_hi - f_lo)
        if not lo < x < hi:
            x = 0.5 * (lo + hi)
        fx = f(x)
        if fx < 0:
            lo, f_lo = x, fx
            f_hi = f_hi / 2 if side == -1 else f_hi
            side = -1
        else:
            hi, f_hi = x, fx
            f_lo = f_lo / 2 if side == 1 else f_lo
            side = 1
    return 0.5 * (lo + hi)


@lru_cache(maxsize=1024)
def stability_edge(b: int, d: int, model: str = "relu") -> float:
    """The step eta_edge at which E log||Phi(u)|| = 0.

    For eta < eta_edge, log||Delta_t|| has negative drift far from w*: the iterates are positive recurrent
    with a power-law tail (tail_index). For eta > eta_edge they drift to infinity. The drift is negative
    for small eta (it is about -eta E[S]/b) and tends to +inf as eta grows, and it has one sign change,
    found by regula falsi on a bracket built by doubling. Accurate to ~1e-10 relative.
    """
    _check_args(b, d, model)

    def drift(eta):
        return mean_log_factor(eta, b, d, model)

    lo, hi = 0.0, 0.5 * b
    while drift(hi) < 0:
        lo, hi = hi, 2 * hi
    lo = lo or hi / 2
    while drift(lo) >= 0:
        lo /= 2
    return sign_change_root(drift, lo, hi)


def _newton_root(log_r: np.ndarray, log_w: np.ndarray, start: float) -> float:
    """Root p > 0 of psi(p) = log sum_j w_j R_j^(p/2), by Newton from `start` where psi(start) > 0.

    psi is convex with psi(0) = 0 and psi'(0) = E log||Phi|| < 0 below the edge, so it has exactly one
    positive root, and Newton steps from the right of it decrease monotonically onto it.
    """
    half = 0.5 * log_r
    p = start
    for _ in range(100):
        v = log_w + p * half
        e = _relative_exp(v)
        value, slope = v.max() + math.log(e.sum()), float((e * half).sum() / e.sum())
        step = value / slope
        p -= step
        if abs(step) < 1e-12 * p:
            break
    return p


def tail_index(eta: float, b: int, d: int, model: str = "relu") -> float:
    """Kesten tail index alpha of ||Delta_infinity||: the positive root of E||Phi(u)||^alpha = 1.

    Defined for 0 < eta < stability_edge(b, d, model), where it decreases from +inf (eta -> 0) to 0 (at the
    edge). Returns inf when alpha > ALPHA_MAX (very small eta: the rule would need more than MAX_NODES
    nodes, and the tail is then indistinguishable from a light one), and nan for eta >= the edge (no
    stationary law: log||Delta_t|| drifts to infinity). eta <= 0 is a ValueError.

    A bracket p = 2, 4, 8, ... is doubled until E||Phi||^p > 1, each p evaluated on a rule exact for
    integer p/2 (_rule_size(p)); Newton then runs on the rule of the final bracket, which is exact for
    every integer moment below it. Accuracy against a graded composite Gauss-Legendre reference: 1e-5 in
    alpha at d = 5, 1e-11 at d = 10. CPU time at d = 10: 4 ms (b = 1) and 13 ms (b = 4) for the first alpha at
    a given (b, d) (it also computes the edge), under 1 ms for the next ones.
    """
    _check_args(b, d, model)
    if not (math.isfinite(eta) and eta > 0):
        raise ValueError(f"eta = {eta}: the step size must be finite and > 0")
    if eta >= stability_edge(b, d, model):
        return math.nan
    hi = 2.0
    while True:
        log_r, log_w = _log_norm_sq(eta, b, d, model, _rule_size(hi))
        if _log_sum_exp(log_w + 0.5 * hi * log_r) > 0:
            return _newton_root(log_r, log_w, hi)
        if hi >= ALPHA_MAX:
            return math.inf
        hi = min(2 * hi, ALPHA_MAX)


def sample_norm_sq(rng: np.random.Generator, size: int, eta: float, b: int, d: int, model: str = "relu") -> np.ndarray:
    """`size` independent draws of ||Phi(u)||^2 from its (S, C) law (for Monte Carlo checks)."""
    _check_args(b, d, model)
    k = rng.binomial(b, 0.5, size) if model == "relu" else np.full(size, b)
    s = np.where(k > 0, rng.chisquare(np.maximum(k, 1)), 0.0)
    c = rng.chisquare(d - 1, size)
    a = eta / b
    return (1 - a * s) ** 2 + a * a * s * c


def homogeneous_map(delta: np.ndarray, x: np.ndarray, eta: float) -> np.ndarray:
    """Phi(Delta) = Delta - (eta/b) sum_i ReLU(<Delta, x_i>) x_i for iterates (..., d), batches (..., b, d)."""
    proj = np.maximum(np.matmul(x, delta[..., None])[..., 0], 0.0)  # (..., b)
    return delta - (eta / x.shape[-2]) * np.matmul(proj[..., None, :], x)[..., 0, :]
