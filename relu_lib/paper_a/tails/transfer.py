"""Kesten index of Algorithm 2 (Gaussian inputs): the leading eigenvalue of a transfer operator on one angle.

Derived here (docs/tails.md), not taken from the authors' note. Algorithm 2's filter s_i = 1{y_i > theta} sees the
label only, so with Delta = w - w* its step is affine with i.i.d. coefficients (docs/theory.md, exact moments):

    Delta_{t+1} = A_t Delta_t + B_t,   A = I - a sum_i s_i x_i x_i^T,   a = eta / b.

For x ~ N(0, I_n) and the paper's attacks the filter of sample i is s_i = 1{z_i > tau_i}, z_i = <u, x_i>,
u = w*/||w*||, with a threshold tau_i drawn independently of x_i (FilterLaw below). The law of A is then invariant
under the rotations that fix u, and Kesten's theorem (Kesten 1973; Guivarc'h & Le Page 2016 for matrices with
signed entries) gives P(||Delta_inf|| > r) ~ C r^-alpha with alpha the positive root of Lambda(alpha) = 1, Lambda
the leading eigenvalue of the transfer operator

    (T_p f)(v) = E[ ||A v||^p f(A v / ||A v||) ]

on the projective sphere. Its leading eigenfunction is unique, hence invariant under the rotations fixing u: a
function of t = <u, v>^2 in [0, 1] only. So the operator is needed on that one variable.

The law of A v for v = c u + s e (e a unit vector orthogonal to u, c^2 = t). Write x_i = z_i u + h_i e + r_i.
Only the 2 x 2 matrix M = sum_i s_i (z_i, h_i)(z_i, h_i)^T and the remainder R = sum_i s_i <x_i, v> r_i enter.
the h_i are N(0, 1) and independent of the filter, so given the active samples (K of them, S1 = sum s_i z_i^2)

    M = L L^T,  L = [[sqrt(S1), 0], [g, sqrt(Q)]],  g ~ N(0, 1),  Q ~ chi^2_{K-1},

and ||R||^2 = a^2 (v2^T M v2) C with C ~ chi^2_{n-2}, all independent (v2 = (c, s)). With y = (I - a M) v2,

    ||A v||^2 = |y|^2 + a^2 (v2^T M v2) C,     t' = <u, A v / ||A v||>^2 = y_1^2 / ||A v||^2.

Every expectation is a product Gauss rule, not Monte Carlo: for each K, a rule for S1 | K (exact for polynomials of
degree 2 m - 1 in S1: built by convolving per-sample Gauss rules of z^2 1{z > tau} and compressing each convolution
back to m nodes by the Lanczos process, which keeps every moment up to that degree), Gauss-Hermite for g, and
generalised Gauss-Laguerre rules for Q and C (theory._gamma_rule). The eigenfunction is represented by its values
at J Chebyshev-Lobatto nodes in t (it is smooth in t: the kernel smooths), and (T f)(t_j) uses the interpolating
polynomial of f at t'. The Lagrange basis is tabulated on a fine uniform grid in t' and interpolated linearly
(FINE points: alpha moves by ~1e-9 against 8 times as many), so that a new p only re-weights the stored points.

The stability edge comes from the top Lyapunov exponent gamma = lim (1/t) log ||A_t ... A_1 v|| = d log Lambda /
dp at p = 0 = sum_j pi_j E[log ||A v_j||], pi the stationary law of the direction chain (the left eigenvector of
T_0, whose right one is 1): Algorithm 2 has a stationary law where gamma < 0 (eta < eta_edge).

The isotropic special cases are exact checks of this module against theory (the S.G.D. far field): if every
threshold is -inf (every sample passes), A's law is that of linear regression, and if each sample passes with
probability 1/2 independently of x, ||A v|| has the law of S.G.D.'s far-field factor for every v; in both cases
Lambda(p) = E||Phi(u)||^p of theory.log_moment (tests/paper_a/test_tails_transfer.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from relu_lib.paper_a.tails.theory import _gamma_rule, sign_change_root

SILENT, RANDOM_SIGN, ALTERNATING = "silent", "random_sign", "alternating"
ATTACKS = (SILENT, RANDOM_SIGN, ALTERNATING)
FINE = (
    1 << 12
)  # grid of the tabulated Lagrange basis in t': its linear interpolation moves alpha by ~1e-9 (1 << 15: same)
MIN_N = 5  # C ~ chi^2_{n-2} must have a density vanishing at 0 for the rule to converge fast (as theory.MIN_D)
# beyond this, alpha is reported as inf: no simulation of this project can tell such a tail from a light one (at
# alpha = 40 a tail estimate needs k / n ~ 1e-6 to leave the body), and the rules it would need (resolution_for) grow
# like alpha^4 (deciding "above 40" costs ~3 s at b = 4)
ALPHA_MAX = 40.0
MIN_WEIGHT = 1e-15  # a number K of active samples with a smaller probability is left out (its share of Lambda is
# below that even at alpha = ALPHA_MAX for the step sizes below the edge: checked by the finer resolution)


# ---- the filter -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterLaw:
    """The filter of each mini-batch position: s_i = 1{z_i > tau}, tau drawn from `positions[i % len]`.

    A position's law is a tuple of (tau, probability) summing to 1; tau = -inf passes every sample, +inf none.
    """

    positions: tuple[tuple[tuple[float, float], ...], ...]

    def position(self, i: int) -> tuple[tuple[float, float], ...]:
        return self.positions[i % len(self.positions)]


def _law(pairs) -> tuple[tuple[float, float], ...]:
    merged: dict[float, float] = {}
    for tau, p in pairs:
        if p > 0:
            merged[float(tau)] = merged.get(float(tau), 0.0) + float(p)
    return tuple(sorted(merged.items()))


def attack_filter(attack: str, beta: float, theta: float, w_star_norm: float) -> FilterLaw:
    """Algorithm 2's filter under the paper's model (projected.py): y_i = ||w*|| z_i^+ + alpha_i xi_i,
    alpha_i ~ Bernoulli(beta), s_i = 1{y_i > theta}.

    Unattacked: s = 1{z > theta / ||w*||}; attacked with xi = +theta: s = 1{z > 0}; with xi = -theta:
    s = 1{z > 2 theta / ||w*||}. random_sign draws the sign per sample; alternating puts -theta at the 0-based
    even positions and +theta at the odd ones (kernel.ALTERNATING); silent never attacks.
    """
    if attack not in ATTACKS:
        raise ValueError(f"attack = {attack!r}: allowed values are {', '.join(ATTACKS)}")
    if not (w_star_norm > 0 and theta >= 0 and 0 <= beta <= 1):
        raise ValueError(f"need ||w*|| > 0, theta >= 0, 0 <= beta <= 1; got {w_star_norm}, {theta}, {beta}")
    tau = theta / w_star_norm
    if attack == SILENT or beta == 0:
        return FilterLaw((_law([(tau, 1.0)]),))
    if attack == RANDOM_SIGN:
        return FilterLaw((_law([(tau, 1 - beta), (0.0, beta / 2), (2 * tau, beta / 2)]),))
    return FilterLaw((_law([(tau, 1 - beta), (2 * tau, beta)]), _law([(tau, 1 - beta), (0.0, beta)])))


def active_probability(flt: FilterLaw) -> float:
    """P(s_i = 1) averaged over the positions: the smallest eigenvalue of E[s x x^T] (the directions orthogonal to
    u; along u it is E[s z^2], larger for thresholds >= 0), i.e. the mean contraction rate per unit step."""
    total = 0.0
    for law in flt.positions:
        total += sum(p * (1.0 if tau == -math.inf else _normal_tail(tau)) for tau, p in law if tau != math.inf)
    return total / len(flt.positions)


def coin_filter(p: float) -> FilterLaw:
    """Each sample passes with probability p, independently of x: the isotropic special case (p = 1: linear
    regression; p = 1/2: the law of S.G.D.'s far-field factor)."""
    return FilterLaw((_law([(-math.inf, p), (math.inf, 1 - p)]),))


# ---- Gauss rules ------------------------------------------------------------------------------------------------


def _normal_tail(x: float) -> float:
    return 0.5 * math.erfc(x / math.sqrt(2))


def _rule_from_jacobi(diag: np.ndarray, off: np.ndarray, total: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the Gauss rule of a measure of mass `total` from its Jacobi matrix.

    Weights by the Christoffel formula total / sum_k p_k(x_j)^2 (orthonormal polynomials by their recurrence, with
    rescaling): it keeps full relative accuracy for the tiny weights of the far nodes, which carry high moments.
    """
    m = diag.size
    jacobi = np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)
    x = np.linalg.eigvalsh(jacobi)
    prev, cur = np.zeros(m), np.ones(m)
    acc, log_scale = np.ones(m), np.zeros(m)
    for j in range(m - 1):
        nxt = ((x - diag[j]) * cur - (off[j - 1] if j else 0.0) * prev) / off[j]
        prev, cur = cur, nxt
        acc += cur * cur
        big = acc > 1e200
        if big.any():
            f = np.where(big, 1e-100, 1.0)
            prev, cur, acc = prev * f, cur * f, acc * f * f
            log_scale += np.where(big, 100 * math.log(10), 0.0)
    return x, total * np.exp(-np.log(acc) - 2 * log_scale)


def _compress(x: np.ndarray, w: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The m-point Gauss rule of the discrete measure sum_i w_i delta_{x_i} (Lanczos with full
    reorthogonalisation): it integrates every polynomial of degree <= 2m - 1 as the measure does."""
    total = float(w.sum())
    keep = w > 0
    x, w = x[keep], w[keep]
    if x.size <= m:
        return x.copy(), w.copy()
    scale = float(np.max(x)) or 1.0
    xs = x / scale  # Lanczos on [0, 1]: no overflow of the recurrence
    q = np.sqrt(w / total)
    basis = np.zeros((m, x.size))
    diag, off = np.zeros(m), np.zeros(m - 1)
    prev, beta_prev = np.zeros_like(q), 0.0
    for j in range(m):
        basis[j] = q
        v = xs * q
        diag[j] = q @ v
        v = v - diag[j] * q - beta_prev * prev
        v -= basis[: j + 1].T @ (basis[: j + 1] @ v)  # reorthogonalise: Lanczos alone loses it in a few steps
        v -= basis[: j + 1].T @ (basis[: j + 1] @ v)
        if j == m - 1:
            break
        beta = float(np.linalg.norm(v))
        if beta < 1e-14:  # the measure has only j + 1 distinct atoms' worth of moments
            diag, off = diag[: j + 1], off[:j]
            break
        off[j] = beta
        prev, q, beta_prev = q, v / beta, beta
    nodes, weights = _rule_from_jacobi(diag, off, total)
    return np.clip(nodes, 0.0, None) * scale, weights


@lru_cache(maxsize=64)
def _active_square(tau: float, m: int) -> tuple[np.ndarray, np.ndarray]:
    """m-point Gauss rule of the measure E[f(z^2) 1{z > tau}], z ~ N(0, 1) (mass Q(tau)); tau = -inf: chi^2_1.

    A fine composite Gauss-Legendre discretisation in z (to z = 26, where z^(4m) phi(z) is negligible for
    m <= 60), then Lanczos.
    """
    if tau == -math.inf:
        t, logw = _gamma_rule(m, 0.5)
        return 2 * t, np.exp(logw)
    lo, hi = max(tau, -26.0), 26.0
    if lo >= hi:
        return np.zeros(0), np.zeros(0)
    g, gw = np.polynomial.legendre.leggauss(12)
    edges = np.linspace(lo, hi, max(2, math.ceil((hi - lo) / 0.25)) + 1)
    mid, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    z = (mid[:, None] + half[:, None] * g[None, :]).ravel()
    w = (half[:, None] * gw[None, :]).ravel() * np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    return _compress(z * z, w, m)


def _position_rule(law, m: int) -> tuple[float, np.ndarray, np.ndarray]:
    """(P(inactive), nodes, weights) of one position: the active part as one m-point rule in y = z^2."""
    inactive, xs, ws = 0.0, [], []
    for tau, p in law:
        if tau == math.inf:
            inactive += p
            continue
        x, w = _active_square(tau, m)
        inactive += p * (1.0 - (1.0 if tau == -math.inf else _normal_tail(tau)))
        xs.append(x)
        ws.append(p * w)
    x, w = np.concatenate(xs or [np.zeros(0)]), np.concatenate(ws or [np.zeros(0)])
    x, w = _compress(x, w, m) if x.size else (x, w)
    return inactive, x, w


@lru_cache(maxsize=64)
def s1_rules(flt: FilterLaw, b: int, m: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """For K = 0..b active samples: an m-point rule (nodes, weights summing to P(K = k)) for S1 = sum s_i z_i^2.

    The positions are convolved one at a time; after each, every K's measure is compressed back to m nodes, which
    keeps its moments up to degree 2m - 1 exactly (those of a sum depend only on the factors' moments up to it).
    """
    rules = [(np.zeros(1), np.ones(1))]
    for i in range(b):
        inactive, y, w = _position_rule(flt.position(i), m)
        new = []
        for k in range(len(rules) + 1):
            xs, ws = [], []
            if k < len(rules):
                xs.append(rules[k][0])
                ws.append(inactive * rules[k][1])
            if k >= 1 and y.size:
                x0, w0 = rules[k - 1]
                xs.append((x0[:, None] + y[None, :]).ravel())
                ws.append((w0[:, None] * w[None, :]).ravel())
            x, wt = np.concatenate(xs), np.concatenate(ws)
            new.append(_compress(x, wt, m) if k else (np.zeros(1), np.array([wt.sum()])))
        rules = new
    out = []
    for x, w in rules:
        x.flags.writeable = w.flags.writeable = False
        out.append((x, w))
    return tuple(out)


def _chi2(m: int, dof: int) -> tuple[np.ndarray, np.ndarray]:
    t, logw = _gamma_rule(m, dof / 2)
    return 2 * t, np.exp(logw)


@lru_cache(maxsize=256)
def _correlation_rule(m: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss rule for rho, the first coordinate of a uniform direction in R^k (density ~ (1 - rho^2)^((k-3)/2)):
    Gauss-Jacobi with both exponents (k - 3)/2 (Gautschi's recurrence coefficients); k = 1: rho = +-1."""
    if k == 1:
        return np.array([-1.0, 1.0]), np.array([0.5, 0.5])
    a = (k - 3) / 2
    j = np.arange(2, m)
    off2 = np.concatenate([[1 / (3 + 2 * a)], j * (j + 2 * a) / ((2 * j + 2 * a + 1) * (2 * j + 2 * a - 1))])
    return _rule_from_jacobi(np.zeros(m), np.sqrt(off2[: m - 1]), 1.0)


# ---- the operator -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """Angle nodes (Chebyshev-Lobatto in t) and points of the rules for S1 | K, H = ||h||^2 | K, rho and C."""

    angles: int = 10
    s1: int = 10
    h: int = 10
    rho: int = 8
    c: int = 8

    def finer(self) -> Resolution:
        """The resolution of the error estimate: the angle grid and every rule refined, most those of H and C (the
        corner H = 1/a, C = 0 carries the error: measured, docs/tails.md)."""
        return Resolution(self.angles + 2, self.s1 + 2, self.h + 4, self.rho + 2, self.c + 4)


def resolution_for(p: float) -> Resolution:
    """A resolution whose rules follow moment p. ||A v||^p grows like H^p (H ~ chi^2_K, the part of the inputs
    orthogonal to u, which dominates the tilted law of the large factors), and more slowly in S1, rho and C; the
    base rules give ~1e-5 in alpha for 1 <= p <= 10 (measured against finer rules, docs/tails.md)."""
    base = Resolution()
    if p < 1:  # near the edge: ||A v||^p ~ log ||A v|| feels the corner H = 1/a, C = 0 (error 4e-4 at alpha = 0.25)
        return Resolution(base.angles, base.s1, base.h + 4, base.rho, base.c + 4)
    extra = max(0, math.ceil((p - 10) / 2))
    return Resolution(base.angles, base.s1 + extra // 3, base.h + extra, base.rho + extra // 3, base.c + extra // 3)


def lobatto(j: int) -> np.ndarray:
    """j Chebyshev-Lobatto nodes on [0, 1], increasing (t = 0: v orthogonal to u; t = 1: v = u)."""
    return (1 - np.cos(np.pi * np.arange(j) / (j - 1))) / 2


def _basis_table(nodes: np.ndarray) -> np.ndarray:
    """Lagrange basis of the nodes on the fine grid of t' (FINE + 1 points), shape (FINE + 1, J): barycentric."""
    j = nodes.size
    lam = (-1.0) ** np.arange(j)
    lam[0] *= 0.5
    lam[-1] *= 0.5
    grid = np.linspace(0.0, 1.0, FINE + 1)
    diff = grid[:, None] - nodes[None, :]
    exact = np.isclose(diff, 0.0, atol=1e-15)
    diff[exact] = 1.0
    terms = lam[None, :] / diff
    table = terms / terms.sum(axis=1, keepdims=True)
    rows, cols = np.nonzero(exact)
    table[rows] = 0.0
    table[rows, cols] = 1.0
    return table


@lru_cache(maxsize=8)
def _table(j: int) -> np.ndarray:
    out = _basis_table(lobatto(j))
    out.flags.writeable = False
    return out


class Operator:
    """T_p of Algorithm 2 at step eta, mini-batch b, inputs N(0, I_n), filter `flt`, on the angle nodes.

    The points of the product rule are computed once (log ||A v_j|| and where t' falls on the fine grid); a value of
    p only re-weights them, so Lambda(p) costs one exponential per point.
    """

    def __init__(self, eta: float, b: int, n: int, flt: FilterLaw, res: Resolution):
        if not (math.isfinite(eta) and eta > 0):
            raise ValueError(f"eta = {eta}: the step size must be finite and > 0")
        if int(b) != b or b < 1 or int(n) != n or n < MIN_N:
            raise ValueError(f"need integers b >= 1 and n >= {MIN_N}; got b = {b}, n = {n}")
        self.eta, self.b, self.n, self.flt, self.res = eta, int(b), int(n), flt, res
        self.nodes = lobatto(res.angles)
        a = eta / b
        c_nodes, c_w = _chi2(res.c, n - 2)
        logs, cells, fracs, weights = [], [], [], []
        stay = 0.0  # P(K = 0): A = I, the direction stays where it is
        for k, (s1, ws) in enumerate(s1_rules(flt, self.b, res.s1)):
            if k == 0:
                stay = float(ws.sum())
                continue
            if ws.sum() < MIN_WEIGHT:
                continue
            h, wh = _chi2(res.h, k)
            rho, wr = _correlation_rule(res.rho, k)
            # M = [[S1, X], [X, H]] with X = sqrt(S1 H) rho; axes (S1, H, rho), then C
            s1g, hg, rg = s1[:, None, None], h[None, :, None], rho[None, None, :]
            x = np.sqrt(s1g * hg) * rg
            w3 = ws[:, None, None] * wh[None, :, None] * wr[None, None, :]
            w4 = (w3[..., None] * c_w).ravel()
            per_log, per_t = [], []
            for t in self.nodes:
                c, s = math.sqrt(t), math.sqrt(max(0.0, 1.0 - t))
                y1 = c * (1 - a * s1g) - a * x * s
                y2 = s * (1 - a * hg) - a * x * c
                quad = s1g * (c * c) + 2 * x * (c * s) + hg * (s * s)
                norm2 = (y1 * y1 + y2 * y2)[..., None] + (a * a) * quad[..., None] * c_nodes
                per_log.append(0.5 * np.log(norm2).ravel())
                per_t.append(((y1 * y1)[..., None] / norm2).ravel())
            logs.append(np.stack(per_log))
            pos = np.clip(np.stack(per_t), 0.0, 1.0) * FINE
            cell = np.minimum(pos.astype(np.int64), FINE - 1)
            cells.append(cell)
            fracs.append(pos - cell)
            weights.append(np.broadcast_to(w4, cell.shape))
        self.stay = stay
        self.log_norm = np.concatenate(logs, axis=1) if logs else np.zeros((self.nodes.size, 0))
        self.cell = np.concatenate(cells, axis=1) if cells else np.zeros((self.nodes.size, 0), dtype=np.int64)
        frac = np.concatenate(fracs, axis=1) if fracs else np.zeros((self.nodes.size, 0))
        weight = np.concatenate(weights, axis=1) if weights else frac
        # each point's weight split between the two fine-grid cells around t' (linear interpolation)
        self._w_lo, self._w_hi = (weight * (1 - frac)).ravel(), (weight * frac).ravel()
        self.table = _table(res.angles)
        self._flat = (self.cell + (FINE + 1) * np.arange(self.nodes.size)[:, None]).ravel()
        self._log = self.log_norm.ravel()

    def _matrix(self, values: np.ndarray) -> np.ndarray:
        """sum over the points of weight * values * (Lagrange basis at t'), one row per angle node: spread
        linearly onto the fine grid (one bincount for every row at once), then projected on the basis."""
        j = self.nodes.size
        size = FINE + 1
        acc = np.bincount(self._flat, self._w_lo * values, minlength=j * size)
        acc += np.bincount(self._flat + 1, self._w_hi * values, minlength=j * size)
        return acc.reshape(j, size) @ self.table

    def matrices(self, p: float) -> tuple[np.ndarray, np.ndarray]:
        """(T_p, d T_p / dp) on the angle nodes."""
        scaled = np.exp(p * self._log)
        mat = self._matrix(scaled) + self.stay * np.eye(self.nodes.size)
        return mat, self._matrix(scaled * self._log)

    def eigen(self, p: float) -> tuple[float, float, np.ndarray]:
        """(Lambda(p), d Lambda / dp, the right eigenvector h > 0 at the nodes, max h = 1)."""
        mat, dmat = self.matrices(p)
        vals, right = np.linalg.eig(mat)
        top = int(np.argmax(vals.real))
        lam = float(vals[top].real)
        h = right[:, top].real
        h = h / h[np.argmax(np.abs(h))]
        lvals, left = np.linalg.eig(mat.T)
        psi = left[:, int(np.argmax(lvals.real))].real
        slope = float(psi @ dmat @ h / (psi @ h))
        return lam, slope, h

    def log_eigenvalue(self, p: float) -> float:
        return math.log(self.eigen(p)[0])

    def lyapunov(self) -> float:
        """Top Lyapunov exponent gamma: d log Lambda / dp at p = 0 (the direction chain's stationary mean of
        log ||A v||)."""
        lam, slope, _ = self.eigen(0.0)
        return slope / lam

    def interpolate(self, values: np.ndarray, t) -> np.ndarray:
        """The interpolating polynomial of `values` at the angle nodes, evaluated at t (barycentric formula)."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        lam = (-1.0) ** np.arange(self.nodes.size)
        lam[0] *= 0.5
        lam[-1] *= 0.5
        diff = t[:, None] - self.nodes[None, :]
        exact = diff == 0.0
        diff[exact] = 1.0
        terms = lam / diff
        out = (terms @ values) / terms.sum(axis=1)
        rows, cols = np.nonzero(exact)
        out[rows] = values[cols]
        return out

    def eigenfunction(self, p: float):
        """h(t) for t in [0, 1] (the interpolant of the eigenvector at the nodes, max 1)."""
        _, _, h = self.eigen(p)
        nodes = self.nodes

        def h_of(t):
            t = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
            pos = t * FINE
            cell = np.minimum(pos.astype(np.int64), FINE - 1)
            f = pos - cell
            table = _table(nodes.size)
            return ((1 - f)[..., None] * table[cell] + f[..., None] * table[cell + 1]) @ h

        return h_of

    def root(self, start: float = 2.0) -> float:
        """The positive root of log Lambda(p) = 0 (inf above ALPHA_MAX). log Lambda is convex with log Lambda(0)
        = 0 and slope gamma < 0 there, so it has one positive root: Newton, kept inside a bracket [lo, hi] with
        log Lambda(lo) < 0 < log Lambda(hi) (bisection when a step leaves it); `start` is a first guess."""
        lo, hi, p = 0.0, math.inf, min(max(start, 1e-3), ALPHA_MAX)
        for _ in range(100):
            lam, slope, _ = self.eigen(p)
            value = math.log(lam)
            if value > 0:
                hi = p
            else:
                lo = p
                if p >= ALPHA_MAX:
                    return math.inf
            step = value / (slope / lam) if slope != 0 else math.inf
            nxt = p - step
            if not lo < nxt < (hi if math.isfinite(hi) else ALPHA_MAX * 1.0001):
                nxt = 0.5 * (lo + hi) if math.isfinite(hi) else min(2 * p, ALPHA_MAX)
            if abs(nxt - p) < 1e-10 * max(1.0, p):
                return nxt
            p = nxt
        return p


# ---- the public functions -----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def lyapunov(eta: float, b: int, n: int, flt: FilterLaw, res: Resolution = Resolution()) -> float:
    return Operator(eta, b, n, flt, res).lyapunov()


@lru_cache(maxsize=256)
def stability_edge(b: int, n: int, flt: FilterLaw, res: Resolution = Resolution(), guess: float | None = None) -> float:
    """eta_edge: where the top Lyapunov exponent of A crosses 0 (it is about -eta E[s z^2] / ... < 0 for small eta
    and > 0 for large eta, with one sign change). Regula falsi (Illinois) on a bracket grown from `guess` (default
    b / n), to 1e-9 relative."""

    def gamma(eta):
        return lyapunov(eta, b, n, flt, res)

    lo = hi = guess or b / n
    g_lo = g_hi = gamma(hi)
    while g_hi < 0:
        lo, g_lo = hi, g_hi
        hi *= 1.5
        g_hi = gamma(hi)
    while g_lo >= 0:
        hi, g_hi = lo, g_lo
        lo /= 1.5
        g_lo = gamma(lo)
    return sign_change_root(gamma, lo, hi, 1e-9, f_lo=g_lo, f_hi=g_hi)


def tail_index_with_error(eta: float, b: int, n: int, flt: FilterLaw, guess: float = 2.0) -> tuple[float, float]:
    """(alpha, its numerical error): alpha at the resolution that follows it, and the error as the change when
    every rule and the angle grid are refined (Resolution.finer); nan / inf as tail_index."""
    alpha = tail_index(eta, b, n, flt, guess=guess)
    if not math.isfinite(alpha):
        return alpha, math.nan
    finer = Operator(eta, b, n, flt, resolution_for(alpha).finer()).root(start=alpha)
    return alpha, abs(finer - alpha)


def tail_index(eta: float, b: int, n: int, flt: FilterLaw, res: Resolution | None = None, guess: float = 2.0) -> float:
    """alpha: the positive root of Lambda(alpha) = 1 (nan at or beyond the edge, inf above ALPHA_MAX).

    Unless a resolution is given, a first root at the base resolution chooses the rules that follow it
    (resolution_for), on which the root is found again; "above ALPHA_MAX" is decided on the rules of ALPHA_MAX
    (coarse rules miss the far tail of ||A v||^p and would call a large alpha infinite too early).
    `guess` starts the first root's Newton iteration.
    """
    op = Operator(eta, b, n, flt, res or Resolution())
    if op.lyapunov() >= 0:
        return math.nan
    first = op.root(start=guess)
    if res is not None:
        return first
    fitted = resolution_for(min(first, ALPHA_MAX))
    if fitted == op.res:
        return first
    op = Operator(eta, b, n, flt, fitted)
    if not math.isfinite(first) and op.log_eigenvalue(ALPHA_MAX) <= 0:
        return math.inf
    return op.root(start=first if math.isfinite(first) else ALPHA_MAX)
