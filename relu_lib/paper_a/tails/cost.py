"""A tails cell's expected cost, declared as Snakemake `resources` and checked against the config's `limits`."""

from __future__ import annotations

import math


def resources(spec: dict) -> dict:
    """Memory and minutes of a tails cell: inputs are drawn a chunk at a time for a block of seeds (bounded
    buffers); time from the normals it draws, at 5e8 per minute (measured 7e8-1.2e9 on one core) times 2."""
    normals = spec["seeds"] * (spec["burn_in_lags"] + spec["samples"]) * spec["thin"] * spec["b"] * spec["law"]["d"]
    return {"mem_mb": 1000, "runtime": max(5, math.ceil(2 * normals / 5e8))}
