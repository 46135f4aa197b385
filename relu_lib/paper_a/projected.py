"""Paper A's Algorithm 2 and SGD on Gaussian inputs, sampled in the span they can see: O(b + n) per step.

The model. Inputs x ~ N(0, I_n), fresh at every step; labels y_i = ReLU(<w*, x_i>) + alpha_i xi_i with
alpha_i ~ Bernoulli(beta(x_i)), beta(x) = beta if <w*, x> > r else 0 (r = beta_threshold), and xi_i the
attack (kernel.ALTERNATING: -theta at odd 1-based positions i of the mini-batch, +theta at even ones;
kernel.RANDOM_SIGN: +-theta with a fair sign; kernel.SILENT: none). Two algorithms step on the same
mini-batches from the same start w_1, with c = eta / b:
    alg2 (index 0)  w <- w + c sum_i 1{y_i > theta}  (y_i - <w, x_i>) x_i
    sgd  (index 1)  w <- w + c sum_i 1{<w, x_i> > 0} (y_i - <w, x_i>) x_i
The state is Delta_a = w_a - w* for the two algorithms a.

Why sampling in a span is exact in law. Let F_{t-1} be everything up to step t - 1, so Delta_alg2 and
Delta_sgd at the start of step t are F_{t-1}-measurable, and the step's x_1..x_b, alpha, xi are
independent of F_{t-1}. Let Q (n x k, k <= 3) be an orthonormal basis of span{u, Delta_alg2, Delta_sgd},
u = w* / |w*|: a function of F_{t-1}. Write x_i = Q z_i + h_i with z_i = Q^T x_i and h_i = P x_i,
P = I - Q Q^T. Conditionally on F_{t-1}, (z_i, h_i) is Gaussian with Cov(z_i, h_i) = Q^T P = 0, so
z_i ~ N(0, I_k) and h_i ~ N(0, P) are independent, and independent over i. Since u and both Delta lie
in the span, <w*, x_i> = |w*| u^T Q z_i and <w_a, x_i> = <w*, x_i> + <Q^T Delta_a, z_i> are functions of
z_i alone, hence so are beta(x_i), the labels, both filters and the coefficients
r_i = 1{y_i > theta} (y_i - <w_alg2, x_i>) and r'_i = 1{<w_sgd, x_i> > 0} (y_i - <w_sgd, x_i>)
(given alpha, xi, which are independent of h). The step is
    Delta_alg2 += c (Q sum_i r_i z_i + S),  Delta_sgd += c (Q sum_i r'_i z_i + S'),
    S = sum_i r_i h_i,  S' = sum_i r'_i h_i.
Given F_{t-1} and (z, alpha, xi), the h_i are still i.i.d. N(0, P) and the coefficients are fixed numbers,
so (S, S') is a linear map of Gaussians: it is centred Gaussian with Cov(S, S) = (sum r_i^2) P,
Cov(S, S') = (sum r_i r'_i) P, Cov(S', S') = (sum r'^2_i) P, i.e. covariance C (x) P with
C = [[sum r^2, sum r r'], [sum r r', sum r'^2]]. With L the lower Cholesky factor of C and g1, g2 ~ N(0, I_n)
independent, P g ~ N(0, P) (P is symmetric idempotent), so (L11 P g1, L21 P g1 + L22 P g2) has exactly that
law. Hence the pair (new Delta_alg2, new Delta_sgd) drawn here has, given F_{t-1}, the same conditional law
as under full draws of x_1..x_b; by induction over t the whole trajectory (both algorithms jointly) has the
same law. Exact in law, not pathwise: the numbers
differ from a full-draw run of the same seed. The one approximation is the basis: a direction whose
Gram-Schmidt residual is <= 1e-12 of its norm (or 0) is dropped, which moves <w_a, x_i> by that
relative amount at most. An algorithm that has diverged is frozen and leaves the basis (the span is then
that of u and the other Delta; the argument is unchanged).

C may be singular (an algorithm that diverged or filtered every sample has r = 0; one sample carrying
every residual, always so at b = 1, makes C of rank 1): L11 = sqrt(C11), L21 = C12 / L11 if L11 > 0 else 0,
L22^2 = C22 - L21^2, computed as sum_i (r'_i - (C12 / C11) r_i)^2 (C12 / C11 taken as 0 if C11 = 0): the
same number, >= 0 by construction, without the cancellation that leaves sqrt(rounding) ~ 1e-8 |r'| for a
rank-1 C (harmless in law, but it would make two implementations' paths part at 1e-11 in one step).

The draws, per step t = 1..iterations, from the one Generator `rng`, in this order (for re-simulation):
  1. z: 3 b standard_normal, row-major (sample i, then coordinate j = 0, 1, 2); always 3 per sample, so
     the stream does not depend on k: coordinate j goes with basis vector j (u first, then what is kept of
     Delta_alg2, then of Delta_sgd), and coordinates j >= k are drawn and unused;
  2. alpha: b random() (not for SILENT), alpha_i = 1{U_i < beta(x_i)}, drawn whatever beta(x_i) is;
  3. signs: b integers(0, 2) (RANDOM_SIGN only; one integers(0, 2, b) call, the same stream as b scalar
     calls), xi_i = theta (2 s_i - 1);
  4. g1: n standard_normal; 5. g2: n standard_normal.
That is 3 b + 2 n normals a step (plus b uniforms if attacked, plus b integers for RANDOM_SIGN), whatever
the state; a step after both algorithms have diverged draws nothing (the run stops). The numba core draws
with NumPy's own algorithms on the Generator's bit generator (as kernel.py does), so run and run_reference
consume the same numbers and leave the Generator in the same state.

Arithmetic: y - <w, x> is computed as (ReLU(s) - s) + alpha xi - <Delta, x> with s = <w*, x>, which is
the same number without the cancellation of ReLU(s) - (s + <Delta, x>) once Delta is small. Sums over
the coordinates run in a fixed order (four interleaved partial sums, fastmath off), so a seed's numbers do
not depend on the machine; run_reference (NumPy's sums) agrees to rounding, about 1e-15 relative.

Divergence and checkpoints as in kernel.py: an algorithm whose |Delta|^2 exceeds diverged_sq (or is not
finite) after step t has diverged_at = t, is recorded at t as it is if t is a checkpoint, is NaN at the
later checkpoints and is no longer updated; the other algorithm goes on. Runs go to `iterations` (or
until both have diverged), also past the last checkpoint.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from relu_lib.paper_a.kernel import ALTERNATING, RANDOM_SIGN, SILENT

# the draw order above, in one line for every cell file's metadata
DRAWS = (
    "per step: z = 3 b standard_normal (sample, then basis coordinate u, Delta_alg2, Delta_sgd), then b random() "
    "for alpha (attacked cells), then b integers(0, 2) for the signs (random_sign), then n + n standard_normal "
    "for the two remainders g1, g2"
)


def core_stats():
    """numba's cache statistics of the compiled core (the warm-up reports whether it compiled)."""
    return _run_core.stats


