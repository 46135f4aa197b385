"""The `tails` experiment's simulation: late ||w_t - w*|| of GLM-Tron and SGD, thinned, over many seeds.

One cell is (law, b, eta fraction) with a zero-mean attack (random_sign). Every seed r runs GLM-Tron and SGD from
w_0 = w* on the same mini-batches, which are those of paper A's trainer for the same (law, b) (seed r's input
stream `generators(master, "inputs", law, b)[r]`, drawn in chunks of trainer.chunk_steps(b, d) steps) and the same
attack stream, so seed r sees the very inputs and labels it sees in paper A's cells. The update is
relu_lib.paper_a.update_rule.step, the readable reference rule, called once per step on every seed at once.

After `burn_in` steps, ||Delta_t|| is recorded every `thin` steps, `samples` times per seed:
t_j = burn_in + j * thin for j = 1..samples. The step size and the thinning follow the prediction's scaling:
for x ~ N(0, sigma^2 I) the far-field map is the map of N(0, I) at step eta sigma^2 (docs/theory.md A.5), so
eta = fraction * eta_edge(b, d) / sigma^2 and thin = ceil(thin_factor / (eta sigma^2)): the autocorrelation of
log||Delta_t|| falls below 0.05 after about 9/eta (GLM-Tron) and 12/eta (SGD) steps at sigma = 1 (measured,
benchmarks/tails_autocorrelation.py), hence thin_factor = 12 by default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from relu_lib.paper_a.adversaries import make_adversary
from relu_lib.paper_a.laws import make_law
from relu_lib.paper_a.streams import BIT_GENERATOR, chunk_steps, unit_vector
from relu_lib.paper_a.update_rule import GATED, step
from relu_lib.seeding import generator

ALGORITHMS = ("glm_tron", "sgd")
COLUMNS = ("algorithm", "seed", "sample", "step", "norm")
MAX_SEED_BLOCK_FLOATS = 1 << 21  # inputs held at once (seeds x chunk x b x d): ~16 MiB


def effective_step(eta: float, sigma: float) -> float:
    """The step of the N(0, I) map equivalent to step eta on N(0, sigma^2 I) inputs: eta sigma^2.

    With x = sigma z, Delta - (eta/b) sum ReLU(<Delta, x>) x = Delta - (eta sigma^2 / b) sum ReLU(<Delta, z>) z.
    """
    return eta * sigma * sigma


def thinning(eta: float, sigma: float, thin_factor: float) -> int:
    """Steps between two recorded iterates: ceil(thin_factor / (eta sigma^2))."""
    return max(1, math.ceil(thin_factor / effective_step(eta, sigma) - 1e-9))


@dataclass
class Schedule:
    """When a cell records: after burn_in steps, every thin steps, samples times."""

    burn_in: int
    thin: int
    samples: int

    @property
    def iterations(self) -> int:
        return self.burn_in + self.thin * self.samples

    @property
    def steps(self) -> np.ndarray:
        """The recorded steps t_1 < ... < t_samples (t_j = burn_in + j thin)."""
        return self.burn_in + self.thin * np.arange(1, self.samples + 1, dtype=np.int64)


def schedule(spec: dict) -> Schedule:
    thin = spec["thin"]
    return Schedule(burn_in=spec["burn_in_lags"] * thin, thin=thin, samples=spec["samples"])


def mini_batches(spec: dict, w_star: np.ndarray, seeds: range, iterations: int):
    """Yield (x, y) per step for the given seeds: x (R, b, d), y (R, b), from paper A's per-seed streams.

    The streams and their chunking are the trainer's (relu_lib.paper_a.trainer.run_cell): the inputs of seed r
    from `generators(master, "inputs", law, b)`, filled chunk_steps(b, d) steps at a time, and the attack noise
    from `generators(master, "attack", law, b, adversary, beta, theta)`, one `adversary.noise` call per chunk.
    """
    law = make_law(spec["law"])
    d, b, master = law.d, spec["b"], spec["master_seed"]
    law_key = law.describe()
    adversary = make_adversary(spec["adversary"], spec["beta"], spec["theta"], w_star)
    # generators(master, parts, count=R)[r] is generator(master, *parts, r): build only the block's streams
    input_rngs = [generator(master, "inputs", law_key, b, r, bit_generator=BIT_GENERATOR) for r in seeds]
    attack_rngs = [
        generator(
            master, "attack", law_key, b, spec["adversary"], spec["beta"], spec["theta"], r, bit_generator=BIT_GENERATOR
        )
        for r in seeds
    ]
    fills = [law.filler(rng) for rng in input_rngs]
    chunk = chunk_steps(b, d)
    buffer = np.empty((len(fills), chunk, b, d))
    for first in range(0, iterations, chunk):
        size = min(chunk, iterations - first)
        x = buffer[:, :size]
        for fill, out in zip(fills, x, strict=False):
            fill(out)
        noise = np.stack([adversary.noise(rng, x[r]) for r, rng in enumerate(attack_rngs)])  # (R, size, b)
        y = np.maximum(x @ w_star, 0.0) + noise
        for j in range(size):
            yield x[:, j], y[:, j]


def simulate(spec: dict, seeds: range | None = None, start: np.ndarray | None = None) -> tuple[np.ndarray, Schedule]:
    """||w_t - w*|| at the recorded steps, shape (algorithm, seed, sample), and the cell's schedule.

    `seeds` (default: all of the cell's) lets a caller run a block of seeds; seed r's numbers do not depend on
    which block it is in. `start` (default w*) is the common w_0 of both algorithms.
    """
    law = make_law(spec["law"])
    d = law.d
    seeds = range(spec["seeds"]) if seeds is None else seeds
    sched = schedule(spec)
    w_star = spec["w_star_norm"] * unit_vector(spec["master_seed"], "w_star", d)
    gated = np.array([GATED[a] for a in ALGORITHMS])
    w = np.empty((len(ALGORITHMS), len(seeds), d))
    w[:] = w_star if start is None else start
    norms = np.empty((len(ALGORITHMS), len(seeds), sched.samples))
    recorded = set(sched.steps.tolist())
    j = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for t, (x, y) in enumerate(mini_batches(spec, w_star, seeds, sched.iterations), start=1):
            step(w, gated, x, y, spec["eta"])
            if t in recorded:
                norms[:, :, j] = np.linalg.norm(w - w_star, axis=-1)
                j += 1
    return norms, sched


def simulate_blocks(spec: dict) -> tuple[np.ndarray, Schedule]:
    """simulate() over blocks of seeds small enough to keep each chunk of inputs in a bounded buffer."""
    law = make_law(spec["law"])
    per_seed = chunk_steps(spec["b"], law.d) * spec["b"] * law.d
    block = max(1, MAX_SEED_BLOCK_FLOATS // per_seed)
    parts = [simulate(spec, range(lo, min(lo + block, spec["seeds"])))[0] for lo in range(0, spec["seeds"], block)]
    return np.concatenate(parts, axis=1), schedule(spec)


def norms_table(norms: np.ndarray, steps: np.ndarray):
    """Tidy rows (algorithm, seed, sample, step, norm), one per algorithm x seed x recorded sample."""
    import pyarrow as pa

    from relu_lib.io import arrow_column, arrow_labels

    a, r, m = norms.shape
    algorithm = np.broadcast_to(np.arange(a, dtype=np.int32)[:, None, None], (a, r, m)).ravel()
    seed = np.broadcast_to(np.arange(r, dtype=np.int32)[None, :, None], (a, r, m))
    sample = np.broadcast_to(np.arange(m, dtype=np.int32)[None, None, :], (a, r, m))
    step_col = np.broadcast_to(steps[None, None, :], (a, r, m))
    return pa.Table.from_arrays(
        [
            arrow_labels(list(ALGORITHMS), algorithm),
            arrow_column(seed, pa.int32()),
            arrow_column(sample, pa.int32()),
            arrow_column(step_col, pa.int64()),
            arrow_column(norms, pa.float64()),
        ],
        names=list(COLUMNS),
    )


def run_to_parquet(spec: dict, path) -> float:
    """Simulate the cell and write its tidy table with the schedule and full provenance. Returns compute seconds."""
    from time import perf_counter

    from relu_lib.io import write_table
    from relu_lib.provenance import stamp

    begin = perf_counter()
    norms, sched = simulate_blocks(spec)
    compute = perf_counter() - begin
    meta = {
        "study": "tails",
        "cell": spec,
        "eta": spec["eta"],
        "effective_eta": effective_step(spec["eta"], spec["law"]["sigma"]),
        "burn_in": sched.burn_in,
        "thin": sched.thin,
        "samples": sched.samples,
        "iterations": sched.iterations,
        "algorithms": list(ALGORITHMS),
        "thin_rule": f"ceil({spec['thin_factor']:g} / (eta sigma^2)): the measured lag where the autocorrelation "
        "of log||Delta_t|| falls below 0.05 is about 9/eta (GLM-Tron) and 12/eta (SGD) "
        "(docs/theory.md A.5)",
        "non_finite": int(np.count_nonzero(~np.isfinite(norms))),
        "provenance": stamp(spec, __name__),
    }
    write_table(path, norms_table(norms, sched.steps), meta)
    return compute


def resimulate(meta: dict):
    """The table a cell file's metadata alone gives (relu_lib.resimulate)."""
    norms, sched = simulate_blocks(meta["cell"])
    return norms_table(norms, sched.steps)
