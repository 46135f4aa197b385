"""Exact moments of Algorithm 2 for Gaussian inputs (derived here; docs/theory.md "Exact moments").

Algorithm 2 (paper A, §3) steps w <- w + (eta/b) sum_i 1{y_i > theta} (y_i - <w, x_i>) x_i. Its filter
s_i = 1{y_i > theta} looks at the label only, never at w, so with Delta = w - w* the step is an affine map
with i.i.d. random coefficients:  Delta' = (I - G sum_i s_i x_i x_i^T) Delta + G sum_i s_i e_i x_i,
G = eta/b, e_i = y_i - <w*, x_i>. Its moments are therefore exact linear recursions.

The filter in cases (|xi| <= theta, rho = ||w*||, z = <u, x>, u = w*/rho): a clean sample passes iff
rho z > theta and then e = 0; an attacked one (label + xi) passes iff rho z > theta - xi and then e = xi.
So on the filter e_i is a constant kappa_i in {0, xi_i} and s_i = 1{z_i > c_i}, c_i = (theta - kappa_i)/rho.

Gaussian inputs x ~ N(0, I_n): write Delta = p u + q (q orthogonal to u) and x_i = z_i u + v_i; the v_i are
independent of (z_i, s_i, kappa_i). Expanding one step and averaging over v_i (E v v^T = I - u u^T,
E[(v^T q)^2 ||v||^2] = (n + 1) ||q||^2) leaves a closed affine recursion of (E p, E p^2, E||q||^2) whose
coefficients are per-position truncated-normal moments E[s kappa^a z^k] (`position_moments`); and
E q_t = (1 - G sum_i E s_i)^t q_0 exactly. E||Delta_t||^2 = E p_t^2 + E||q_t||^2 at every t.

Steps are counted as updates: index t is the iterate after t updates (t = 0 is the start, the paper's w_1).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

ATTACKS = ("none", "alternating", "random_sign")


@dataclass(frozen=True)
class Setting:
    """A cell of paper A's Gaussian experiments: x ~ N(0, I_n), the step eta, the mini-batch b, the attack
    (probability beta, magnitude theta, which is also Algorithm 2's filter level theta*) and, optionally,
    a data-dependent attack probability beta(x) = beta 1{<w*, x> > beta_threshold}."""

    n: int
    b: int
    eta: float
    beta: float = 0.0
    theta: float = 0.0
    attack: str = "alternating"
    beta_threshold: float = -math.inf

    def __post_init__(self):
        if self.attack not in ATTACKS:
            raise ValueError(f"unknown attack {self.attack!r}; allowed: {', '.join(ATTACKS)}")


def scaled_law(setting: Setting, sigma: float) -> Setting:
    """The standard setting whose iterates are those of x ~ N(0, sigma^2 I_n) (derived): with x = sigma z, the
    label is sigma (ReLU(<w*, z>) + alpha xi / sigma) and the update (eta / b) sum (y - <w, x>) x over y > theta
    is (eta sigma^2 / b) sum (y / sigma - <w, z>) z over y / sigma > theta / sigma: step eta sigma^2, attack
    magnitude and filter level theta / sigma, the attack's threshold on <w*, x> at beta_threshold / sigma."""
    return dataclasses.replace(
        setting,
        eta=setting.eta * sigma**2,
        theta=setting.theta / sigma,
        beta_threshold=setting.beta_threshold / sigma,
    )


def truncated_moments(c: float) -> np.ndarray:
    """E[z^k 1{z > c}] for k = 0..4, z ~ N(0, 1); c may be +-inf."""
    if c == math.inf:
        return np.zeros(5)
    if c == -math.inf:
        return np.array([1.0, 0.0, 1.0, 0.0, 3.0])
    phi = math.exp(-0.5 * c * c) / math.sqrt(2 * math.pi)
    tail = 0.5 * math.erfc(c / math.sqrt(2))
    return np.array([tail, phi, c * phi + tail, (c * c + 2) * phi, (c**3 + 3 * c) * phi + 3 * tail])


def _pieces(setting: Setting, rho: float, position: int):
    """(weight, kappa, lo, hi): the filter passes with e = kappa where lo < z <= hi, with that weight."""
    theta, beta = setting.theta, setting.beta
    attacked = setting.attack != "none" and beta > 0 and theta > 0
    clean_lo = theta / rho
    if not attacked:
        return [(1.0, 0.0, clean_lo, math.inf)]
    r = setting.beta_threshold / rho  # beta(x) = beta where z > r, 0 below
    if setting.attack == "alternating":  # 1-based odd positions -theta, even +theta (0-based: even -theta)
        xis = [(1.0, -theta if position % 2 == 0 else theta)]
    else:
        xis = [(0.5, -theta), (0.5, theta)]
    out = []
    if clean_lo < r:
        out.append((1.0, 0.0, clean_lo, r))  # never attacked there
    out.append((1.0 - beta, 0.0, max(clean_lo, r), math.inf))
    for prob, xi in xis:
        out.append((beta * prob, xi, max((theta - xi) / rho, r), math.inf))
    return [p for p in out if p[2] < p[3] and p[0] > 0]


def position_moments(setting: Setting, rho: float) -> dict[str, np.ndarray]:
    """Per mini-batch position i (arrays of length b): the moments E[s_i kappa_i^a z_i^k] the recursion uses,
    keyed 'a,k' (e.g. '0,2' = E[s z^2], '1,1' = E[s kappa z])."""
    keys = ("0,0", "0,1", "0,2", "0,4", "1,0", "1,1", "1,3", "2,0", "2,2")
    out = {key: np.zeros(setting.b) for key in keys}
    cache = {}
    for i in range(setting.b):
        pieces = _pieces(setting, rho, i % 2 if setting.attack == "alternating" else 0)
        signature = tuple(pieces)
        if signature not in cache:
            acc = dict.fromkeys(keys, 0.0)
            for weight, kappa, lo, hi in pieces:
                m = truncated_moments(lo) - truncated_moments(hi)
                for key in keys:
                    a, k = map(int, key.split(","))
                    acc[key] += weight * kappa**a * m[k]
            cache[signature] = acc
        for key, value in cache[signature].items():
            out[key][i] = value
    return out


def _pair_sum(f: np.ndarray, g: np.ndarray) -> float:
    """sum over i != j of f_i g_j."""
    return float(f.sum() * g.sum() - (f * g).sum())


def transition(setting: Setting, rho: float) -> np.ndarray:
    """The 4x4 matrix A with (E p, E p^2, E||q||^2, 1)_{t+1} = A (E p, E p^2, E||q||^2, 1)_t (exact)."""
    m = position_moments(setting, rho)
    g, n = setting.eta / setting.b, setting.n
    s0, z2, z4 = m["0,0"].sum(), m["0,2"].sum(), m["0,4"].sum()
    k1, k1z3, k2, k2z2 = m["1,1"].sum(), m["1,3"].sum(), m["2,0"].sum(), m["2,2"].sum()
    a = np.zeros((4, 4))
    # p' = p (1 - G S_zz) + G S_kz - G sum s_i z_i <q, v_i>
    a[0] = [1 - g * z2, 0.0, 0.0, g * k1]
    a[1, 0] = 2 * g * (k1 - g * (k1z3 + _pair_sum(m["0,2"], m["1,1"])))
    a[1, 1] = 1 - 2 * g * z2 + g * g * (z4 + _pair_sum(m["0,2"], m["0,2"]))
    a[1, 2] = g * g * z2
    a[1, 3] = g * g * (k2z2 + _pair_sum(m["1,1"], m["1,1"]))
    # q' = q + G sum s_i (kappa_i - p z_i) v_i - G sum s_i v_i v_i^T q
    a[2, 0] = -2 * g * g * (n - 1) * k1
    a[2, 1] = g * g * (n - 1) * z2
    a[2, 2] = 1 - 2 * g * s0 + g * g * ((n + 1) * s0 + _pair_sum(m["0,0"], m["0,0"]))
    a[2, 3] = g * g * (n - 1) * k2
    a[3, 3] = 1.0
    return a


def q_contraction(setting: Setting, rho: float) -> float:
    """E q_{t+1} = (this) E q_t: 1 - G sum_i E s_i (exact)."""
    return 1 - setting.eta / setting.b * position_moments(setting, rho)["0,0"].sum()


def split_offset(w_star: np.ndarray, w_start: np.ndarray) -> tuple[float, float, float]:
    """(rho, p_0, ||q_0||) of a start: rho = ||w*||, Delta_0 = w_start - w* = p_0 u + q_0."""
    rho = float(np.linalg.norm(w_star))
    delta = np.asarray(w_start, dtype=float) - w_star
    p0 = float(delta @ w_star) / rho
    return rho, p0, math.sqrt(max(0.0, float(delta @ delta) - p0 * p0))


def exact_moments(setting: Setting, rho, p0, q0, steps: int) -> np.ndarray:
    """(steps + 1, 4): E p_t, E p_t^2, E||q_t||^2 and E<q_t, q_0/||q_0||> for t = 0..steps (exact).

    rho, p0, q0 may be arrays of R runs (each its own w* and start): the result is then (steps + 1, 4, R)."""
    rho, p0, q0 = np.broadcast_arrays(*map(np.asarray, (rho, p0, q0)))
    runs = rho.ravel()
    cache = {}
    for r in set(runs.tolist()):
        cache[r] = (transition(setting, r), q_contraction(setting, r))
    a = np.stack([cache[r][0] for r in runs])  # (R, 4, 4)
    state = np.stack([p0.ravel(), p0.ravel() ** 2, q0.ravel() ** 2, np.ones(runs.size)], axis=1)  # (R, 4)
    out = np.empty((steps + 1, 4, runs.size))
    out[0, :3] = state[:, :3].T
    if runs.size == 1:  # blocks of 64 steps, each one product with the stacked powers A^1..A^64
        powers = [np.eye(4)]
        for _ in range(64):
            powers.append(a[0] @ powers[-1])
        block = np.stack(powers[1:])  # (64, 4, 4)
        single, t = state[0], 0
        while t < steps:
            ahead = block[: min(64, steps - t)] @ single  # (k, 4)
            out[t + 1 : t + 1 + len(ahead), :3, 0] = ahead[:, :3]
            single, t = ahead[-1], t + len(ahead)
    else:
        for t in range(1, steps + 1):
            state = np.einsum("rij,rj->ri", a, state)
            out[t, :3] = state[:, :3].T
    contraction = np.array([cache[r][1] for r in runs])
    out[:, 3] = q0.ravel()[None, :] * contraction[None, :] ** np.arange(steps + 1)[:, None]
    return out if rho.ndim else out[..., 0]


def exact_second_moment(w_star, w_start, b, eta, beta, theta, steps, attack: str = "alternating") -> np.ndarray:
    """E||w_t - w*||^2 for t = 0..steps of Algorithm 2 with inputs N(0, I_n), n = len(w_star), started at
    w_start, under the attack (default: the paper's alternating attack of §3.1 with probability beta and
    magnitude theta, which is also the filter level). Exact (no Monte Carlo); t counts updates."""
    w_star = np.asarray(w_star, dtype=float)
    setting = Setting(n=w_star.size, b=int(b), eta=float(eta), beta=float(beta), theta=float(theta), attack=attack)
    rho, p0, q0 = split_offset(w_star, w_start)
    moments = exact_moments(setting, rho, p0, q0, int(steps))
    return moments[:, 1] + moments[:, 2]


def stationary_second_moment(setting: Setting, rho: float) -> float:
    """lim E||Delta_t||^2 (the floor), inf where the recursion is not stable in mean square."""
    a = transition(setting, rho)
    if np.max(np.abs(np.linalg.eigvals(a[:3, :3]))) >= 1:
        return math.inf
    fixed = np.linalg.solve(np.eye(3) - a[:3, :3], a[:3, 3])
    return float(fixed[1] + fixed[2])


def floor_leading_order(setting: Setting) -> float:
    """The leading-order floor of the alternating attack, eta beta theta^2 n / (2 b - eta n) (derived)."""
    s = setting
    denominator = 2 * s.b - s.eta * s.n
    return s.eta * s.beta * s.theta**2 * s.n / denominator if denominator > 0 else math.inf