ALGORITHMS = ("alg2", "sgd")
# relative Gram-Schmidt residual under which a direction counts as already in the span
DROP = 1e-12


def run(
    rng,
    w_star,
    w_start,
    b,
    eta,
    beta,
    theta,
    attack,
    beta_threshold,
    iterations,
    steps,
    diverged_sq,
    *,
    _remainder_scale=1.0,
):
    """-> (error (K, 2), along (K, 2, 2), diverged_at (2,) int64) of alg2 (index 0) and sgd (index 1).

    error[k, a] = |Delta_t| at t = steps[k]; along[k, a] = (<Delta_t, u>, <Delta_t, v>), u = w*/|w*|, v the
    unit vector of the part of Delta_1 = w_start - w* orthogonal to u (0 where that part is 0 or, being
    <= 1e-12 |Delta_1|, rounding with no direction);
    diverged_at[a] the step at which |Delta|^2 first exceeded diverged_sq, -1 if never.
    `_remainder_scale` multiplies the Cholesky factor of the remainder (tests plant faults with it).
    """
    w_star, delta1, steps = _arguments(w_star, w_start, b, attack, iterations, steps)
    error = np.full((steps.size, 2), np.nan)
    along = np.full((steps.size, 2, 2), np.nan)
    diverged_at = np.full(2, -1, dtype=np.int64)
    _run_core(
        rng,
        w_star,
        delta1,
        int(b),
        float(eta),
        float(beta),
        float(theta),
        int(attack),
        float(beta_threshold),
        int(iterations),
        steps,
        float(diverged_sq),
        float(_remainder_scale),
        error,
        along,
        diverged_at,
    )
    return error, along, diverged_at


