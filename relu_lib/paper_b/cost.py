"""A paper-B cell's expected cost, declared to the scheduler as Snakemake `resources`."""

from __future__ import annotations

import math

from relu_lib.paper_b.theory import delta_l1

BASE_MB = 250  # the interpreter and the libraries
# PGD costs about NS_PER_PGD_UNIT per (sample x coordinate x trial x iteration), both
# observation models together (measured: d = 1000, n = 2595, 20 trials, 30 iterations ~ 2.3 s
# with one BLAS thread, most runs stopping early). Memory: a few copies of one trial's X.
NS_PER_PGD_UNIT = 2.0


def n0_estimate(constraint: str, s: int, d: int) -> float:
    """A cheap, slightly high n0 for sizing jobs while the DAG is built (no Monte Carlo):
    l1 exact, l0 s (2 ln(d/s) + 2) (~20 % above the Monte Carlo width), none d."""
    if constraint == "l1":
        return delta_l1(s, d)
    if constraint == "l0":
        return min(float(d), s * (2 * math.log(d / s) + 2)) if s < d else float(d)
    return float(d)


def resources(spec: dict) -> dict:
    """{'mem_mb': ..., 'runtime': minutes} for a paper-B cell spec (absolute n or a ratio of n0)."""
    n = spec["n"] if spec["n"] is not None else spec["ratio"] * n0_estimate(spec["constraint"], spec["s"], spec["d"])
    n = max(1.0, n)
    seconds = n * spec["d"] * spec["trials"] * (spec["iterations"] + 1) * NS_PER_PGD_UNIT * 1e-9
    x_mb = n * spec["d"] * 8 / 2**20
    return {"mem_mb": math.ceil(BASE_MB + 4 * x_mb), "runtime": max(2, math.ceil(3 * seconds / 60))}


NS_PER_N0_DRAW = 10.0  # l0 width Monte Carlo: one Gaussian draw and a partial sort per coordinate


def n0_resources(constraint: str, s: int, d: int, samples: int) -> dict:
    """The n0 job: l0 draws `samples` Gaussian vectors of d coordinates in batches (theory.n0_l0)."""
    if constraint != "l0":
        return {"mem_mb": BASE_MB, "runtime": 2}
    from relu_lib.paper_b.theory import N0_L0_BATCH

    seconds = samples * d * NS_PER_N0_DRAW * 1e-9
    floats = min(samples, N0_L0_BATCH) * d * 3 + samples
    return {"mem_mb": math.ceil(BASE_MB + floats * 8 / 2**20), "runtime": max(2, math.ceil(3 * seconds / 60))}


def fresh_resources(config: dict, constraint: str, s: int, d: int) -> dict:
    """A fresh-trial job (relu_lib.paper_b.fresh): `fresh_trials` trials at a grid point chosen at run time, so
    sized for the largest n/n0 of the sample_complexity grid."""
    from relu_lib.paper_b.fresh import EXPERIMENT, fresh_trials

    exp = config["paper_b"]["experiments"][EXPERIMENT]
    spec = {"constraint": constraint, "s": s, "d": d, "n": None, "ratio": max(float(r) for r in exp["ratios"])}
    return resources(spec | {"trials": fresh_trials(config), "iterations": exp["iterations"]})


def extra_jobs(config: dict, cells: dict):
    """(job, cost) of the n0 jobs, one per (constraint, s, d) of the cells, and of the fresh-trial jobs."""
    from relu_lib.paper_b.fresh import points

    samples = config.get("paper_b", {}).get("n0_samples", 0)
    for constraint, s, d in sorted(
        {(c["constraint"], c["s"], c["d"]) for grid in cells.values() for c in grid.values()}
    ):
        yield f"n0 of constraint={constraint}/s={s}/d={d}", n0_resources(constraint, s, d, samples)
    for constraint, s, d in points(config):
        yield f"fresh trials of constraint={constraint}/s={s}/d={d}", fresh_resources(config, constraint, s, d)
