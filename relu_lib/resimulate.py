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
    """(re-simulated table, the file's table, paper) of the cell file at `path`."""
    from relu_lib.errors import UserError
    from relu_lib.io import read_table

    table, meta = read_table(path)
    cell = meta.get("cell", {})
    if "law" in cell:
        from relu_lib.paper_a.trainer import result_table, run_cell

        spec = {**cell, "eta": meta["eta"], "iterations": int(meta["iterations"])}  # as the trainer resolved them
        return result_table(run_cell(spec, None)), table, "A"
    if "constraint" in cell:
        from relu_lib.paper_b.trainer import run_cell

        record = {
            "constraint": cell["constraint"],
            "s": cell["s"],
            "d": cell["d"],
            "n0": meta["n0"],
            "n0_se": meta["n0_se"],
            "method": meta["n0_method"],
        }
        return run_cell(cell, record)[0], table, "B"
    raise UserError(f"{path}: not a cell file of paper A or B (no cell spec in its metadata)")


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