def _arguments(w_star, w_start, b, attack, iterations, steps):
    w_star = np.ascontiguousarray(w_star, dtype=np.float64)
    w_start = np.ascontiguousarray(w_start, dtype=np.float64)
    steps = np.ascontiguousarray(steps, dtype=np.int64)
    if w_star.ndim != 1 or w_start.shape != w_star.shape or w_star.size == 0:
        raise ValueError(f"w_star and w_start must be vectors of one length, got {w_star.shape} and {w_start.shape}")
    if b < 1 or iterations < 0:
        raise ValueError(f"need b >= 1 and iterations >= 0, got b = {b}, iterations = {iterations}")
    if attack not in (SILENT, RANDOM_SIGN, ALTERNATING):
        raise ValueError(f"attack must be SILENT, RANDOM_SIGN or ALTERNATING ({SILENT}, {RANDOM_SIGN}, {ALTERNATING})")
    if steps.ndim != 1 or np.any(np.diff(steps) <= 0) or (steps.size and (steps[0] < 0 or steps[-1] > iterations)):
        raise ValueError(f"steps must be sorted, unique and within 0..{iterations}")
    return w_star, w_start - w_star, steps


@njit(cache=True)
def _run_core(
    rng,
    w_star,
    delta1,
    b,
    eta,
    beta,
    theta,
    attack,
    beta_threshold,
    iterations,
    steps,
    diverged_sq,
    remainder_scale,
    error,
    along,
    diverged_at,
):
    n = w_star.size
    c = eta / b
    norm_star = math.sqrt(_dot(w_star, w_star))
    u = np.zeros(n)
    if norm_star > 0.0:
        for j in range(n):
            u[j] = w_star[j] / norm_star
    v = delta1.copy()
    d1u = _dot(delta1, u)
    for j in range(n):
        v[j] -= d1u * u[j]
    nv = math.sqrt(_dot(v, v))
    if nv > DROP * math.sqrt(_dot(delta1, delta1)) and nv > 0.0:
        for j in range(n):
            v[j] /= nv
    else:  # a rounding-level part has no direction to speak of
        v[:] = 0.0

    delta = np.empty((2, n))
    for a in range(2):
        delta[a, :] = delta1
    err2 = np.empty(2)
    live = np.ones(2, dtype=np.bool_)
    q = np.zeros((3, n))  # the basis, one vector a row; u stays in row 0
    base = 0
    if norm_star > 0.0:
        q[0, :] = u
        base = 1
    coord = np.zeros((2, 3))  # Q^T Delta_a
    z = np.empty((b, 3))
    unif = np.empty(b)
    xi = np.empty(b)  # the attack's magnitude per position, used where alpha_i = 1
    for i in range(b):
        xi[i] = -theta if i % 2 == 0 else theta  # ALTERNATING; RANDOM_SIGN redraws it every step
    attacked = attack != SILENT
    coef = np.empty((2, b))  # r_i, r'_i
    g1 = np.empty(n)
    g2 = np.empty(n)
    qg = np.zeros((2, 3))  # Q^T g1, Q^T g2
    rz = np.zeros((2, 3))  # sum_i r_i z_i per algorithm
    amp = np.zeros((2, 3))  # per algorithm the coefficients of q_0..q_2 in its step
    for a in range(2):
        err2[a] = _dot(delta[a], delta[a])
    k = _check(0, delta, err2, live, u, v, diverged_sq, steps, 0, error, along, diverged_at)
    for t in range(1, iterations + 1):
        if not (live[0] or live[1]):
            break
        dim = base
        coord[:] = 0.0
        for a in range(2):
            if live[a]:
                dim = _add_direction(q, dim, delta[a], err2[a], coord[a])

        for i in range(b):
            for j in range(3):
                z[i, j] = rng.standard_normal()
        if attack != SILENT:
            for i in range(b):
                unif[i] = rng.random()
        if attack == RANDOM_SIGN:
            bits = rng.integers(0, 2, b)  # the stream of b scalar calls, 10 times faster
            for i in range(b):
                xi[i] = theta * (bits[i] * 2.0 - 1.0)

        rz[:] = 0.0
        c11, c12 = 0.0, 0.0
        live0, live1 = live[0], live[1]
        # selects rather than branches: the filters are coin flips a branch predictor cannot learn
        for i in range(b):
            z0, z1, z2 = z[i, 0], z[i, 1], z[i, 2]
            s = norm_star * z0  # u is q[0] when w* != 0, so <w*, x_i> = |w*| z_i0 exactly
            noise = xi[i] if (attacked and s > beta_threshold and unif[i] < beta) else 0.0
            relu_gap = -s if s <= 0.0 else 0.0  # ReLU(s) - s
            y = (s if s > 0.0 else 0.0) + noise
            p0 = coord[0, 0] * z0 + coord[0, 1] * z1 + coord[0, 2] * z2
            p1 = coord[1, 0] * z0 + coord[1, 1] * z1 + coord[1, 2] * z2
            r0 = (relu_gap + noise) - p0 if (live0 and y > theta) else 0.0
            r1 = (relu_gap + noise) - p1 if (live1 and s + p1 > 0.0) else 0.0
            rz[0, 0] += r0 * z0
            rz[0, 1] += r0 * z1
            rz[0, 2] += r0 * z2
            rz[1, 0] += r1 * z0
            rz[1, 1] += r1 * z1
            rz[1, 2] += r1 * z2
            coef[0, i] = r0
            coef[1, i] = r1
            c11 += r0 * r0
            c12 += r0 * r1

        _draw_projected(rng, q, g1, qg[0])
        _draw_projected(rng, q, g2, qg[1])
        l11, l21, l22 = _cholesky(coef, c11, c12)
        l11 *= remainder_scale
        l21 *= remainder_scale
        l22 *= remainder_scale
        # Q (sum r z) + L (g - Q Q^T g): the coefficients of the basis, 0 past dim (rows there are stale)
        for j in range(3):
            used = j < dim
            amp[0, j] = rz[0, j] - l11 * qg[0, j] if used else 0.0
            amp[1, j] = rz[1, j] - l21 * qg[0, j] - l22 * qg[1, j] if used else 0.0
        if live[0]:
            a0, a1, a2 = amp[0, 0], amp[0, 1], amp[0, 2]
            for j in range(n):
                delta[0, j] += c * ((a0 * q[0, j] + a1 * q[1, j] + a2 * q[2, j]) + l11 * g1[j])
            err2[0] = _dot(delta[0], delta[0])
        if live[1]:
            a0, a1, a2 = amp[1, 0], amp[1, 1], amp[1, 2]
            for j in range(n):
                delta[1, j] += c * ((a0 * q[0, j] + a1 * q[1, j] + a2 * q[2, j]) + (l21 * g1[j] + l22 * g2[j]))
            err2[1] = _dot(delta[1], delta[1])
        k = _check(t, delta, err2, live, u, v, diverged_sq, steps, k, error, along, diverged_at)


