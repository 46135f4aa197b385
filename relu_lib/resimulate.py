"""Re-simulate a cell from its Parquet file alone, and say whether the rows match.

Everything a cell needs is in its file's metadata (the cell spec, the step size, the iteration count,
the law's parameters, n and n0 for paper B, and the conventions of every random draw): this module
reads nothing else. On the platform that wrote the file the rows are bit-identical; elsewhere the
floating-point rounding of BLAS and of the random samplers may differ in the last bits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Comparison:
    paper: str
    identical: bool  # every column bit-identical (NaN = NaN)
    max_abs_diff: float  # over the float columns
    rows: int
    detail: str


def resimulate_table(path):
    """(re-simulated table, the file's table, paper) of the cell file at `path`: the study named in its metadata
    re-runs the cell through its trainer's `resimulate`."""
    from relu_lib.errors import UserError
    from relu_lib.io import read_table
    from relu_lib.studies import BY_NAME

    table, meta = read_table(path)
    study = BY_NAME.get(meta.get("study"))
    if study is None:
        raise UserError(f"{path}: not a cell file of any study (its metadata names no study of {', '.join(BY_NAME)})")
    return study.module("trainer").resimulate(meta), table, study.paper


def compare(path) -> Comparison:
    new, old, paper = resimulate_table(path)
    if new.column_names != old.column_names or new.num_rows != old.num_rows:
        return Comparison(
            paper,
            False,
            np.inf,
            old.num_rows,
            f"layout differs: {new.column_names} x {new.num_rows} vs {old.column_names} x {old.num_rows}",
        )
    worst, identical, differing = 0.0, True, []
    for name in old.column_names:
        a, b = new[name].to_numpy(zero_copy_only=False), old[name].to_numpy(zero_copy_only=False)
        if a.dtype.kind == "f":
            same = (a == b) | (np.isnan(a) & np.isnan(b))
            if not same.all():
                worst = max(worst, float(np.nanmax(np.abs(a - b))))
        else:
            same = np.asarray(new[name].to_pylist() == old[name].to_pylist())
        if not np.all(same):
            identical = False
            differing.append(name)
    detail = "bit-identical" if identical else f"columns differ: {', '.join(differing)} (max |diff| {worst:.3g})"
    return Comparison(paper, identical, worst, old.num_rows, detail)
