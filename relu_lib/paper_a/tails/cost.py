"""A tails cell's expected cost, declared as Snakemake `resources` and checked against the config's `limits`; and
the cost of the derived table's job.

Steps: per algorithm a, seeds x (burn_in_a + samples thin_a) through projected.run (one call per seed and
algorithm; each call steps both algorithms), and model_factor times as many chains of the model. Per-step times,
upper bounds fitted to measurements on one core (benchmarks/tails_index.py prints them): projected.run
~0.5 us + 25 ns x (3b + 2n) (measured 0.7 us at b = 1, n = 10; 1.5 us at b = 16, n = 10; 4.8 us at b = 4,
n = 100, load 5 on 2 cores), the model ~50 ns + 60 ns x b (measured 0.23 us at b = 4, 0.73 us at b = 16).
"""

from __future__ import annotations

import math

SAFETY = 2.0  # the runtime declared is this multiple of the estimate (a loaded machine, a slower core)


def step_seconds(b: int, n: int) -> tuple[float, float]:
    """(projected.run, model) seconds per step."""
    return 0.5e-6 + 25e-9 * (3 * b + 2 * n), 50e-9 + 60e-9 * b


def seconds(spec: dict) -> dict:
    """Estimated compute seconds of a cell: {'measured', 'model'}."""
    measured, model = step_seconds(spec["b"], spec["law"]["d"])
    steps = sum(p["burn_in"] + p["thin"] * spec["samples"] for p in spec["algorithms"].values())
    return {
        "measured": spec["seeds"] * steps * measured,
        "model": spec["model_factor"] * spec["seeds"] * steps * model,
    }


def resources(spec: dict) -> dict:
    """Runtime: SAFETY x the estimate; memory: the samples and the tidy table built from them (~120 bytes a row
    while it is written), over a floor for Python, NumPy, numba and Arrow."""
    total = sum(seconds(spec).values())
    rows = 2 * spec["seeds"] * spec["samples"] * (1 + spec["model_factor"])
    return {"mem_mb": max(1000, math.ceil(400 + 120 * rows / 1e6)), "runtime": max(2, math.ceil(SAFETY * total / 60))}


def conjecture_resources(axes: dict) -> dict:
    """The derived table: about 2 s a point at n = 10, b = 16 (one core), 10-20 s at n = 100 near alpha = 50."""
    per_point = {n: 2.0 if n <= 20 else 15.0 for n in axes.get("dims", [])}
    total = (
        sum(per_point[n] for n in axes.get("dims", []))
        * len(axes.get("attacks", []))
        * len(axes.get("batch_sizes", []))
        * len(axes.get("fractions", []))
    )
    return {"mem_mb": 2000, "runtime": max(2, math.ceil(SAFETY * total / 60))}


def extra_jobs(config: dict, cells: dict):
    """(job, cost) of the derived table's job and of every cell's estimation job."""
    from relu_lib.paper_a.tails.grid import conjecture_grid, estimation

    axes = conjecture_grid(config)
    if axes:
        yield "paper A (tails) derived table of tail indices", conjecture_resources(axes)
    settings = estimation(config)
    for grid in cells.values():
        for cell, spec in grid.items():
            yield f"paper A (tails) estimates of {cell}", estimate_resources(spec, settings)


def estimate_resources(spec: dict, estimation: dict) -> dict:
    """A cell's estimation job: seed bootstraps of Hill on the measured sample and each model group (a partial sort
    of n values, ~10 ns a value), the growth factors (draws x b x n normals, ~20 ns each, three requests on one set
    of draws), the predictions (a few seconds); memory as the train job's (it reads the whole cell)."""
    n = spec["seeds"] * spec["samples"]
    bootstraps = estimation["bootstrap"] * (1 + spec["model_factor"]) * 2 * n * 10e-9
    growth = estimation["growth_draws"] * spec["b"] * spec["law"]["d"] * 20e-9 * 2
    total = bootstraps + growth + 10.0
    return {"mem_mb": resources(spec)["mem_mb"], "runtime": max(2, math.ceil(SAFETY * total / 60))}
