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


# Paper B: PGD costs about NS_PER_PGD_UNIT per (sample x coordinate x trial x iteration), both
# observation models together (measured: d = 1000, n = 2595, 20 trials, 30 iterations ~ 2.3 s
# with one BLAS thread, most runs stopping early). Memory: a few copies of one trial's X.
NS_PER_PGD_UNIT = 2.0


def n0_estimate(constraint: str, s: int, d: int) -> float:
    """A cheap, slightly high n0 for sizing jobs while the DAG is built (no Monte Carlo):
    l1 exact, l0 s (2 ln(d/s) + 2) (~20 % above the Monte Carlo width), none d."""
    from .sample_complexity import delta_l1

    if constraint == "l1":
        return delta_l1(s, d)
    if constraint == "l0":
        return min(float(d), s * (2 * math.log(d / s) + 2)) if s < d else float(d)
    return float(d)


def paper_b(spec: dict) -> dict:
    """{'mem_mb': ..., 'runtime': minutes} for a paper-B cell spec (absolute n or a ratio of n0)."""
    n = spec["n"] if spec["n"] is not None else spec["ratio"] * n0_estimate(spec["constraint"], spec["s"], spec["d"])
    n = max(1.0, n)
    seconds = n * spec["d"] * spec["trials"] * (spec["iterations"] + 1) * NS_PER_PGD_UNIT * 1e-9
    x_mb = n * spec["d"] * 8 / 2**20
    return {"mem_mb": int(BASE_MB + 4 * x_mb), "runtime": max(2, math.ceil(3 * seconds / 60))}
