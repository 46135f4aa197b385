"""A cell's expected cost, declared to the scheduler as Snakemake `resources`.

Calibrated on a 2-core laptop (benchmarks/): about 25 ns per drawn input coordinate and step
work combined for the fast laws (Student-t draws are several times slower). Memory is the
interpreter (with numba) plus the trainer's buffers (a chunk of inputs, every seed's iterates at the
checkpoints), with a margin; benchmarks/peak_rss.py measures the peak RSS against it (docs/guarantees.md).
The config's `limits` are checked against these numbers before any job starts.
"""

from __future__ import annotations

import json
import math
from functools import cache

import numpy as np

from relu_lib.paper_a import theory
from relu_lib.paper_a.laws import MC_CHUNK_FLOATS, constants, make_law
from relu_lib.paper_a.trainer import CHUNK_FLOATS, iteration_count, runs_for

NS_PER_COORDINATE = {"student_t": 120.0}
NS_DEFAULT = 25.0
BASE_MB = 250
MARGIN = 1.5  # the buffers' temporaries (products, masks, the output table) on top of the buffers


def resources(spec: dict) -> dict:
    """{'mem_mb': ..., 'runtime': minutes} for a paper-A cell spec."""
    seeds, b, d = spec["seeds"], spec["b"], spec["law"]["d"]
    coords = expected_iterations(spec) * seeds * b * d
    seconds = coords * NS_PER_COORDINATE.get(spec["law"]["family"], NS_DEFAULT) * 1e-9
    runs, recorded = len(runs_for(spec)), spec["checkpoints"] + 2  # checkpoints: 0, the log grid, the last step
    inputs = 2 * max(CHUNK_FLOATS, b * d)  # the kernel's chunk of inputs and its transpose (one seed at a time)
    iterates = recorded * runs * seeds * (d + 1)  # every seed's Delta and error at the checkpoints
    table = recorded * seeds * runs * 8  # the output table's columns
    floats = MARGIN * (inputs + iterates + table)
    return {"mem_mb": math.ceil(BASE_MB + floats * 8 / 2**20), "runtime": _minutes(seconds)}


def constants_resources(law_spec: dict, samples: int) -> dict:
    """The law_constants job: closed forms cost nothing; Monte Carlo draws `samples` inputs of d
    coordinates, at most MC_CHUNK_FLOATS at once (laws.monte_carlo_norms)."""
    known = make_law(law_spec).closed_form()
    if {"e_norm", "e_norm2"} <= known.keys():
        return {"mem_mb": BASE_MB, "runtime": _minutes(0)}
    d = law_spec["d"]
    floats = min(MC_CHUNK_FLOATS, max(samples // 20, 1) * d)
    seconds = samples * d * NS_PER_COORDINATE.get(law_spec["family"], NS_DEFAULT) * 1e-9
    return {"mem_mb": math.ceil(BASE_MB + 3 * floats * 8 / 2**20), "runtime": _minutes(seconds)}


def _minutes(seconds: float) -> int:
    return max(2, math.ceil(3 * seconds / 60))


def expected_iterations(spec: dict) -> int:
    """The cell's iteration count; for "auto", resolved from the law's closed-form constants
    (max_iterations where the law has none)."""
    if spec["iterations"] != "auto":
        return spec["iterations"]
    consts = _closed_constants(json.dumps(spec["law"], sort_keys=True))
    if consts is None:
        return spec["max_iterations"]
    eta = spec["eta"] or spec["step_factor"] * theory.optimal_step(consts, spec["b"])
    return iteration_count(spec, consts, eta, initial_sq=(spec["w_star_norm"] + spec["start_norm"]) ** 2)


@cache
def _closed_constants(law_json: str):
    """A law's closed-form constants (None without them); E||x|| from a token draw, unused here. Cached:
    every cell of a law asks."""
    law = make_law(json.loads(law_json))
    if not {"sigma", "m4", "e_norm2"} <= law.closed_form().keys():
        return None
    return constants(law, 40, np.random.default_rng(0))
