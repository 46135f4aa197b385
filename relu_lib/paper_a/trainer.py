"""The run of one paper-A grid cell: every seed and every run, to Parquet.

A cell runs its runs on the same mini-batches (docs/theory.md A.1): Tron from w0 = 0, and Tron and
SGD from a common non-zero start (RUNS); an experiment may add the other algorithms of
update_rule.GATES from the common start (its `algorithms` key, see `runs_for`). Inputs are drawn per
seed from a stream that depends only on (law, d, b, seed): cells that differ only in the attack see the same inputs.

The steps run in one compiled call per seed (relu_lib/paper_a/kernel.py): it draws the seed's inputs
and attack noise from its streams, steps the three runs, finds divergence and epsilon hitting exactly
per step and records the checkpoints. `update_rule.step` is the readable reference the tests hold it
to; this module turns a spec into the kernel's arguments and the result into a table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relu_lib.paper_a import theory
from relu_lib.paper_a.adversaries import make_adversary
from relu_lib.paper_a.laws import Constants, make_law
from relu_lib.paper_a.update_rule import GATES
from relu_lib.seeding import generator, generators

RUNS = (("tron", "zero"), ("tron", "common"), ("sgd", "common"))
DEFAULT_ALGORITHMS = ("tron", "sgd")
DIVERGED = 1e6  # an error this many times the problem's scale (||w*|| + ||w0|| + theta) is divergence
CHUNK_FLOATS = 1 << 12  # inputs drawn per seed and per generator call: amortises the call, chunk stays in cache
BIT_GENERATOR = np.random.SFC64  # of the per-seed input and attack streams


@dataclass
class CellResult:
    """What a cell records, at the checkpoint steps (K of them), per run (A) and seed (R)."""

    steps: np.ndarray  # (K,)
    error: np.ndarray  # (K, A, R)  ||w_t - w*||
    mean_error: np.ndarray  # (K, A)  ||mean over seeds of w_t - w*||
    mean_spread: np.ndarray  # (K, A)  sqrt(tr Cov(w_t) / R): the size of the deviation VECTOR
    #                          mean_R(w_t) - E w_t, not the standard error of mean_error (see checkpoint_statistics)
    along: np.ndarray  # (K, A, R, P)  <w_t - w*, u_p> per seed for the P recorded directions u_p
    diverged_at: np.ndarray  # (A, R) first step with a non-finite or exploding iterate, -1 if none
    hit_step: np.ndarray  # (A, R) first step with ||w_t - w*|| <= epsilon, -1 if never (or no epsilon)
    eta: float
    w_star: np.ndarray
    w_start: np.ndarray
    runs: tuple = RUNS
    directions: np.ndarray | None = None  # (P, d) orthonormal: the u_p of `along`


def runs_for(spec: dict) -> tuple:
    """The runs of a cell: RUNS, then every further algorithm of spec["algorithms"] from the common start."""
    extra = [a for a in spec.get("algorithms", DEFAULT_ALGORITHMS) if a not in DEFAULT_ALGORITHMS]
    return RUNS + tuple((a, "common") for a in extra)


def projection_directions(w_star: np.ndarray, w_start: np.ndarray) -> np.ndarray:
    """An orthonormal basis (2, d) of span(w*, w_0): the plane of every run's start offset, and of
    E w_t - w* for isotropic laws (the mean identity's direction, docs/theory.md A.2)."""
    u1 = w_star / np.linalg.norm(w_star)
    v = w_start - (w_start @ u1) * u1
    if np.linalg.norm(v) <= 1e-12 * np.linalg.norm(w_start):
        return u1[None]
    return np.stack([u1, v / np.linalg.norm(v)])


def checkpoint_statistics(delta: np.ndarray, directions: np.ndarray) -> dict:
    """What a checkpoint records of the iterates delta = w_t - w* (shape (A runs, R seeds, d)).

    mean_error   ||mean_R delta|| per run;
    mean_spread  sqrt(tr Cov_R(delta) / R) per run: the root-mean-square size of the deviation
                 vector mean_R delta - E delta. It is NOT the standard error of mean_error: that
                 is about sqrt(u^T Cov u / R) along the mean's direction u, ~sqrt(d) times smaller
                 for isotropic noise. A test of the mean identity uses `along`;
    along        <delta, u_p> per run, seed and direction (A, R, P): the mean over seeds and its
                 exact standard error along any fixed u_p (or combination) follow from these rows.
    A pure function of the checkpoint's iterates (NaN rows: diverged seeds).
    """
    seeds = delta.shape[1]
    spread = np.sqrt(delta.var(axis=1, ddof=1).sum(axis=-1) / seeds) if seeds > 1 else np.full(delta.shape[0], np.nan)
    return {
        "mean_error": np.linalg.norm(delta.mean(axis=1), axis=-1),
        "mean_spread": spread,
        "along": delta @ directions.T,
    }


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
    """Train every run of the cell described by `spec` (see relu_lib.paper_a.grid)."""
    from relu_lib.paper_a import kernel  # numba: imported by train jobs only, not while the DAG is built

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
    attack_rngs = (
        input_rngs
        if silent
        else generators(
            master,
            "attack",
            law_key,
            b,
            spec["adversary"],
            spec["beta"],
            spec["theta"],
            count=seeds,
            bit_generator=BIT_GENERATOR,
        )
    )  # silent: never drawn from
    law_code, param, mu = kernel.law_arguments(law)
    attack = kernel.SILENT if silent else kernel.ADVERSARIES[spec["adversary"]]
    runs = runs_for(spec)
    directions = projection_directions(w_star, w_start)

    delta0 = np.stack([(w_start if start == "common" else 0.0) - w_star for _, start in runs])  # (A, d)
    gates = kernel.gate_codes([GATES[name] for name, _ in runs], b)
    steps = checkpoints(iterations, spec["checkpoints"]).astype(np.int64)
    scale = spec["w_star_norm"] + spec["start_norm"] + spec["theta"]
    epsilon = spec.get("epsilon")
    error = np.empty((len(steps), len(runs), seeds))
    deltas = np.empty((len(steps), len(runs), seeds, d))
    diverged_at = np.full((len(runs), seeds), -1, dtype=np.int64)
    hit_step = np.full((len(runs), seeds), -1, dtype=np.int64)
    for r in range(seeds):
        kernel.run_seed(
            r,
            input_rngs[r],
            attack_rngs[r],
            law_code,
            param,
            mu,
            attack,
            float(spec["beta"]),
            float(spec["theta"]),
            kernel.floats(adversary.direction),
            kernel.floats(w_star),
            kernel.floats(delta0),
            gates,
            float(eta / b),
            int(b),
            int(chunk_steps(b, d)),
            int(iterations),
            steps,
            float((DIVERGED * scale) ** 2),
            -1.0 if epsilon is None else float(epsilon) ** 2,
            error,
            deltas,
            diverged_at,
            hit_step,
        )
    stats = [checkpoint_statistics(delta, directions) for delta in deltas]  # per checkpoint: (A, R, d)
    return CellResult(
        steps,
        error,
        np.stack([s["mean_error"] for s in stats]),
        np.stack([s["mean_spread"] for s in stats]),
        np.stack([s["along"] for s in stats]),
        diverged_at,
        hit_step,
        eta,
        w_star,
        w_start,
        runs,
        directions,
    )


def conventions(spec: dict, law, adversary, runs) -> dict:
    """Every convention a reader needs to re-simulate the cell from its file (typed values; the
    streams themselves are named in `streams`)."""
    return {
        "w_star": "w_star_norm * u, u uniform on the unit sphere: stream ('w_star', d), standard normal, normalised",
        "w_start": "start_norm * u, stream ('start', d), standard normal, normalised; runs start at w_start "
        "('common') or at 0 ('zero')",
        "inputs": "x drawn per seed r from stream ('inputs', law.describe(), b, r) with bit generator SFC64, in "
        f"chunks of {CHUNK_FLOATS} floats (steps per chunk = max(1, {CHUNK_FLOATS} // (b d))), "
        "row-major (step, sample, coordinate)",
        "attack": "per seed r, stream ('attack', law.describe(), b, adversary, beta, theta, r) with SFC64, one call "
        "per chunk: alpha = U < beta (U uniform, shape (steps, b)), then the adversary's xi",
        "alpha": "drawn per sample (not per mini-batch), independently of x",
        "adversary": adversary.convention,
        "adversary_zero_mean": bool(adversary.zero_mean),
        "xi_second_moment_over_theta2": float(adversary.xi2),
        "law": law.convention() if hasattr(law, "convention") else "",
        "algorithms": {name: GATES[name] for name, _ in runs},
        "checkpoints": "requested count `cell.checkpoints`; recorded steps: 0, round(geomspace(1, T, count)), T "
        "(deduplicated), listed in `recorded_steps`",
        "divergence": f"||w_t - w*||^2 > ({DIVERGED:g} (w_star_norm + start_norm + theta))^2 or non-finite",
        "epsilon_hit": "first step with ||w_t - w*|| <= epsilon",
    }


def train_to_parquet(spec: dict, consts: Constants, path) -> float:
    """Run the cell and write its tidy trajectory table with full provenance metadata.
    Returns the seconds spent in run_cell (the cell's compute, without imports and IO)."""
    from time import perf_counter

    from relu_lib.io import write_table
    from relu_lib.provenance import stamp

    start = perf_counter()
    result = run_cell(spec, consts)
    compute = perf_counter() - start
    write_table(path, result_table(result), cell_metadata(spec, consts, result, stamp(spec, __name__)))
    return compute


def result_table(result: CellResult):
    return trajectory_table(
        result.runs,
        result.steps,
        result.error,
        result.mean_error,
        result.mean_spread,
        result.diverged_at,
        result.hit_step,
        result.along,
    )


def cell_metadata(spec: dict, consts: Constants, result: CellResult, provenance: dict) -> dict:
    """The file's metadata: the cell spec and every derived parameter and convention, typed (numbers as
    numbers: lambda2 = null, not the string "inf", where the fourth moment is infinite)."""
    law = make_law(spec["law"])
    adversary = make_adversary(spec["adversary"], spec["beta"], spec["theta"], result.w_star)
    constants = {k: v for k, v in consts.to_json().items() if k != "sigma"}
    constants["lambda2"] = consts.lambda2 if np.isfinite(consts.lambda2) else None
    constants["fourth_moment_finite"] = consts.fourth_moment_finite
    return {
        "cell": spec,
        "eta": result.eta,
        "iterations": int(result.steps[-1]),
        "recorded_steps": result.steps,
        "requested_checkpoints": int(spec["checkpoints"]),
        "constants": constants,
        "w_star": result.w_star,
        "w_start": result.w_start,
        "v": adversary.direction,
        "law_parameters": law_parameters(law),
        "runs": [{"algorithm": a, "start": s, "gate": GATES[a]} for a, s in result.runs],
        "directions": result.directions,
        "conventions": conventions(spec, law, adversary, result.runs),
        "provenance": provenance,
    }


def law_parameters(law) -> dict:
    """The law's typed parameters, with its derived vectors (the mixture's mean mu)."""
    out = law.describe()
    if hasattr(law, "mu"):
        out["mu"] = law.mu
    return out


TRAJECTORY_COLUMNS = (
    "algorithm",
    "start",
    "seed",
    "step",
    "error",
    "diverged",
    "diverged_at",
    "hit_step",
    "mean_error",
    "mean_spread",
)
# + along_1 .. along_P: <w_t - w*, u_p> per seed, u_p the metadata's `directions`


def trajectory_table(runs, steps, error, mean_error, mean_spread, diverged_at, hit_step, along=None):
    """Tidy rows, one per run x seed x checkpoint step.

    `mean_error` (||mean over seeds of w_t - w*||) and `mean_spread` (sqrt(tr Cov / R), the size of the
    deviation vector, not the standard error of mean_error; see checkpoint_statistics) belong to a run
    and a step; they repeat on the rows of every seed of that run. `along_p` is the seed's own
    <w_t - w*, u_p>. `diverged_at` and `hit_step` (first step with error <= epsilon) belong to a run and
    a seed; null when it never happened.
    Columns are built from their NumPy buffers: pa.array would import pandas (~0.4 s per job).
    """
    import pyarrow as pa

    from relu_lib.io import arrow_column, arrow_labels

    k, a, r = error.shape
    step = np.broadcast_to(steps[:, None, None], (k, a, r))
    run = np.broadcast_to(np.arange(a, dtype=np.int32)[None, :, None], (k, a, r)).ravel()
    seed = np.broadcast_to(np.arange(r, dtype=np.int32)[None, None, :], (k, a, r))
    div_at = np.broadcast_to(diverged_at[None], (k, a, r))
    hits = np.broadcast_to(hit_step[None], (k, a, r)).ravel()
    arrays = [
        arrow_labels([name for name, _ in runs], run),
        arrow_labels([start for _, start in runs], run),
        arrow_column(seed, pa.int32()),
        arrow_column(step, pa.int64()),
        arrow_column(error, pa.float64()),
        arrow_column((div_at >= 0) & (div_at <= step), pa.bool_()),
        arrow_column(div_at, pa.int64(), valid=div_at >= 0),
        arrow_column(hits, pa.int64(), valid=hits >= 0),
        arrow_column(np.broadcast_to(mean_error[:, :, None], (k, a, r)), pa.float64()),
        arrow_column(np.broadcast_to(mean_spread[:, :, None], (k, a, r)), pa.float64()),
    ]
    names = list(TRAJECTORY_COLUMNS)
    for p in range(0 if along is None else along.shape[-1]):
        arrays.append(arrow_column(along[..., p], pa.float64()))
        names.append(f"along_{p + 1}")
    return pa.Table.from_arrays(arrays, names=names)
