"""What the benchmark scripts share: the master seed, the load average and a paper-A benchmark cell.

Imported by the scripts next to it (`python benchmarks/<script>.py` puts this folder on sys.path).
"""

from __future__ import annotations

import math
import os

SEED = 20261122


def load() -> list[float]:
    """The 1/5/15-minute load average, recorded next to every wall-clock number."""
    return [round(v, 2) for v in os.getloadavg()]


def cell(d: int, b: int, runs: int, iterations: int, sampler: str = "full", **overrides):
    """A paper-A cell (relu_lib.paper_a.cell.CellSpec) as relu_lib.paper_a.grid builds them: N(0, I_d) inputs,
    no attack unless `overrides` set one; Algorithm 2 and S.G.D. on the same mini-batches, as in every cell."""
    from relu_lib.paper_a.cell import CellSpec

    fields = {
        "experiment": "bench",
        "law_name": "normal",
        "law": {"family": "normal", "d": d, "sigma": 1.0},
        "b": b,
        "attack": "none",
        "beta": 0.0,
        "theta": 0.0,
        "beta_threshold": -math.inf,
        "eta": min(0.05, 0.5 * b / (d + 2)),  # well inside the stability edge ~ 2 b / (d + 2): no run diverges
        "iterations": iterations,
        "runs": runs,
        "checkpoints": min(60, iterations + 1),
        "start": "per_run",
        "sampler": sampler,
        "master_seed": SEED,
        "w_star_scale": 1.0,
        "start_scale": 1.0,
    }
    return CellSpec(**{**fields, **overrides})
