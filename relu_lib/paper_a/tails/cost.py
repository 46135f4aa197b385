"""A tails cell's expected cost, declared as Snakemake `resources` and checked against the config's `limits`; and
the cost of the derived table's job.

Steps: per algorithm a, seeds x (burn_in_a + samples thin_a) through projected.run (one call per seed and
algorithm; each call steps both algorithms), and model_factor times as many chains of the model. Per-step times,
upper bounds fitted to measurements on one core (benchmarks/tails_index.py prints them): projected.run
~0.5 us + 20 ns x (3b + 2n) (measured 0.8 us at b = 1, n = 10; 1.3 us at b = 16, n = 10; 3.1 us at b = 4,
n = 100), the model ~50 ns + 55 ns x b (measured 0.27 us at b = 4). Memory: the samples (a few MB) and numba.
"""

from __future__ import annotations

import math

SAFETY = 2.0  # the runtime declared is this multiple of the estimate (a loaded machine, a slower core)


def step_seconds(b: int, n: int) -> tuple[float, float]:
    """(projected.run, model) seconds per step."""
    return 0.5e-6 + 20e-9 * (3 * b + 2 * n), 50e-9 + 55e-9 * b


def seconds(spec: dict) -> dict:
    """Estimated compute seconds of a cell: {'measured', 'model'}."""
    measured, model = step_seconds(spec["b"], spec["law"]["d"])
    steps = sum(p["burn_in"] + p["thin"] * spec["samples"] for p in spec["algorithms"].values())
    return {
        "measured": spec["seeds"] * steps * measured,
        "model": spec["model_factor"] * spec["seeds"] * steps * model,
    }


def resources(spec: dict) -> dict:
    total = sum(seconds(spec).values())
    return {"mem_mb": 1000, "runtime": max(2, math.ceil(SAFETY * total / 60))}


def conjecture_resources(axes: dict) -> dict:
    """The derived table: about 2 s a point at n = 10, b = 16 (one core), 10-20 s at n = 100 near alpha = 50."""
    per_point = {n: 2.0 if n <= 20 else 15.0 for n in axes.get("dims", [])}
    total = sum(per_point[n] for n in axes.get("dims", [])) * len(axes.get("attacks", [])) * len(
        axes.get("batch_sizes", [])
    ) * len(axes.get("fractions", []))
    return {"mem_mb": 2000, "runtime": max(2, math.ceil(SAFETY * total / 60))}


def extra_jobs(config: dict, cells: dict):
    """(job, cost) of the derived table's job."""
    from relu_lib.paper_a.tails.grid import conjecture_grid

    axes = conjecture_grid(config)
    if axes:
        yield "paper A (tails) derived table of tail indices", conjecture_resources(axes)
