"""The run of one paper-A cell: Algorithm 2 and S.G.D. on the same mini-batches, every run, to Parquet.

Run r draws its own w* and start w_1 (N(0, scale^2 I_n) each, `streams.start`; a `fixed` cell shares one pair),
then both algorithms step from w_1 on the same inputs and labels. Two samplers, chosen per cell:
* `full` (relu_lib.paper_a.kernel): every x_i drawn, for every law: the reference;
* `projected` (relu_lib.paper_a.projected): for N(0, I_n) inputs, the same law of the whole trajectory from
  the inputs' components in the span of w* and the iterates plus one Gaussian remainder per step.
A run records, at `checkpoints` evenly spaced steps (0 = the start), ||Delta_t|| and the two coordinates of
Delta_t = w_t - w* along u = w*/||w*|| and along v, the unit vector of Delta_0's part orthogonal to u: the
plane in which the exact mean of Algorithm 2 moves for Gaussian inputs (docs/theory.md).

This module is what a train job imports: no theory, summary, check or figure code (tests/core/test_layout.py).
"""

from __future__ import annotations

import math

import numpy as np

from relu_lib.paper_a.cell import ALGORITHMS, CellSpec
from relu_lib.paper_a.laws import make_law
from relu_lib.paper_a.streams import BIT_GENERATOR, attack_stream, chunk_steps, input_stream, start
from relu_lib.seeding import generator

DIVERGED = 1e6  # an error this many times the problem's scale (||w*|| + ||w_1|| + theta) is divergence
COLUMNS = ("algorithm", "run", "step", "error", "along_u", "along_v", "w_star_norm", "diverged")


# recorded steps fall on round numbers (the paper's figures are read at t = 500, 1000, 2000, 4000)
NICE_STRIDES = (1, 2, 5, 10, 20, 25, 50)


def recorded_steps(spec: CellSpec) -> np.ndarray:
    """Every `stride`-th step, 0 and the last included: stride the smallest of 1, 2, 5, 10, 20, 25, 50, 100, ...
    (NICE_STRIDES times powers of ten) that keeps the count within `checkpoints`."""
    wanted = spec.iterations / max(spec.checkpoints - 1, 1)
    stride = next(m * 10**e for e in range(20) for m in NICE_STRIDES if m * 10**e >= wanted)
    return np.unique(np.append(np.arange(0, spec.iterations + 1, stride, dtype=np.int64), spec.iterations))


def starts(spec: CellSpec) -> list[tuple[np.ndarray, np.ndarray]]:
    """(w*, w_1) of every run."""
    if spec.start == "fixed":
        return [start(spec.master_seed, spec.n, None, spec.w_star_scale, spec.start_scale)] * spec.runs
    return [start(spec.master_seed, spec.n, r, spec.w_star_scale, spec.start_scale) for r in range(spec.runs)]


def basis(w_star: np.ndarray, w_start: np.ndarray) -> np.ndarray:
    """(2, n): u = w*/||w*|| and v, the unit vector of (w_1 - w*)'s part orthogonal to u (0 if there is none)."""
    u = w_star / np.linalg.norm(w_star)
    delta = w_start - w_star
    q = delta - (delta @ u) * u
    norm = np.linalg.norm(q)
    return np.stack([u, q / norm if norm > 1e-12 * max(np.linalg.norm(delta), 1e-300) else np.zeros_like(u)])


def divergence_level(spec: CellSpec, w_star: np.ndarray, w_start: np.ndarray) -> float:
    scale = np.linalg.norm(w_star) + np.linalg.norm(w_start) + spec.theta
    return float((DIVERGED * scale) ** 2)


