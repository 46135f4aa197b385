"""What the benchmark scripts share: the master seed, the load average, a benchmark cell and its constants.

Imported by the scripts next to it (`python benchmarks/<script>.py` puts this folder on sys.path).
"""

from __future__ import annotations

import os

SEED = 20261122


def load() -> list[float]:
    """The 1/5/15-minute load average, recorded next to every wall-clock number."""
    return [round(v, 2) for v in os.getloadavg()]


def cell(d, b, seeds, iterations) -> dict:
    """A paper-A cell spec as relu_lib.config builds them: N(0, I_d) inputs, no attack."""
    return {
        "experiment": "bench",
        "law_name": "normal",
        "law": {"family": "normal", "d": d, "sigma": 1.0},
        "b": b,
        "adversary": "none",
        "beta": 0.0,
        "theta": 0.0,
        "iterations": iterations,
        "seeds": seeds,
        "checkpoints": 60,
        "master_seed": SEED,
        "step_factor": 1.0,
        "eta": None,
        "w_star_norm": 1.0,
        "start_norm": 1.0,
        "epsilon": 0.01,
        "delta": 0.1,
    }


def law_constants(spec):
    """The constants of a cell's law, as rule law_constants computes them (100 000 Monte Carlo samples)."""
    from relu_lib import seeding
    from relu_lib.paper_a.laws import constants, make_law

    law = make_law(spec["law"])
    return constants(law, 100_000, seeding.generator(SEED, "constants", law.describe()))
