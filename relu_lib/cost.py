"""A cell's expected cost, declared to the scheduler as Snakemake `resources`.

Calibrated on a 2-core laptop (benchmarks/): about 25 ns per drawn input coordinate and step
work combined for the fast laws (Student-t draws are several times slower); memory is the
chunk of inputs held per seed plus the interpreter.
"""

from __future__ import annotations

import math

import numpy as np

from . import theory
from .distributions import constants, make_law
from .train import CHUNK_FLOATS, iteration_count

NS_PER_COORDINATE = {"student_t": 120.0}
NS_DEFAULT = 25.0
BASE_MB = 250


def paper_a(spec: dict) -> dict:
    """{'mem_mb': ..., 'runtime': minutes} for a paper-A cell spec."""
    coords = expected_iterations(spec) * spec["seeds"] * spec["b"] * spec["law"]["d"]
    seconds = coords * NS_PER_COORDINATE.get(spec["law"]["family"], NS_DEFAULT) * 1e-9
    chunk_mb = spec["seeds"] * max(CHUNK_FLOATS, spec["b"] * spec["law"]["d"]) * 8 * 3 / 2**20
    return {"mem_mb": int(BASE_MB + chunk_mb), "runtime": max(2, math.ceil(3 * seconds / 60))}


def expected_iterations(spec: dict) -> int:
    """The cell's iteration count; for "auto", resolved from the law's closed-form constants
    (max_iterations where the law has none)."""
    if spec["iterations"] != "auto":
        return spec["iterations"]
    law = make_law(spec["law"])
    if not {"sigma", "m4", "e_norm2"} <= law.closed_form().keys():
        return spec["max_iterations"]
    consts = constants(law, 0, np.random.default_rng(0))  # the random draws only fill E||x||
    eta = spec["eta"] or spec["step_factor"] * theory.optimal_step(consts, spec["b"])
    return iteration_count(spec, consts, eta, initial_sq=(spec["w_star_norm"] + spec["start_norm"]) ** 2)