@njit(cache=True)
def _dot(x, y):
    """x . y in four interleaved partial sums: one running sum waits on the adder's latency at every
    term (fastmath, which would let LLVM reorder, stays off so the result is fixed)."""
    n = x.size
    m = n - n % 4
    s0, s1, s2, s3 = 0.0, 0.0, 0.0, 0.0
    for j in range(0, m, 4):
        s0 += x[j] * y[j]
        s1 += x[j + 1] * y[j + 1]
        s2 += x[j + 2] * y[j + 2]
        s3 += x[j + 3] * y[j + 3]
    for j in range(m, n):
        s0 += x[j] * y[j]
    return (s0 + s1) + (s2 + s3)


@njit(cache=True)
def _add_direction(q, dim, d, d2, coord):
    """Appends to the rows q[:dim] (dim <= 2) the direction of d orthogonal to them and writes d's
    coordinates in the basis into coord; returns the new dimension. d2 = |d|^2.

    Classical Gram-Schmidt twice (one pass loses orthogonality when d is nearly in the span); the two
    passes' projections add up to Q^T d and the residual's norm is d's coordinate on its own new row,
    so the coordinates cost no further pass. Rows 0 and 1 enter every subtraction, with weight 0 when not
    yet in the basis (they then hold a finite stale vector, or the row being written), to keep one loop."""
    n = d.size
    q0 = q[0]
    q1 = q[1]
    row = q[dim]
    p0 = _dot(q0, d) if dim >= 1 else 0.0
    p1 = _dot(q1, d) if dim >= 2 else 0.0
    for j in range(n):
        row[j] = d[j] - p0 * q0[j] - p1 * q1[j]
    s0 = _dot(q0, row) if dim >= 1 else 0.0
    s1 = _dot(q1, row) if dim >= 2 else 0.0
    for j in range(n):
        row[j] -= s0 * q0[j] + s1 * q1[j]
    rest2 = _dot(row, row)
    if dim >= 1:
        coord[0] = p0 + s0
    if dim >= 2:
        coord[1] = p1 + s1
    rest = math.sqrt(rest2)
    if rest == 0.0 or rest <= DROP * math.sqrt(d2) or not math.isfinite(rest):
        row[:] = 0.0  # dropped: d is in the span (to 1e-12)
        return dim
    inv = 1.0 / rest
    for j in range(n):
        row[j] *= inv
    coord[dim] = rest
    return dim + 1


