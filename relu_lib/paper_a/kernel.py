"""Paper A's full-draw step loop, one compiled call per run (relu_lib.paper_a.trainer calls it): the reference
sampler for every input law (relu_lib.paper_a.projected is the exact-in-law shortcut for Gaussian inputs).

Per seed, one numba-compiled call (`@njit(cache=True)`, fastmath off) draws the seed's inputs and
attack noise, computes the labels, steps the algorithms, checks divergence and epsilon hitting after
every step and records the checkpoints: no per-step Python, hence no per-call floor of NumPy.

Random numbers: numba runs NumPy's own algorithms (ziggurat normals, Lemire integers, ...) on the
Generator's own bit generator, so the kernel draws from the seed's Generator(SFC64) streams exactly
what the laws' NumPy fillers (laws.py) and the adversaries' `noise` (adversaries.py) draw, in the same
order (tests/paper_a/test_kernel.py checks every law and adversary bit for bit):
* inputs, per chunk of chunk_steps(b, d) steps, in C order (step, row, coordinate):
  normal: standard_normal (times sigma); laplace: laplace(0, scale); uniform: random, then
  u * (2 h) - h; student_t: standard_t(nu); mixture: the chunk's normals, then integers(0, 2) per
  row for the sign, x += s mu;
* attack noise, per chunk from the seed's attack stream (none drawn for a silent attack):
  random for alpha ~ Bernoulli(beta) for the whole chunk, then the adversary's magnitudes
  (random_sign: integers(0, 2), uniform: random, for the whole chunk; alternating and aligned draw
  nothing).
Only the mixture and the attacks depend on the chunk length (the order of their two kinds of
draws); it is chunk_steps(b, d), a function of (b, d) only.

Arithmetic: with Delta = w - w*, z = <w*, x>, P = <Delta, x>, a run's residual on row i is
D_i of update_rule (Algorithm 2: y_i - P_i - z_i where y_i > theta, else 0; S.G.D.: the same where
P_i + z_i > 0) and Delta += sum_i (eta/b D_i) x_i: update_rule.step. Sums run in a fixed order (over
coordinates, then rows), without reassociation,
so a seed's numbers depend neither on R nor on the cache or the machine's vector width.

Statistics: the kernel writes each seed's error and Delta at the K checkpoints into arrays of shape
(K, A, R) and (K, A, R, d); the trainer takes its per-checkpoint statistics over seeds from them
(trainer.checkpoint_statistics)
(two-pass variance). K A R d floats are small (60 x 3 x 64 x 100 doubles = 9 MB for the largest
default cell), exact, and keep the seeds independent of each other.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# law families and adversaries, as the kernel knows them
NORMAL, LAPLACE, UNIFORM, STUDENT_T, MIXTURE, SHIFTED_NORMAL, EXPONENTIAL = range(7)
LAWS = {
    "normal": (NORMAL, "sigma"),
    "laplace": (LAPLACE, "scale"),
    "uniform": (UNIFORM, "half_width"),
    "student_t": (STUDENT_T, "nu"),
    "mixture": (MIXTURE, "mean_norm"),
    "shifted_normal": (SHIFTED_NORMAL, "shift"),
    "exponential": (EXPONENTIAL, "scale"),
}
SILENT, RANDOM_SIGN, ALTERNATING, ALIGNED, UNIFORM_XI = range(5)
ADVERSARIES = {"random_sign": RANDOM_SIGN, "alternating": ALTERNATING, "aligned": ALIGNED, "uniform": UNIFORM_XI}
# the residual gates of update_rule: Algorithm 2's label filter 1{y_i > theta}, S.G.D.'s own 1{<w, x_i> > 0},
# and none (the mini-batch GLM-Tron of the heavy-tail study)
GATE_FILTER, GATE_OWN, GATE_NONE = range(3)
GATES = {"alg2": GATE_FILTER, "sgd": GATE_OWN, "glm_tron": GATE_NONE}


def gate_codes(algorithms) -> np.ndarray:
    """The kernel's gate codes of the runs' algorithm names."""
    return np.array([GATES[name] for name in algorithms], dtype=np.int64)


def law_arguments(law) -> tuple[int, float, np.ndarray]:
    """(code, parameter, mu) of a law for the kernel; mu is the mixture's mean, else zeros."""
    if law.family not in LAWS:
        raise NotImplementedError(
            f"no compiled sampler for the law family {law.family!r}: add it to "
            f"relu_lib.paper_a.kernel (_fill_inputs) with the same draws as its Law"
        )
    code, name = LAWS[law.family]
    mu = law.mu if code in (MIXTURE, SHIFTED_NORMAL) else np.zeros(law.d)
    return code, float(getattr(law, name)), floats(mu)


