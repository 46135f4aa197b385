"""Planted faults in Algorithm 2's exact-moment predictions, judged against a default run's own simulations: how
small a fault the "Alg. 2 exact" families find at the default config. Each fault changes the prediction, never the
simulation: step errors of 5, 2 and 1 % (η · 1.05, ...), a dropped 1/b (the sum over the mini-batch taken for the
mean: η · b), and errors of 5 and 2 % in the law's scale (the prediction for x ~ N(0, σ² I_n), σ = 1.05 or 1.02,
relu_lib.paper_a.theory.scaled_law). The families are found when a row's p-value falls below Bonferroni's
level / m over the default table's tested rows (which Holm then rejects too). Paper B: a step error of PGD's first
step, planted in the prediction of the "B first step" row along w*.

    snakemake --cores 2                                            # a default run (config.yaml)
    python benchmarks/planted_faults.py --results . --tested 852   # the numbers in docs/bound_checks.md
    python benchmarks/planted_faults.py --results . --experiment sample_complexity   # paper B's first step
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
from pathlib import Path

import numpy as np
import pandas as pd

from relu_lib.paper_a import checks, theory
from relu_lib.paper_a.cell import CellSpec
from relu_lib.paper_a.summary import load_cell
from relu_lib.verdicts import p_values

PAPER_B_EXPERIMENTS = ("trajectories", "sample_complexity")

FAULTS = {
    "none": lambda s: s,
    "step x 1.05": lambda s: dataclasses.replace(s, eta=s.eta * 1.05),
    "step x 1.02": lambda s: dataclasses.replace(s, eta=s.eta * 1.02),
    "step x 1.01": lambda s: dataclasses.replace(s, eta=s.eta * 1.01),
    "dropped 1/b": lambda s: dataclasses.replace(s, eta=s.eta * s.b),
    # the prediction for x ~ N(0, sigma^2 I_n) (theory.scaled_law) against the N(0, I_n) simulation
    "law scale x 1.05": lambda s: theory.scaled_law(s, 1.05),
    "law scale x 1.02": lambda s: theory.scaled_law(s, 1.02),
}


def cells(results: Path, experiment: str):
    for path in sorted(glob.glob(str(results / "results" / "trajectories" / experiment / "**" / "data.parquet"),
                                 recursive=True)):  # fmt: skip
        frame, meta = load_cell(path)
        spec = CellSpec.from_json(meta["cell"])
        if checks.is_standard_gaussian(spec):
            yield checks.Cell(experiment, spec.cell_id(), spec, frame)


# Paper B: a step error in PGD's first step from 0 (mu_0 (1/n) sum y_i x_i, mu_0 = 2) scales its mean along w*
# by the same factor; planted in the prediction of the "B first step" row along w* (1 -> the factor).
FIRST_STEP_FAULTS = {"none": 1.0, "first step x 1.05": 1.05, "first step x 1.02": 1.02, "first step x 1.01": 1.01}


def paper_a_faults(results: Path, experiment: str, bonferroni: float) -> dict:
    out = {}
    loaded = list(cells(results, experiment))
    for name, fault in FAULTS.items():
        found, smallest = 0, 1.0
        for cell in loaded:
            rho, p0, q0 = cell.starts()
            setting = fault(checks.setting_of(cell.spec))
            with np.errstate(all="ignore"):  # a faulted step can leave the stable range
                exact = theory.exact_moments(setting, rho, p0, q0, cell.spec.iterations)
                rows = checks.exact_rows(cell, exact, z=3.0)
            # no finite p-value: the faulted prediction diverges where the runs do not (found at once)
            p = min((r.p_value for r in rows if r.p_value == r.p_value), default=0.0)
            smallest = min(smallest, p)
            found += p <= bonferroni
        out[name] = {"cells": len(loaded), "cells_found": found, "smallest_p": float(f"{smallest:.3g}")}
    return out


def paper_b_faults(results: Path, experiment: str, bonferroni: float) -> dict:
    stats = pd.read_parquet(results / "results" / "summary" / f"{experiment}_cells.parquet")
    stats = stats[stats["observation"] == "relu"]
    out = {}
    for name, factor in FIRST_STEP_FAULTS.items():
        p = [
            p_values("equal", r.first_step_along, r.first_step_along_se, factor)[0]
            for r in stats.itertuples(index=False)
        ]
        out[name] = {
            "cells": len(p),
            "cells_found": int(sum(v <= bonferroni for v in p)),
            "smallest_p": float(f"{min(p):.3g}"),
        }
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=Path("."), help="the working directory of a default run")
    parser.add_argument("--tested", type=int, default=852, help="tested rows of that run's table (its header)")
    parser.add_argument("--level", type=float, default=0.05)
    parser.add_argument("--experiment", default="batch_size", help="a paper A experiment, or sample_complexity")
    args = parser.parse_args()
    bonferroni = args.level / args.tested
    planted = paper_b_faults if args.experiment in PAPER_B_EXPERIMENTS else paper_a_faults
    faults = planted(args.results, args.experiment, bonferroni)
    print(json.dumps({"experiment": args.experiment, "bonferroni_threshold": bonferroni, "faults": faults}, indent=2))


if __name__ == "__main__":
    main()