@njit(cache=True)
def _draw_projected(rng, q, g, qg):
    """g ~ N(0, I_n), drawn in order, and qg = (q_0.g, q_1.g, q_2.g) in the same pass."""
    h0, h1, h2 = 0.0, 0.0, 0.0
    for j in range(g.size):
        x = rng.standard_normal()
        g[j] = x
        h0 += q[0, j] * x
        h1 += q[1, j] * x
        h2 += q[2, j] * x
    qg[0] = h0
    qg[1] = h1
    qg[2] = h2


@njit(cache=True)
def _cholesky(coef, c11, c12):
    """The lower Cholesky factor of C = coef coef^T (coef: the rows r, r'), given C11 and C12.

    L22^2 = C22 - C12^2 / C11 is taken as the sum of squares of the residuals of r' regressed on r, the
    same number: the difference C22 - L21^2 cancels (C is singular whenever one sample carries every
    residual, always at b = 1) and leaves sqrt(rounding) ~ 1e-8 |r'| for L22 instead of ~1e-16."""
    l11 = math.sqrt(c11)
    l21 = c12 / l11 if l11 > 0.0 else 0.0
    slope = c12 / c11 if c11 > 0.0 else 0.0
    rest = 0.0
    for i in range(coef.shape[1]):
        e = coef[1, i] - slope * coef[0, i]
        rest += e * e
    return l11, l21, math.sqrt(rest)


@njit(cache=True)
def _check(t, delta, err2, live, u, v, diverged_sq, steps, k, error, along, diverged_at):
    """Divergence at step t and the checkpoint if t is one; returns the index of the next checkpoint.
    A run that diverges at t is recorded at t as it is, NaN from then on (the arrays start as NaN)."""
    if k < steps.size and steps[k] == t:
        for a in range(2):
            if live[a]:
                error[k, a] = math.sqrt(err2[a])
                along[k, a, 0] = _dot(delta[a], u)
                along[k, a, 1] = _dot(delta[a], v)
        k += 1
    for a in range(2):
        if live[a] and not (err2[a] <= diverged_sq and math.isfinite(err2[a])):
            diverged_at[a] = t
            live[a] = False
    return k