def floats(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64)


def draw_inputs(law, rng: np.random.Generator, out: np.ndarray) -> np.ndarray:
    """The kernel's input draws for one chunk, into `out` (shape (steps, b, d), C-contiguous):
    what law.filler(rng)(out) draws, by the compiled sampler (for tests and benchmarks)."""
    code, param, mu = law_arguments(law)
    _fill_inputs(rng, code, param, mu, out)
    return out


def draw_noise(adversary, rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """The kernel's attack noise for one chunk of inputs x (steps, b, d): adversary.noise(rng, x)."""
    noise = np.empty(x.shape[:-1])
    _fill_noise(
        rng, ADVERSARIES[adversary.name], adversary.beta, adversary.theta, floats(adversary.direction), x, noise
    )
    return noise


@njit(cache=True)
def _fill_inputs(rng, law, param, mu, x):
    """One chunk of inputs x (steps, b, d), drawn as the law's NumPy filler draws them."""
    n, b, d = x.shape
    if law in (NORMAL, MIXTURE, SHIFTED_NORMAL):
        for i in range(n):
            for k in range(b):
                for j in range(d):
                    x[i, k, j] = rng.standard_normal()
        if law == NORMAL and param != 1.0:
            for i in range(n):
                for k in range(b):
                    for j in range(d):
                        x[i, k, j] *= param
        if law == MIXTURE:
            for i in range(n):
                for k in range(b):
                    sign = rng.integers(0, 2) * 2.0 - 1.0
                    for j in range(d):
                        x[i, k, j] += sign * mu[j]
        if law == SHIFTED_NORMAL:
            for i in range(n):
                for k in range(b):
                    for j in range(d):
                        x[i, k, j] += mu[j]
    elif law == EXPONENTIAL:
        for i in range(n):
            for k in range(b):
                for j in range(d):
                    x[i, k, j] = param * (rng.standard_exponential() - 1.0)
    elif law == LAPLACE:
        for i in range(n):
            for k in range(b):
                for j in range(d):
                    x[i, k, j] = rng.laplace(0.0, param)
    elif law == UNIFORM:
        width = 2.0 * param
        for i in range(n):
            for k in range(b):
                for j in range(d):
                    x[i, k, j] = rng.random() * width - param
    elif law == STUDENT_T:
        for i in range(n):
            for k in range(b):
                for j in range(d):
                    x[i, k, j] = rng.standard_t(param)


@njit(cache=True)
def _fill_noise(rng, adversary, beta, theta, direction, x, noise):
    """alpha xi for a chunk of inputs x (steps, b, d) into noise (steps, b), drawn as
    attacks.Adversary.noise draws: alpha for the whole chunk, then the magnitudes."""
    n, b, d = x.shape
    for i in range(n):
        for k in range(b):
            noise[i, k] = 1.0 if rng.random() < beta else 0.0  # alpha
    for i in range(n):
        for k in range(b):
            if adversary == RANDOM_SIGN:
                xi = theta * (rng.integers(0, 2) * 2.0 - 1.0)
            elif adversary == ALTERNATING:
                xi = -theta if k % 2 == 0 else theta
            elif adversary == UNIFORM_XI:
                xi = theta * (2.0 * rng.random() - 1.0)
            else:  # ALIGNED: theta sign(<v, x>)
                s = 0.0
                for j in range(d):
                    s += x[i, k, j] * direction[j]
                xi = theta * (1.0 if s > 0.0 else (-1.0 if s < 0.0 else s))  # np.sign: 0 and NaN kept
            noise[i, k] = xi if noise[i, k] != 0.0 else 0.0


@njit(cache=True)
def run_seed(
    r,
    rng_in,
    rng_att,
    law,
    param,
    mu,
    adversary,
    beta,
    theta,
    direction,
    w_star,
    delta0,
    gated,
    c,
    level,
    b,
    chunk,
    iterations,
    steps,
    diverged_sq,
    epsilon_sq,
    error,
    deltas,
    diverged_at,
    hit_step,
):
    """Seed r of a cell: every step of its A runs, into column r of the output arrays."""
    runs, d = delta0.shape
    x = np.empty((chunk, b, d))
    xt = np.empty((chunk, d, b))  # x transposed (b > 1)
    z = np.empty((chunk, b))
    y = np.empty((chunk, b))
    noise = np.zeros((chunk, b))
    delta = delta0.copy()
    pred = np.empty(b)
    coef = np.empty(b)
    update = np.empty(d)
    err2 = np.empty(runs)
    live = np.ones(runs, dtype=np.bool_)
    newly = np.zeros(runs, dtype=np.bool_)
    for a in range(runs):
        s = 0.0
        for j in range(d):
            s += delta[a, j] * delta[a, j]
        err2[a] = s
    k = _check(0, r, delta, err2, live, newly, steps, 0, diverged_sq, epsilon_sq, error, deltas, diverged_at, hit_step)
    for first in range(0, iterations, chunk):
        if k == steps.size:
            break  # every run diverged: the rest is NaN already
        size = min(chunk, iterations - first)
        xs = x[:size]
        _fill_inputs(rng_in, law, param, mu, xs)
        if adversary != SILENT:
            _fill_noise(rng_att, adversary, beta, theta, direction, xs, noise[:size])
        if b == 1 and runs == 2:
            k = _steps_single(
                first,
                size,
                r,
                x,
                noise,
                w_star,
                delta,
                gated,
                c,
                level,
                err2,
                live,
                newly,
                steps,
                k,
                diverged_sq,
                epsilon_sq,
                error,
                deltas,
                diverged_at,
                hit_step,
            )
        else:
            k = _steps_rows(
                first,
                size,
                r,
                x,
                xt,
                z,
                y,
                pred,
                coef,
                update,
                noise,
                w_star,
                delta,
                gated,
                c,
                level,
                err2,
                live,
                newly,
                steps,
                k,
                diverged_sq,
                epsilon_sq,
                error,
                deltas,
                diverged_at,
                hit_step,
            )


@njit(cache=True)
def _steps_rows(
    first,
    size,
    r,
    x,
    xt,
    z,
    y,
    pred,
    coef,
    update,
    noise,
    w_star,
    delta,
    gated,
    c,
    level,
    err2,
    live,
    newly,
    steps,
    k,
    diverged_sq,
    epsilon_sq,
    error,
    deltas,
    diverged_at,
    hit_step,
):
    """Steps first + 1 .. first + size of a seed with b > 1 rows per mini-batch, on the drawn
    chunk x[:size]; returns the index of the next checkpoint (len(steps): every run diverged)."""
    runs, d = delta.shape
    b = x.shape[1]
    for i in range(size):  # x transposed, so that products over the coordinates run along b-long rows
        for j in range(d):
            for q in range(b):
                xt[i, j, q] = x[i, q, j]
    for i in range(size):  # z = <w*, x> and y = ReLU(z) + alpha xi
        for q in range(b):
            z[i, q] = 0.0
        for j in range(d):
            wj = w_star[j]
            for q in range(b):
                z[i, q] += wj * xt[i, j, q]
        for q in range(b):
            y[i, q] = (z[i, q] if z[i, q] > 0.0 else 0.0) + noise[i, q]
    event = False  # a divergence or a first hit at this step
    for i in range(size):
        for a in range(runs):
            if not live[a]:
                continue
            for q in range(b):
                pred[q] = 0.0
            for j in range(d):  # P = <Delta, x> per row, each a sum over j in order
                da = delta[a, j]
                for q in range(b):
                    pred[q] += da * xt[i, j, q]
            for q in range(b):
                coef[q] = _coefficient(pred[q] + z[i, q], y[i, q], gated[a], c, level)
            for j in range(d):  # sum_q coef_q x_q, in the order of q
                update[j] = coef[0] * x[i, 0, j]
            for q in range(1, b):
                cq = coef[q]
                for j in range(d):
                    update[j] += cq * x[i, q, j]
            s = 0.0
            for j in range(d):
                v = delta[a, j] + update[j]
                delta[a, j] = v
                s += v * v
            err2[a] = s
            if not s <= diverged_sq or (s <= epsilon_sq and hit_step[a, r] < 0):
                event = True
        t = first + i + 1
        if event or steps[k] == t:  # else _check would change nothing
            event = False
            k = _check(
                t, r, delta, err2, live, newly, steps, k, diverged_sq, epsilon_sq, error, deltas, diverged_at, hit_step
            )
            if k == steps.size:
                break
    return k


@njit(cache=True)
def _steps_single(
    first,
    size,
    r,
    x,
    noise,
    w_star,
    delta,
    gated,
    c,
    level,
    err2,
    live,
    newly,
    steps,
    k,
    diverged_sq,
    epsilon_sq,
    error,
    deltas,
    diverged_at,
    hit_step,
):
    """As _steps_rows for b = 1 and two runs, fused in each loop over the coordinates (two independent sums
    in flight instead of one: the same order per sum)."""
    d = delta.shape[1]
    event = False
    for i in range(size):
        zz, s0, s1 = 0.0, 0.0, 0.0
        for j in range(d):
            xj = x[i, 0, j]
            zz += w_star[j] * xj
            s0 += delta[0, j] * xj
            s1 += delta[1, j] * xj
        yy = (zz if zz > 0.0 else 0.0) + noise[i, 0]
        c0 = _coefficient(s0 + zz, yy, gated[0], c, level)
        c1 = _coefficient(s1 + zz, yy, gated[1], c, level)
        e0, e1 = 0.0, 0.0
        for j in range(d):
            xj = x[i, 0, j]
            v0 = delta[0, j] + c0 * xj
            v1 = delta[1, j] + c1 * xj
            delta[0, j] = v0
            delta[1, j] = v1
            e0 += v0 * v0
            e1 += v1 * v1
        err2[0], err2[1] = e0, e1  # a diverged run steps on NaN, unrecorded
        for a in range(2):
            if live[a] and (not err2[a] <= diverged_sq or (err2[a] <= epsilon_sq and hit_step[a, r] < 0)):
                event = True
        t = first + i + 1
        if event or steps[k] == t:
            event = False
            k = _check(
                t, r, delta, err2, live, newly, steps, k, diverged_sq, epsilon_sq, error, deltas, diverged_at, hit_step
            )
            if k == steps.size:
                break
    return k


@njit(cache=True)
def _coefficient(inner, y, gate, c, level):
    """(eta/b) D for a row with <w, x> = inner (update_rule.residuals): Algorithm 2 keeps rows with y > level,
    S.G.D. rows with inner > 0 (both with the linear residual y - inner), GLM-Tron every row with y - ReLU(inner)."""
    if gate == GATE_FILTER:
        return c * (y - inner) if y > level else 0.0
    if gate == GATE_OWN:
        return c * (y - inner) if inner > 0.0 else 0.0
    return c * (y - (0.0 if inner <= 0.0 else inner))


@njit(cache=True)
def _check(t, r, delta, err2, live, newly, steps, k, diverged_sq, epsilon_sq, error, deltas, diverged_at, hit_step):
    """Divergence and epsilon hitting at step t, the checkpoint if t is one; returns the index of
    the next checkpoint, or len(steps) once every run has diverged (the rest then set to NaN).
    A run that diverges at t is recorded at t as it is, and NaN from t + 1 on."""
    runs, d = delta.shape
    any_newly = False
    for a in range(runs):
        newly[a] = False
        if live[a]:
            if not err2[a] <= diverged_sq:
                diverged_at[a, r] = t
                newly[a] = True
                any_newly = True
            elif err2[a] <= epsilon_sq and hit_step[a, r] < 0:
                hit_step[a, r] = t
    if k < steps.size and steps[k] == t:
        for a in range(runs):
            if live[a]:
                error[k, a, r] = math.sqrt(err2[a])
                for j in range(d):
                    deltas[k, a, r, j] = delta[a, j]
            else:
                error[k, a, r] = np.nan
                for j in range(d):
                    deltas[k, a, r, j] = np.nan
        k += 1
    if any_newly:
        alive = 0
        for a in range(runs):
            if newly[a]:
                live[a] = False
                err2[a] = np.nan
                for j in range(d):
                    delta[a, j] = np.nan
            alive += live[a]
        if alive == 0:
            for kk in range(k, steps.size):
                for a in range(runs):
                    error[kk, a, r] = np.nan
                    for j in range(d):
                        deltas[kk, a, r, j] = np.nan
            k = steps.size
    return k
