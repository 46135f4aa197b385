"""The run loop of paper A: one grid cell, every seed and every run at once.

A cell runs three runs on the same mini-batches (MATH.md A.1): Tron from w0 = 0, and Tron and
SGD from a common non-zero start. Inputs are drawn per seed from a stream that depends only on
(law, d, b, seed): cells that differ only in the attack see the same inputs.

Cost (benchmarks/run.py): the step is a b x d matrix-vector product per run and seed, cheap next
to drawing the b x d fresh inputs, so the loop is built to sit on the time of the random draws:
* one generator call per seed per chunk of CHUNK_FLOATS inputs, straight into a preallocated
  buffer (SFC64: the fastest of NumPy's bit generators for normals here);
* labels, attack noise and the step-size scaling done once per chunk, vectorised;
* per step only a fixed handful of NumPy calls on preallocated buffers, none per seed: two
  stacked products (the three runs of a seed are one b x d by d x 3 matrix product) or, for
  b = 1, broadcast products in a seed-last layout where small stacked products cost more;
* the iterates of a block of steps are kept, and divergence and epsilon hitting are found
  exactly per step by one vectorised scan per block instead of a few NumPy calls per step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import theory
from .algorithms import GATED
from .attacks import make_adversary
from .distributions import Constants, make_law
from .seeding import generator, generators

RUNS = (("tron", "zero"), ("tron", "common"), ("sgd", "common"))
DIVERGED = 1e6  # an error this many times the problem's scale (||w*|| + ||w0|| + theta) is divergence
CHUNK_FLOATS = 1 << 12  # inputs drawn per seed and per generator call: amortises the call, chunk stays in cache
BLOCK_FLOATS = 1 << 17  # iterate floats kept between two divergence / epsilon-hitting scans
BIT_GENERATOR = np.random.SFC64  # of the per-seed input and attack streams


@dataclass
class CellResult:
    """What a cell records, at the checkpoint steps (K of them), per run (A) and seed (R)."""

    steps: np.ndarray  # (K,)
    error: np.ndarray  # (K, A, R)  ||w_t - w*||
    mean_error: np.ndarray  # (K, A)  ||mean over seeds of w_t - w*||
    mean_error_se: np.ndarray  # (K, A)  its Monte Carlo standard error
    diverged_at: np.ndarray  # (A, R) first step with a non-finite or exploding iterate, -1 if none
    hit_step: np.ndarray  # (A, R) first step with ||w_t - w*|| <= epsilon, -1 if never (or no epsilon)
    eta: float
    w_star: np.ndarray
    w_start: np.ndarray


def checkpoints(iterations: int, count: int) -> np.ndarray:
    """0, then about `count` log-spaced steps, always ending with the last step."""
    logs = np.geomspace(1, iterations, num=count) if iterations >= 1 else []
    return np.unique(np.concatenate([[0], np.round(logs).astype(np.int64), [iterations]]))


def unit_vector(master_seed: int, name: str, d: int) -> np.ndarray:
    """A direction uniform on the unit sphere, shared by every cell with this d."""
    v = generator(master_seed, name, d).standard_normal(d)
    return v / np.linalg.norm(v)


def step_size(spec: dict, consts: Constants) -> float:
    """An explicit eta if the law sets one, else factor * eta*(b) of bound (A2)."""
    if spec.get("eta") is not None:
        return float(spec["eta"])
    return spec["step_factor"] * theory.optimal_step(consts, spec["b"])


def iteration_count(spec: dict, consts: Constants, eta: float, initial_sq: float) -> int:
    """The cell's iterations: a number, or "auto" = iterations_factor x T(epsilon, delta, b) of
    bound (A2), capped at max_iterations (the cap alone where the bound does not apply)."""
    if spec["iterations"] != "auto":
        return spec["iterations"]
    bound = theory.iterations_to_epsilon(consts, eta, spec["b"], spec["epsilon"], spec["delta"], initial_sq)
    if not np.isfinite(bound):
        return spec["max_iterations"]
    return int(min(spec["max_iterations"], max(1, np.ceil(spec["iterations_factor"] * bound))))


def chunk_steps(b: int, d: int) -> int:
    """Steps per chunk: a function of (b, d) only, so seed r's stream depends on (law, d, b, r)."""
    return max(1, CHUNK_FLOATS // (b * d))


def run_cell(spec: dict, consts: Constants) -> CellResult:
    """Train every run of the cell described by `spec` (see config.paper_a_cells)."""
    law = make_law(spec["law"])
    d, b, seeds = law.d, spec["b"], spec["seeds"]
    master = spec["master_seed"]
    w_star = spec["w_star_norm"] * unit_vector(master, "w_star", d)
    w_start = spec["start_norm"] * unit_vector(master, "start", d)
    eta = step_size(spec, consts)
    initial_sq = max(np.sum(w_star**2), np.sum((w_start - w_star) ** 2))
    iterations = iteration_count(spec, consts, eta, initial_sq)
    adversary = make_adversary(spec["adversary"], spec["beta"], spec["theta"], w_star)
    silent = spec["adversary"] == "none" or spec["beta"] == 0 or spec["theta"] == 0  # alpha xi = 0 always
    law_key = law.describe()
    input_rngs = generators(master, "inputs", law_key, b, count=seeds, bit_generator=BIT_GENERATOR)
    fills = [law.filler(rng) for rng in input_rngs]  # fill(out) = law.sample(rng, ..., out=out)
    attack_rngs = [] if silent else generators(master, "attack", law_key, b, spec["adversary"], spec["beta"],
                                               spec["theta"], count=seeds, bit_generator=BIT_GENERATOR)

    delta0 = np.stack([(w_start if start == "common" else 0.0) - w_star for _, start in RUNS])  # (A, d)
    gated = np.array([GATED[name] for name, _ in RUNS])
    chunk = chunk_steps(b, d)
    block = max(1, BLOCK_FLOATS // (len(RUNS) * seeds * max(b, d)))  # steps between two scans
    kernel = (_OuterKernel if b == 1 else _BatchedKernel)(delta0, w_star, seeds, b, chunk, block, gated, eta / b)
    scale = spec["w_star_norm"] + spec["start_norm"] + spec["theta"]
    record = _Recorder(checkpoints(iterations, spec["checkpoints"]), len(RUNS), seeds, spec.get("epsilon"),
                       (DIVERGED * scale) ** 2)
    record.scan(0, kernel, 0, 1)
    scanned, filled = 0, 0  # steps recorded; steps in the kernel's history since
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for first in range(0, iterations, chunk):
            size = min(chunk, iterations - first)
            x = kernel.inputs(size)  # (R, size, b, d), contiguous
            for fill, out in zip(fills, x):  # one generator call per seed and chunk
                fill(out)
            noise = None if silent else np.stack([adversary.noise(rng, x[r]) for r, rng in enumerate(attack_rngs)])
            kernel.load(x, noise)
            start = 0
            while start < size:  # blocks of steps between two scans, across chunk boundaries
                count = min(block - filled, size - start)
                kernel.run(start, count, filled)
                start, filled = start + count, filled + count
                if filled == block or first + start == iterations:
                    record.scan(scanned, kernel, 1, filled + 1)
                    kernel.roll(filled)
                    scanned, filled = scanned + filled, 0
    return CellResult(record.steps, record.error, record.mean_error, record.mean_error_se,
                      record.diverged_at, record.hit_step, eta, w_star, w_start)


class _Kernel:
    """Steps every run and seed of a cell through a chunk of inputs, a block at a time.

    Iterates are kept as Delta = w - w* in `hist` (block + 1 steps): step j of a block reads
    hist[j] and writes hist[j + 1]. With z = <w*, x> and P = <Delta, x>, so that <w, x> = P + z,
    the residual r = y - ReLU(<w, x>) is y - z - P where P > -z, else y (Tron) or 0 (SGD, whose
    update is gated by 1{<w, x> > 0}), and the update is Delta += (eta/b) sum_i r_i x_i: Tron's
    rule and SGD's of algorithms.step.
    """

    def __init__(self, delta0, w_star, seeds, b, chunk, d):
        self.w_star, self.seeds, self.b, self.d = w_star, seeds, b, d
        self.runs = delta0.shape[0]
        self.buffer = np.empty(seeds * chunk * b * d)
        self.signal = np.empty(seeds * chunk * b)

    def inputs(self, size):
        return self.buffer[: self.seeds * size * self.b * self.d].reshape(self.seeds, size, self.b, self.d)

    def labels(self, x, noise):
        """z = <w*, x> (one matrix-vector product for the chunk) and y = ReLU(z) + alpha xi."""
        seeds, size = x.shape[:2]
        z = self.signal[: seeds * size * self.b]
        np.matmul(x.reshape(-1, self.d), self.w_star, out=z)
        z = z.reshape(seeds, size, self.b)
        y = np.maximum(z, 0.0)
        if noise is not None:
            y += noise
        return y, z

    def roll(self, count):
        self.hist[0] = self.hist[count]


class _BatchedKernel(_Kernel):
    """b > 1, seed-major: per seed, the three runs and the labels are one matrix product with the
    mini-batch, and the update is another.

    hist (block + 1, R, A + 1, d) holds Delta for the A runs and w* in row A, so that
    [Delta; w*] X^T gives P and z together (the inputs are read by the two stacked products of
    each step only), and the update's row A, always 0, leaves w* in place. Per step:
        [P; z] = [Delta; w*] X^T (R, A + 1, b);  y = ReLU(z) + alpha xi;  <w, x> = P + z;
        D = y - ReLU(<w, x>), times 1{<w, x> > 0} for SGD;  Delta' = Delta + c D X.
    """

    def __init__(self, delta0, w_star, seeds, b, chunk, block, gated, c):
        runs, d = delta0.shape
        super().__init__(delta0, w_star, seeds, b, chunk, d)
        self.c = c
        self.hist = np.empty((block + 1, seeds, runs + 1, d))
        self.hist[:, :, runs] = w_star
        self.hist[0, :, :runs] = delta0
        self.views = list(zip(self.hist[:-1], self.hist[1:]))
        self.both = np.empty((seeds, runs + 1, b))  # [P; z]
        self.pred, self.signal = self.both[:, :runs], self.both[:, runs:]
        self.inner = np.empty((seeds, runs, b))  # <w, x>
        self.label = np.empty((seeds, 1, b))
        self.resid = np.zeros((seeds, runs + 1, b))  # row A stays 0
        self.resid_runs = self.resid[:, :runs]
        gated_rows = np.flatnonzero(gated)
        self.gated = slice(gated_rows[0], gated_rows[-1] + 1) if len(gated_rows) else slice(0, 0)
        assert gated_rows.tolist() == list(range(runs))[self.gated], "gated runs must be contiguous"
        self.off = np.empty((seeds, len(gated_rows), b), dtype=bool)

    def load(self, x, noise):
        self.x = x
        self.noise = None if noise is None else noise[:, :, None, :]  # (R, S, 1, b)

    def run(self, start, count, at):
        """Steps start .. start + count - 1 of the loaded chunk, from hist[at] to hist[at + count]."""
        pred, signal, inner, label, off, c = self.pred, self.signal, self.inner, self.label, self.off, self.c
        both, resid, resid_runs = self.both, self.resid, self.resid_runs
        inner_gated, resid_gated = inner[:, self.gated], resid[:, self.gated]
        matmul, maximum, subtract, less_equal, copyto, multiply, add = (np.matmul, np.maximum, np.subtract,
                                                                         np.less_equal, np.copyto, np.multiply, np.add)
        end = start + count
        noise = None if self.noise is None else self.noise[:, start:end].transpose(1, 0, 2, 3)
        for k, (x, (w, w_next)) in enumerate(zip(self.x[:, start:end].transpose(1, 0, 2, 3),
                                                 self.views[at : at + count])):
            matmul(w, x.transpose(0, 2, 1), both)
            maximum(signal, 0.0, out=label)
            if noise is not None:
                add(label, noise[k], label)
            add(pred, signal, inner)
            maximum(inner, 0.0, out=resid_runs)
            subtract(label, resid_runs, resid_runs)
            less_equal(inner_gated, 0.0, off)
            copyto(resid_gated, 0.0, where=off)
            multiply(resid, c, resid)
            matmul(resid, x, w_next)  # row A: 0, then + w*
            add(w_next, w, w_next)

    def err2(self, lo, hi):
        """||w_j - w*||^2 for j in [lo, hi), shape (hi - lo, A, R)."""
        h = self.hist[lo:hi, :, : self.runs]
        return np.vecdot(h, h).transpose(0, 2, 1)

    def delta(self, j):
        return self.hist[j, :, : self.runs].transpose(1, 0, 2)  # (A, R, d)

    def freeze(self, j, mask):
        self.hist[j, :, : self.runs][mask.T] = np.nan


class _OuterKernel(_Kernel):
    """b = 1: every array flat over (run, seed) = A R, so each call runs over long rows.

    hist (block + 1, d, A R). A block's inputs are copied once per run and scaled by sqrt(c)
    (c = eta / b), as are y and z, so that D = sqrt(c) r and the update Delta' = Delta + D x
    needs no scaling: sqrt(c) r sqrt(c) x = c r x. P = sum_d Delta x is one product and one
    reduction over d. Stacked small products would cost more here.
    """

    def __init__(self, delta0, w_star, seeds, b, chunk, block, gated, c):
        runs, d = delta0.shape
        super().__init__(delta0, w_star, seeds, b, chunk, d)
        self.root_c = np.sqrt(c)
        self.hist = np.empty((block + 1, d, runs * seeds))
        self.hist[0] = np.repeat(delta0.T, seeds, axis=1)
        self.tron_c = self.root_c * (~gated).astype(float)[:, None]  # (A, 1)
        self.prod = np.empty((d, runs * seeds))
        self.pred = np.empty(runs * seeds)
        self.resid = np.empty(runs * seeds)
        self.off = np.empty(runs * seeds, dtype=bool)
        self.views = list(zip(self.hist[:-1], self.hist[1:]))
        self.xt = np.empty((block, d, seeds))
        self.xr = np.empty((block, d, runs, seeds))
        self.aux = np.empty((3, block, runs, seeds))

    def load(self, x, noise):
        self.y, self.z = self.labels(x, noise)
        self.x = x

    def run(self, start, count, at):
        """Steps start .. start + count - 1 of the loaded chunk, from hist[at] to hist[at + count]."""
        end, runs, seeds = start + count, self.runs, self.seeds
        xt, xr, aux = self.xt[:count], self.xr[:count], self.aux[:, :count]
        np.multiply(self.x[:, start:end, 0, :].transpose(1, 2, 0), self.root_c, out=xt)  # (n, d, R)
        np.copyto(xr, xt[:, :, None, :])  # (n, d, A, R): a gather, then contiguous copies
        y, z = self.y[:, start:end, 0].T[:, None, :], self.z[:, start:end, 0].T[:, None, :]  # (n, 1, R)
        np.subtract(y, z, out=aux[0])
        aux[0] *= self.root_c  # gap = sqrt(c) (y - z)
        np.multiply(z, -self.root_c, out=aux[1])  # floor = -sqrt(c) z
        np.multiply(y, self.tron_c, out=aux[2])  # fallback = sqrt(c) y (Tron), 0 (SGD)
        xr, aux = xr.reshape(count, -1, runs * seeds), aux.reshape(3, count, runs * seeds)
        prod, pred, resid, off = self.prod, self.pred, self.resid, self.off
        multiply, add, add_reduce, subtract, less_equal, copyto = (np.multiply, np.add, np.add.reduce, np.subtract,
                                                                   np.less_equal, np.copyto)
        for x, gap, floor, y_off, (w, w_next) in zip(xr, aux[0], aux[1], aux[2], self.views[at : at + count]):
            multiply(w, x, prod)
            add_reduce(prod, 0, None, pred)  # row by row (not BLAS: its order could depend on the column)
            subtract(gap, pred, resid)
            less_equal(pred, floor, off)
            copyto(resid, y_off, where=off)
            multiply(resid, x, prod)
            add(w, prod, w_next)

    def err2(self, lo, hi):
        h = np.square(self.hist[lo:hi])
        return np.add.reduce(h, axis=1).reshape(hi - lo, self.runs, self.seeds)  # row by row: the same
        # order of additions for every column, so that seed r's numbers do not depend on R

    def delta(self, j):
        return self.hist[j].reshape(-1, self.runs, self.seeds).transpose(1, 2, 0)  # (A, R, d)

    def freeze(self, j, mask):
        self.delta(j)[mask] = np.nan


class _Recorder:
    """Finds divergence and epsilon hitting exactly per step and keeps the checkpoint statistics.

    Scans the iterates of a block of steps at once. A run that diverges inside a block keeps
    stepping (overflow warnings off) until the block ends, then is frozen at NaN; every statistic
    after its divergence step reads NaN, as if it had been frozen at once.
    """

    def __init__(self, steps, runs, seeds, epsilon, diverged_sq):
        self.steps, self.diverged_sq = steps, diverged_sq
        self.epsilon_sq = -1.0 if epsilon is None else epsilon**2
        self.hit_step = np.full((runs, seeds), -1, dtype=np.int64)
        self.error = np.empty((len(steps), runs, seeds))
        self.mean_error = np.empty((len(steps), runs))
        self.mean_error_se = np.empty((len(steps), runs))
        self.diverged_at = np.full((runs, seeds), -1, dtype=np.int64)
        self.any_diverged, self.all_hit = False, epsilon is None
        self.next = 0  # index of the next checkpoint

    def scan(self, t0, kernel, lo, hi) -> None:
        """Record the iterates hist[lo:hi] of `kernel`, which are those of steps t0 + lo .. t0 + hi - 1."""
        err2 = kernel.err2(lo, hi)  # (n, A, R) squared errors ||w - w*||^2
        first_step = t0 + lo
        if not err2.max() <= self.diverged_sq:  # NaN or too large somewhere (rare)
            exploded = ~(err2 <= self.diverged_sq)
            newly = exploded.any(axis=0) & (self.diverged_at < 0)
            if newly.any():
                self.diverged_at[newly] = first_step + exploded.argmax(axis=0)[newly]
                self.any_diverged = True
                kernel.freeze(hi - 1, self.diverged_at >= 0)  # the iterate the next block starts from
        if not self.all_hit and np.fmin.reduce(err2, axis=None) <= self.epsilon_sq:  # fmin: NaN (frozen) ignored
            hit = err2 <= self.epsilon_sq
            at = first_step + hit.argmax(axis=0)
            new = hit.any(axis=0) & (self.hit_step < 0)
            if self.any_diverged:
                new &= (self.diverged_at < 0) | (at < self.diverged_at)
            self.hit_step[new] = at[new]
            self.all_hit = bool((self.hit_step >= 0).all())
        while self.next < len(self.steps) and self.steps[self.next] < t0 + hi:
            self._checkpoint(self.next, int(self.steps[self.next]), kernel.delta(self.steps[self.next] - t0),
                             err2[self.steps[self.next] - first_step])
            self.next += 1

    def _checkpoint(self, k, t, delta, err2):
        self.error[k] = np.sqrt(err2)
        if self.any_diverged:
            gone = (self.diverged_at >= 0) & (self.diverged_at < t)  # frozen at NaN before step t
            delta = delta.copy()
            delta[gone] = np.nan
            self.error[k][gone] = np.nan
        seeds = delta.shape[1]
        self.mean_error[k] = np.linalg.norm(delta.mean(axis=1), axis=-1)
        self.mean_error_se[k] = np.sqrt(delta.var(axis=1, ddof=1).sum(axis=-1) / seeds) if seeds > 1 else np.nan


def train_to_parquet(spec: dict, consts: Constants, path) -> float:
    """Run the cell and write its tidy trajectory table with full provenance metadata.
    Returns the seconds spent in run_cell (the cell's compute, without imports and IO)."""
    from time import perf_counter

    from .io import trajectory_table, write_table
    from .provenance import stamp

    start = perf_counter()
    result = run_cell(spec, consts)
    compute = perf_counter() - start
    table = trajectory_table(RUNS, result.steps, result.error, result.mean_error, result.mean_error_se,
                             result.diverged_at, result.hit_step)
    constants = {k: v for k, v in consts.to_json().items() if k != "sigma"}
    write_table(path, table, {"cell": spec, "eta": result.eta, "iterations": int(result.steps[-1]),
                              "constants": constants,
                              "w_star": result.w_star, "w_start": result.w_start,
                              "provenance": stamp(spec)})
    return compute