def run_cell(spec: CellSpec) -> dict:
    """Every run of the cell: {'steps' (K,), 'error', 'along_u', 'along_v' (K, 2, R), 'w_star_norm' (R,),
    'diverged_at' (2, R)}."""
    steps = recorded_steps(spec)
    runner = _run_projected if spec.sampler == "projected" else _run_full
    out = {key: np.empty((steps.size, len(ALGORITHMS), spec.runs)) for key in ("error", "along_u", "along_v")}
    out["w_star_norm"] = np.empty(spec.runs)
    out["diverged_at"] = np.empty((len(ALGORITHMS), spec.runs), dtype=np.int64)
    for r, (w_star, w_start) in enumerate(starts(spec)):
        error, along, diverged_at = runner(spec, r, w_star, w_start, steps)
        out["error"][:, :, r], out["along_u"][:, :, r], out["along_v"][:, :, r] = error, along[..., 0], along[..., 1]
        out["w_star_norm"][r] = np.linalg.norm(w_star)
        out["diverged_at"][:, r] = diverged_at
    out["steps"] = steps
    return out


def _attack_code(spec: CellSpec) -> int:
    from relu_lib.paper_a import kernel

    if not spec.attacked:
        return kernel.SILENT
    return {"random_sign": kernel.RANDOM_SIGN, "alternating": kernel.ALTERNATING}[spec.attack]


def projected_stream(spec: CellSpec, run: int) -> np.random.Generator:
    """The projected sampler's one stream per run: its draws interleave inputs and attack, so it is keyed by both."""
    law = make_law(spec.law).describe()
    return generator(spec.master_seed, "projected", law, spec.b, spec.attack_key(), run, bit_generator=BIT_GENERATOR)


def _run_projected(spec: CellSpec, r: int, w_star, w_start, steps):
    from relu_lib.paper_a import projected

    return projected.run(
        projected_stream(spec, r),
        w_star,
        w_start,
        spec.b,
        spec.eta,
        spec.beta,
        spec.theta,
        _attack_code(spec),
        spec.beta_threshold,
        spec.iterations,
        steps,
        divergence_level(spec, w_star, w_start),
    )


def _run_full(spec: CellSpec, r: int, w_star, w_start, steps):
    """One run through the full-draw kernel (one run per call: R = 1 in its arrays)."""
    from relu_lib.paper_a import kernel

    if math.isfinite(spec.beta_threshold) and spec.attacked:
        raise NotImplementedError("a data-dependent beta(x) runs on the projected sampler only")
    law = make_law(spec.law)
    law_key = law.describe()
    rng_in = input_stream(spec.master_seed, law_key, spec.b, r)
    rng_att = attack_stream(spec.master_seed, law_key, spec.b, spec.attack_key(), r) if spec.attacked else rng_in
    code, param, mu = kernel.law_arguments(law)
    delta0 = np.stack([w_start - w_star] * len(ALGORITHMS))
    error = np.empty((steps.size, len(ALGORITHMS), 1))
    deltas = np.empty((steps.size, len(ALGORITHMS), 1, spec.n))
    diverged_at = np.full((len(ALGORITHMS), 1), -1, dtype=np.int64)
    hit_step = np.full((len(ALGORITHMS), 1), -1, dtype=np.int64)
    kernel.run_seed(
        0,
        rng_in,
        rng_att,
        code,
        param,
        mu,
        _attack_code(spec),
        spec.beta,
        spec.theta,
        kernel.floats(np.zeros(spec.n)),
        kernel.floats(w_star),
        kernel.floats(delta0),
        kernel.gate_codes(ALGORITHMS),
        spec.eta / spec.b,
        spec.theta,
        spec.b,
        chunk_steps(spec.b, spec.n),
        spec.iterations,
        steps,
        divergence_level(spec, w_star, w_start),
        -1.0,
        error,
        deltas,
        diverged_at,
        hit_step,
    )
    along = deltas[:, :, 0, :] @ basis(w_star, w_start).T  # (K, 2, 2)
    return error[:, :, 0], along, diverged_at[:, 0]


