"""From per-cell trajectory files to one tidy table per experiment: the numbers behind every paper-A figure.

Per cell, algorithm and recorded step, over the runs that did not diverge: the mean of ||w_t - w*|| (the
paper's "sample averaged parameter error") and its standard error, its 10 % and 90 % quantiles over runs (the
band), the mean of ||w_t - w*||^2 and its standard error, and the diverged fraction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relu_lib.io import read_table
from relu_lib.paper_a.trainer import COLUMNS

GRID_COLUMNS = ("law", "family", "n", "b", "adversary", "beta", "theta", "eta", "sampler")
SUMMARY_COLUMNS = (
    *GRID_COLUMNS,
    "algorithm",
    "step",
    "runs",
    "mean_error",
    "mean_error_se",
    "q10",
    "q90",
    "mean_sq",
    "mean_sq_se",
    "diverged_fraction",
)


def grid_values(cell: dict) -> dict:
    """The grid columns of a cell spec (CellSpec.to_json())."""
    return {
        "law": cell["law_name"],
        "family": cell["law"]["family"],
        "n": int(cell["law"]["d"]),
        "b": int(cell["b"]),
        "adversary": cell["attack"],
        "beta": float(cell["beta"]),
        "theta": float(cell["theta"]),
        "eta": float(cell["eta"]),
        "sampler": cell["sampler"],
    }


def load_cell(path) -> tuple[pd.DataFrame, dict]:
    """One cell file's rows (verified on read) and its metadata."""
    table, meta = read_table(path, required=COLUMNS)
    frame = table.to_pandas()
    frame["algorithm"] = frame["algorithm"].astype(str)
    return frame, meta


def summarize_cell(rows: pd.DataFrame, cell: dict) -> pd.DataFrame:
    """The summary rows of one cell."""
    ok = rows.assign(error=rows["error"].where(~rows["diverged"]))
    ok["sq"] = ok["error"] ** 2
    groups = ok.groupby(["algorithm", "step"], sort=True, observed=True)
    out = groups.agg(
        runs=("error", "count"),
        mean_error=("error", "mean"),
        sd_error=("error", "std"),
        q10=("error", lambda v: np.nanquantile(v, 0.1) if v.notna().any() else np.nan),
        q90=("error", lambda v: np.nanquantile(v, 0.9) if v.notna().any() else np.nan),
        mean_sq=("sq", "mean"),
        sd_sq=("sq", "std"),
        diverged_fraction=("diverged", "mean"),
    ).reset_index()
    root = np.sqrt(out["runs"].clip(lower=1))
    out["mean_error_se"] = out.pop("sd_error") / root
    out["mean_sq_se"] = out.pop("sd_sq") / root
    for key, value in grid_values(cell).items():
        out[key] = value
    return out[list(SUMMARY_COLUMNS)]


def write_summary(cell_paths, out) -> None:
    """Summarize an experiment's cell files into one Parquet, with provenance."""
    import pyarrow as pa

    from relu_lib.io import write_table
    from relu_lib.provenance import inputs_config, stamp

    frames, metas = [], []
    for path in cell_paths:
        rows, meta = load_cell(path)
        metas.append(meta)
        frames.append(summarize_cell(rows, meta["cell"]))
    table = pa.Table.from_pandas(pd.concat(frames, ignore_index=True), preserve_index=False)
    write_table(out, table, {"cells": len(cell_paths), "provenance": stamp(inputs_config(metas), __name__)})
