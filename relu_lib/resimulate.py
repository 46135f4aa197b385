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


def expected_cell(path, config, root="."):
    """What `config` (a path, a list of paths or a dict, as relu_lib.results takes it) expects at the cell file
    `path` of the run in `root` (relu_lib.currency.Expected); a UserError if it is not one of its cell files."""
    from pathlib import Path

    from relu_lib import config as relu_config
    from relu_lib import currency
    from relu_lib.errors import UserError
    from relu_lib.results import load_config

    loaded = load_config(config)
    try:
        relative = Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        relative = None
    expected = currency.expected_files(loaded, relu_config.cells(loaded)).get(relative)
    if expected is None or expected.kind != "cell":
        raise UserError(f"{path}: not a cell file of this config's run under {root} (misplaced, or of another config)")
    return expected


def resimulate_table(path, expected=None):
    """(re-simulated table, the file's table, paper) of the cell file at `path`: the study named in its metadata
    re-runs the cell through its trainer's `resimulate`. With `expected` (`expected_cell`), a file that is not
    that cell, simulated by today's code, is refused first."""
    from relu_lib.currency import cell_problem
    from relu_lib.errors import UserError
    from relu_lib.io import read_table
    from relu_lib.studies import BY_NAME

    table, meta = read_table(path)
    if expected is not None and (problem := cell_problem(meta, expected.spec, expected.trainer)):
        raise UserError(f"{path}: stale: {problem}; nothing re-simulated")
    study = BY_NAME.get(meta.get("study"))
    if study is None:
        raise UserError(f"{path}: not a cell file of any study (its metadata names no study of {', '.join(BY_NAME)})")
    return study.module("trainer").resimulate(meta), table, study.paper


def compare(path, expected=None) -> Comparison:
    new, old, paper = resimulate_table(path, expected)
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