def run_reference(
    rng,
    w_star,
    w_start,
    b,
    eta,
    beta,
    theta,
    attack,
    beta_threshold,
    iterations,
    steps,
    diverged_sq,
    *,
    _remainder_scale=1.0,
):
    """`run` written plainly in NumPy, step by step (slow): the same algorithm on the same draws."""
    w_star, delta1, steps = _arguments(w_star, w_start, b, attack, iterations, steps)
    n = w_star.size
    c = eta / b
    error = np.full((steps.size, 2), np.nan)
    along = np.full((steps.size, 2, 2), np.nan)
    diverged_at = np.full(2, -1, dtype=np.int64)
    norm_star = float(np.sqrt(w_star @ w_star))
    u = w_star / norm_star if norm_star > 0.0 else np.zeros(n)
    v = delta1 - (delta1 @ u) * u
    nv = float(np.sqrt(v @ v))
    v = v / nv if nv > 0.0 and nv > DROP * float(np.sqrt(delta1 @ delta1)) else np.zeros(n)
    deltas = [delta1.copy(), delta1.copy()]
    live = [True, True]
    checkpoints = {int(t): k for k, t in enumerate(steps)}

    def check(t):
        for a in range(2):
            e2 = float(deltas[a] @ deltas[a])
            newly = live[a] and not (e2 <= diverged_sq and np.isfinite(e2))
            if newly:
                diverged_at[a] = t
            if t in checkpoints and live[a]:
                error[checkpoints[t], a] = np.sqrt(e2)
                along[checkpoints[t], a] = deltas[a] @ u, deltas[a] @ v
            if newly:
                live[a] = False

    check(0)
    for t in range(1, iterations + 1):
        if not any(live):
            break
        basis = [u] if norm_star > 0.0 else []
        for a in range(2):
            if live[a]:
                rest = deltas[a].copy()
                for _ in range(2):
                    if basis:
                        rest = rest - np.array(basis).T @ (np.array(basis) @ rest)
                norm_rest = float(np.sqrt(rest @ rest))
                if norm_rest > 0.0 and norm_rest > DROP * float(np.sqrt(deltas[a] @ deltas[a])):
                    basis.append(rest / norm_rest)
        q = np.array(basis).reshape(len(basis), n)  # rows
        dim = q.shape[0]

        z = rng.standard_normal((b, 3))[:, :dim]  # drawn 3 a sample whatever dim is
        unif = rng.random(b) if attack != SILENT else np.ones(b)
        signs = rng.integers(0, 2, b) * 2.0 - 1.0 if attack == RANDOM_SIGN else np.ones(b)
        g1 = rng.standard_normal(n)
        g2 = rng.standard_normal(n)

        s = norm_star * z[:, 0] if norm_star > 0.0 else np.zeros(b)
        xi = theta * signs if attack == RANDOM_SIGN else np.where(np.arange(b) % 2 == 0, -theta, theta)
        attacked = (attack != SILENT) & (s > beta_threshold) & (unif < beta)
        noise = np.where(attacked, xi, 0.0)
        y = np.maximum(s, 0.0) + noise
        base = np.where(s <= 0.0, -s, 0.0) + noise  # y - <w*, x>
        coefs = []
        for a in range(2):
            p = z @ (q @ deltas[a]) if live[a] else np.zeros(b)  # a diverged Delta may hold inf
            keep = (y > theta) if a == 0 else (s + p > 0.0)
            coefs.append(np.where(keep & live[a], base - p, 0.0))
        r0, r1 = coefs
        c11, c12 = r0 @ r0, r0 @ r1
        l11 = np.sqrt(c11)
        l21 = c12 / l11 if l11 > 0.0 else 0.0
        slope = c12 / c11 if c11 > 0.0 else 0.0
        l22 = np.sqrt(np.sum((r1 - slope * r0) ** 2))  # = sqrt(C22 - L21^2) without its cancellation
        l11, l21, l22 = (_remainder_scale * f for f in (l11, l21, l22))
        pg1 = g1 - q.T @ (q @ g1)
        pg2 = g2 - q.T @ (q @ g2)
        remainders = (l11 * pg1, l21 * pg1 + l22 * pg2)
        for a in range(2):
            if live[a]:
                deltas[a] = deltas[a] + c * (q.T @ (coefs[a] @ z) + remainders[a])
        check(t)
    return error, along, diverged_at