def result_table(result: dict):
    """Tidy rows, one per algorithm x run x recorded step. Built from NumPy buffers: pa.array would import
    pandas (~0.4 s per job)."""
    import pyarrow as pa

    from relu_lib.io import arrow_column, arrow_labels

    k, a, r = result["error"].shape
    step = np.broadcast_to(result["steps"][:, None, None], (k, a, r))
    algo = np.broadcast_to(np.arange(a, dtype=np.int32)[None, :, None], (k, a, r))
    run = np.broadcast_to(np.arange(r, dtype=np.int32)[None, None, :], (k, a, r))
    div_at = np.broadcast_to(result["diverged_at"][None], (k, a, r))
    arrays = [
        arrow_labels(list(ALGORITHMS), _c_order(algo)),
        arrow_column(run, pa.int32()),
        arrow_column(step, pa.int64()),
        arrow_column(result["error"], pa.float64()),
        arrow_column(result["along_u"], pa.float64()),
        arrow_column(result["along_v"], pa.float64()),
        arrow_column(np.broadcast_to(result["w_star_norm"][None, None, :], (k, a, r)), pa.float64()),
        arrow_column((div_at >= 0) & (div_at <= step), pa.bool_()),
    ]
    return pa.Table.from_arrays(arrays, names=list(COLUMNS))


def _c_order(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).ravel()


def conventions(spec: CellSpec) -> dict:
    """What a reader needs to re-simulate the cell from its file alone."""
    law = make_law(spec.law)
    common = {
        "start": "run r: w* then w_1, each scale * standard_normal(n), from stream ('start', n, r) (PCG64); "
        "a cell with start = fixed uses stream ('start', n) for every run",
        "algorithms": "alg2: w += (eta/b) sum 1{y > theta} (y - <w, x>) x; sgd: w += (eta/b) sum 1{<w, x> > 0} "
        "(y - <w, x>) x; the same mini-batches and labels, the same start",
        "labels": "y = ReLU(<w*, x>) + alpha xi, alpha ~ Bernoulli(beta(x)), "
        "beta(x) = beta 1{<w*, x> > beta_threshold}",
        "attack": {
            "none": "no attack",
            "alternating": "xi = -theta at 1-based odd positions i = 1, 3, ... of the mini-batch, +theta at even "
            "(paper A, §3.1)",
            "random_sign": "xi = +-theta with a fair sign per sample",
        }[spec.attack],
        "recorded": "every stride-th step and the last, stride the smallest of (1, 2, 5, 10, 20, 25, 50) times a "
        "power of ten giving at most `checkpoints` steps; step 0 is the start",
        "divergence": f"||w_t - w*||^2 > ({DIVERGED:g} (||w*|| + ||w_1|| + theta))^2 or non-finite",
        "law": law.convention(),
    }
    if spec.sampler == "projected":
        from relu_lib.paper_a import projected

        common["sampler"] = "projected: " + projected.DRAWS + "; stream ('projected', law, b, attack, r), SFC64"
    else:
        common["sampler"] = (
            f"full: x drawn per run r from stream ('inputs', law, b, r), SFC64, in chunks of chunk_steps(b, n) = "
            f"{chunk_steps(spec.b, spec.n)} steps, row-major; the attack from stream ('attack', law, b, attack, r): "
            "per chunk alpha = U < beta for the chunk, then the magnitudes"
        )
    return common


def train_to_parquet(spec_json: dict, path) -> float:
    """Run the cell and write its table with full provenance; returns the seconds spent in run_cell."""
    from time import perf_counter

    from relu_lib.io import write_table
    from relu_lib.provenance import stamp

    spec = CellSpec.from_json(spec_json)
    began = perf_counter()
    result = run_cell(spec)
    compute = perf_counter() - began
    meta = {
        "study": "paper_a",
        "cell": spec.to_json(),
        "recorded_steps": result["steps"],
        "conventions": conventions(spec),
        "provenance": stamp(spec.to_json(), __name__),
    }
    write_table(path, result_table(result), meta)
    return compute


def resimulate(meta: dict):
    """The table a cell file's metadata alone gives (relu_lib.resimulate)."""
    return result_table(run_cell(CellSpec.from_json(meta["cell"])))
