"""From per-cell trajectory files to one tidy table per experiment (quantiles over seeds)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from relu_lib.io import read_table
from relu_lib.paper_a.trainer import TRAJECTORY_COLUMNS

CELL_COLUMNS = ("law", "d", "b", "adversary", "beta", "theta", "eta", "iterations")
GROUP = [*CELL_COLUMNS, "algorithm", "start", "step"]


def load_trajectories(paths, metas: list | None = None) -> pd.DataFrame:
    """All rows of the given cell files, with the cell's parameters as columns (each file's
    metadata is appended to `metas` if given)."""
    frames = []
    for path in paths:
        table, meta = read_table(path, required=TRAJECTORY_COLUMNS)
        if metas is not None:
            metas.append(meta)
        cell = meta["cell"]
        frame = table.to_pandas()
        frame["algorithm"] = frame["algorithm"].astype(str)
        frame["start"] = frame["start"].astype(str)
        for key, value in (
            ("law", cell["law_name"]),
            ("d", cell["law"]["d"]),
            ("b", cell["b"]),
            ("adversary", cell["adversary"]),
            ("beta", cell["beta"]),
            ("theta", cell["theta"]),
            ("eta", meta["eta"]),
            ("iterations", int(frame["step"].max())),
            ("delta", cell.get("delta")),
        ):
            frame[key] = value
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def write_summary(cell_paths, out) -> None:
    """Summarize an experiment's cell files into one Parquet, with provenance."""
    import pyarrow as pa

    from relu_lib.io import write_table
    from relu_lib.provenance import inputs_config, stamp

    metas = []
    table = pa.Table.from_pandas(summarize(load_trajectories(cell_paths, metas)), preserve_index=False)
    write_table(out, table, {"cells": len(cell_paths), "provenance": stamp(inputs_config(metas), __name__)})


def summarize(rows: pd.DataFrame) -> pd.DataFrame:
    """Per cell, run and checkpoint: median and 10/90 % quantiles of the error over the seeds
    that did not diverge, the RMS error, the diverged fraction (and the run's first divergence
    step) and the mean-iterate error."""
    ok = rows["error"].where(~rows["diverged"])
    rows = rows.assign(error=ok, error2=ok**2)
    grouped = rows.groupby(GROUP, sort=False, observed=True)  # keeps the config order
    out = grouped.agg(
        median=("error", "median"),
        rms=("error2", "mean"),
        diverged_fraction=("diverged", "mean"),
        mean_error=("mean_error", "first"),
        mean_spread=("mean_spread", "first"),
        seeds=("seed", "nunique"),
    )
    out["rms"] = np.sqrt(out["rms"])
    quantiles = grouped["error"].quantile([0.1, 0.9]).unstack()  # vectorised, unlike a lambda per group
    out.insert(1, "q10", quantiles[0.1])
    out.insert(2, "q90", quantiles[0.9])
    out = out.reset_index()
    # first step at which any seed of the run diverged (NaN if none): figures mark it
    first = rows.groupby(GROUP[:-1], sort=False, observed=True)["diverged_at"].min().rename("diverged_first")
    out = out.merge(first.reset_index(), on=GROUP[:-1], how="left")
    return out.merge(hitting_times(rows), on=GROUP[:-1], how="left")


def hitting_times(rows: pd.DataFrame) -> pd.DataFrame:
    """Per cell and run: median and (1 - delta) quantile over seeds of the first step with
    ||w_t - w*|| <= epsilon (inf where too few seeds got there), and the hit fraction."""
    per_seed = (
        rows.groupby([*GROUP[:-1], "seed"], sort=False, observed=True)
        .agg(hit=("hit_step", "first"), delta=("delta", "first"))
        .reset_index()
    )
    per_seed["hit"] = per_seed["hit"].astype(float).fillna(np.inf)

    def stats(group):
        quantile = 1 - group["delta"].iloc[0] if pd.notna(group["delta"].iloc[0]) else 0.9
        hits = group["hit"].to_numpy()
        return pd.Series(
            {
                "hit_median": np.quantile(hits, 0.5, method="inverted_cdf"),
                "hit_quantile": np.quantile(hits, quantile, method="inverted_cdf"),
                "hit_fraction": np.isfinite(hits).mean(),
            }
        )

    return per_seed.groupby(GROUP[:-1], sort=False, observed=True)[["hit", "delta"]].apply(stats).reset_index()
