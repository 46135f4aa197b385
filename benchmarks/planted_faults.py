"""Planted faults in Algorithm 2's exact-moment predictions, judged against a default run's own simulations: how
small a fault the "Alg. 2 exact" families find at the default config. Each fault changes the prediction, never the
simulation: a 5 % step error (η · 1.05), a 2 % step error, a dropped 1/b (the sum over the mini-batch taken for the
mean: η · b) and a 1 % one. The families are found when a row's p-value falls below Bonferroni's level / m over the
default table's tested rows (which Holm then rejects too).

    snakemake --cores 2                                              # a default run (config.yaml)
    python benchmarks/planted_faults.py --results . --tested 867   # the numbers in docs/bound_checks.md
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
from pathlib import Path

import numpy as np

from relu_lib.paper_a import checks, theory
from relu_lib.paper_a.cell import CellSpec
from relu_lib.paper_a.summary import load_cell

FAULTS = {
    "none": lambda s: s,
    "step x 1.05": lambda s: dataclasses.replace(s, eta=s.eta * 1.05),
    "step x 1.02": lambda s: dataclasses.replace(s, eta=s.eta * 1.02),
    "step x 1.01": lambda s: dataclasses.replace(s, eta=s.eta * 1.01),
    "dropped 1/b": lambda s: dataclasses.replace(s, eta=s.eta * s.b),
}


def cells(results: Path, experiment: str):
    for path in sorted(glob.glob(str(results / "results" / "trajectories" / experiment / "**" / "data.parquet"),
                                 recursive=True)):  # fmt: skip
        frame, meta = load_cell(path)
        spec = CellSpec.from_json(meta["cell"])
        if checks.is_standard_gaussian(spec):
            yield checks.Cell(experiment, spec.cell_id(), spec, frame)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=Path("."), help="the working directory of a default run")
    parser.add_argument("--tested", type=int, default=867, help="tested rows of that run's table (its header)")
    parser.add_argument("--level", type=float, default=0.05)
    parser.add_argument("--experiment", default="batch_size")
    args = parser.parse_args()
    bonferroni = args.level / args.tested
    out = {"experiment": args.experiment, "bonferroni_threshold": bonferroni, "faults": {}}
    loaded = list(cells(args.results, args.experiment))
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
        out["faults"][name] = {"cells": len(loaded), "cells_found": found, "smallest_p": float(f"{smallest:.3g}")}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
