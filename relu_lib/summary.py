"""From per-cell trajectory files to one tidy table per experiment (quantiles over seeds)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .io import TRAJECTORY_COLUMNS, read_table

CELL_COLUMNS = ("law", "d", "b", "adversary", "beta", "theta", "eta")
GROUP = [*CELL_COLUMNS, "algorithm", "start", "step"]


def load_trajectories(paths) -> pd.DataFrame:
    """All rows of the given cell files, with the cell's parameters as columns."""
    frames = []
    for path in paths:
        table, meta = read_table(path, required=TRAJECTORY_COLUMNS)
        cell = meta["cell"]
        frame = table.to_pandas()
        frame["algorithm"] = frame["algorithm"].astype(str)
        frame["start"] = frame["start"].astype(str)
        for key, value in (("law", cell["law_name"]), ("d", cell["law"]["d"]), ("b", cell["b"]),
                           ("adversary", cell["adversary"]), ("beta", cell["beta"]),
                           ("theta", cell["theta"]), ("eta", meta["eta"])):
            frame[key] = value
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def summarize(rows: pd.DataFrame) -> pd.DataFrame:
    """Per cell, run and checkpoint: median and 10/90 % quantiles of the error over the seeds
    that did not diverge, the RMS error, the diverged fraction and the mean-iterate error."""
    ok = rows["error"].where(~rows["diverged"])
    rows = rows.assign(error=ok, error2=ok**2)
    grouped = rows.groupby(GROUP, sort=False, observed=True)  # keeps the config order
    out = grouped.agg(
        median=("error", "median"),
        q10=("error", lambda e: e.quantile(0.1)),
        q90=("error", lambda e: e.quantile(0.9)),
        rms=("error2", lambda e: np.sqrt(e.mean())),
        diverged_fraction=("diverged", "mean"),
        mean_error=("mean_error", "first"),
        mean_error_se=("mean_error_se", "first"),
        seeds=("seed", "nunique"),
    )
    return out.reset_index()
