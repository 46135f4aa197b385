"""A cell's expected cost, declared to the scheduler as Snakemake `resources` and checked against `limits`.

Calibrated on a 2-core laptop (`python benchmarks/kernel.py`): the full-draw kernel costs about 25 ns per drawn
input coordinate (two algorithms stepping on it; Student-t draws are several times slower), the projected
sampler about 40 ns per mini-batch sample and 25 ns per coordinate of its two n-vectors per step. Memory is the
interpreter with numba plus the recorded rows. The minutes declared are three times the estimate (and at least
two): a scheduler kills a job that overruns, so the estimate errs long.
"""

from __future__ import annotations

import math

NS_PER_COORDINATE = {"student_t": 120.0}
NS_DEFAULT = 25.0
NS_PROJECTED_SAMPLE, NS_PROJECTED_COORDINATE = 40.0, 25.0
BASE_MB = 250
ROW_BYTES = 64  # one recorded (algorithm, run, step) row and its share of the writer's buffers


def seconds(spec: dict) -> float:
    """The expected compute of a cell spec (CellSpec.to_json())."""
    b, n, steps = spec["b"], spec["law"]["d"], spec["iterations"] * spec["runs"]
    if spec["sampler"] == "projected":
        return steps * (b * NS_PROJECTED_SAMPLE + n * NS_PROJECTED_COORDINATE) * 1e-9
    return steps * b * n * NS_PER_COORDINATE.get(spec["law"]["family"], NS_DEFAULT) * 1e-9


def resources(spec: dict) -> dict:
    """{'mem_mb': ..., 'runtime': minutes} of a paper-A cell."""
    rows = 2 * spec["runs"] * (spec["checkpoints"] + 1)
    buffers = 8 * 4 * (1 << 12) + 8 * spec["checkpoints"] * 2 * spec["law"]["d"]  # a chunk of inputs, one run's Delta
    return {"mem_mb": math.ceil(BASE_MB + (rows * ROW_BYTES + buffers) / 2**20), "runtime": minutes(seconds(spec))}


def minutes(estimate: float) -> int:
    return max(2, math.ceil(3 * estimate / 60))
