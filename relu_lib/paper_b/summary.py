"""Paper B: from per-cell trajectory files to error curves and per-cell statistics (envelope, success,
per-step ratio, first step).

Frequencies of trials come with a binomial standard error computed from the add-one estimate
p~ = (k + 1) / (T + 2): sqrt(p~ (1 - p~) / T). It is close to the usual sqrt(p (1 - p) / T) in
the middle and, unlike it, not zero when all or none of the T trials satisfy the criterion.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from relu_lib.io import read_table
from relu_lib.paper_b.grid import spec_cell_id
from relu_lib.paper_b.pgd import MODELS
from relu_lib.paper_b.theory import first_step_q_variance
from relu_lib.paper_b.trainer import TRAJECTORY_COLUMNS

CRITERIA = ("envelope", "success")


@dataclass
class CellB:
    """One cell file: its metadata and the relative errors (trials, iterations + 1) per model."""

    meta: dict
    errors: dict

    @property
    def spec(self) -> dict:
        return self.meta["cell"]

    @property
    def cell(self) -> str:
        return spec_cell_id(self.spec)

    def params(self) -> dict:
        spec = self.spec
        return {
            "experiment": spec["experiment"],
            "cell": self.cell,
            "constraint": spec["constraint"],
            "s": spec["s"],
            "d": spec["d"],
            "n": self.meta["n"],
            "n0": self.meta["n0"],
            "n0_se": self.meta["n0_se"],
            "ratio": self.meta["ratio"],
            "nominal_ratio": math.nan if spec["ratio"] is None else spec["ratio"],
            "trials": spec["trials"],
            "iterations": spec["iterations"],
        }


def load_cells(paths) -> list[CellB]:
    """Read paper-B cell files (relu_lib.paper_b.trainer) into arrays; a bad file is a UserError."""
    cells = []
    for path in paths:
        table, meta = read_table(path, required=TRAJECTORY_COLUMNS)
        frame = table.select(["observation", "seed", "step", "error"]).to_pandas()
        frame["observation"] = frame["observation"].astype(str)
        spec = meta["cell"]
        errors = {}
        for model in MODELS:
            rows = frame[frame["observation"] == model]
            arr = np.full((spec["trials"], spec["iterations"] + 1), np.nan)
            arr[rows["seed"].to_numpy(), rows["step"].to_numpy()] = rows["error"].to_numpy()
            errors[model] = arr
        cells.append(CellB(meta, errors))
    return cells


def binomial(k: int, trials: int) -> tuple[float, float]:
    """(k / T, add-one binomial standard error)."""
    p = (k + 1) / (trials + 2)
    return k / trials, math.sqrt(p * (1 - p) / trials)


def median_se(values: np.ndarray) -> float:
    """Large-sample standard error of a median, sqrt(pi/2) sd / sqrt(T) (normal approximation)."""
    values = values[np.isfinite(values)]
    if values.size < 2:
        return math.nan
    return math.sqrt(math.pi / 2) * values.std(ddof=1) / math.sqrt(values.size)


def curves(cells: list[CellB]) -> pd.DataFrame:
    """Per cell, observation model and step: mean, median, 10/90 % quantiles of the relative
    error over the trials that did not diverge, and the diverged fraction."""
    frames = []
    for cell in cells:
        for model, errors in cell.errors.items():
            finite = np.isfinite(errors)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a step where every trial diverged: NaN
                q10, median, q90 = np.nanquantile(errors, [0.1, 0.5, 0.9], axis=0)
                mean = np.nanmean(errors, axis=0)
            frames.append(
                pd.DataFrame(
                    {
                        **cell.params(),
                        "observation": model,
                        "step": np.arange(errors.shape[1]),
                        "mean": mean,
                        "median": median,
                        "q10": q10,
                        "q90": q90,
                        "diverged_fraction": (~finite).mean(axis=0),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def cell_stats(cells: list[CellB], threshold: float) -> pd.DataFrame:
    """One row per cell and observation model: envelope and success frequencies (with binomial
    SE), per-step ratios, divergence, and (ReLU rows) the first-step statistics."""
    rows = []
    for cell in cells:
        for model, errors in cell.errors.items():
            trials = errors.shape[0]
            env_k = int(envelope_holds(errors).sum())
            ok_k = int(success(errors, threshold).sum())
            ratios = per_step_ratio(errors)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                mean_curve = np.nanmean(errors, axis=0)[None]
                final = np.nanmedian(errors[:, -1])
            row = {
                **cell.params(),
                "observation": model,
                "success_threshold": threshold,
                "envelope_k": env_k,
                "success_k": ok_k,
            }
            row["envelope_freq"], row["envelope_se"] = binomial(env_k, trials)
            row["success_freq"], row["success_se"] = binomial(ok_k, trials)
            finite = ratios[np.isfinite(ratios)]
            row |= {
                "ratio_median": float(np.median(finite)) if finite.size else math.nan,
                "ratio_median_se": median_se(ratios),
                "ratio_q10": float(np.quantile(finite, 0.1)) if finite.size else math.nan,
                "ratio_q90": float(np.quantile(finite, 0.9)) if finite.size else math.nan,
                "ratio_max": float(finite.max()) if finite.size else math.nan,
                "ratio_of_mean_curve": float(per_step_ratio(mean_curve)[0]),
                "diverged_fraction": float(np.isnan(errors[:, -1]).mean()),
                "final_error_median": float(final),
            }
            row |= (
                first_step_stats(cell.meta, cell.spec["d"])
                if model == "relu"
                else dict.fromkeys(FIRST_STEP_KEYS, math.nan)
            )
            rows.append(row)
    return pd.DataFrame(rows)


FIRST_STEP_KEYS = ("first_step_along", "first_step_along_se", "first_step_q", "first_step_q_sd")


def first_step_stats(meta: dict, d: int) -> dict:
    """The first-step identity E[(2/n) sum y_i x_i] = w* (docs/theory.md B.1, ||w*|| = 1), two ways.

    first_step_along: mean over trials of <g, w*>, expected 1, SE from the trials.
    first_step_q: T n ||mean over trials of (g - w*)||^2 / (2d + 3), expected 1 under the identity
    (tr Cov g = (2d + 3)/n, derived); a bias b adds T n ||b||^2 / (2d + 3).
    first_step_q_sd: its standard deviation, first_step_q_variance (derived, conservative).
    """
    fs, n = meta["first_step"], meta["n"]
    along = np.asarray(fs["along"], dtype=float)
    trials = along.size
    return {
        "first_step_along": 1.0 + float(along.mean()),
        "first_step_along_se": float(along.std(ddof=1) / math.sqrt(trials)) if trials > 1 else math.nan,
        "first_step_q": trials * n * fs["mean_dev_norm2"] / (2 * d + 3),
        "first_step_q_sd": math.sqrt(first_step_q_variance(d, n, trials)),
    }


def envelope_holds(errors: np.ndarray, horizon: int | None = None, floor: float = 1e-12):
    """Per trial: ||w_tau - w*|| <= (1/2)^tau ||w*|| for all tau <= horizon (B.2)?

    `errors` are relative errors (trials, iterations + 1); horizon defaults to all recorded
    steps. An error <= floor counts as holding (a run frozen at the solver tolerance cannot
    follow (1/2)^tau below it). NaN (diverged) fails.
    """
    errors = np.asarray(errors, dtype=float)
    horizon = errors.shape[-1] - 1 if horizon is None else int(horizon)
    e = errors[..., : horizon + 1]
    bound = np.maximum(0.5 ** np.arange(horizon + 1), floor)
    return np.all(e <= bound, axis=-1)


def per_step_ratio(errors: np.ndarray, floor: float = 1e-12) -> np.ndarray:
    """Per trial, the median of e_{tau+1} / e_tau over steps with finite e_tau > floor (B.3).

    Steps after convergence (e_tau <= floor) and after divergence are left out; NaN if no
    step remains. The cell's figure is the median of this over trials.
    """
    errors = np.asarray(errors, dtype=float)
    before, after = errors[..., :-1], errors[..., 1:]
    valid = np.isfinite(before) & np.isfinite(after) & (before > floor)
    ratios = np.where(valid, after / np.where(valid, before, 1.0), np.nan)
    out = np.full(errors.shape[:-1], np.nan)
    some = valid.any(axis=-1)
    out[some] = np.nanmedian(ratios[some], axis=-1)
    return out


def success(errors: np.ndarray, threshold: float = 1e-6) -> np.ndarray:
    """Per trial: final relative error <= threshold (NaN, i.e. diverged, fails)."""
    return np.asarray(errors, dtype=float)[..., -1] <= threshold


def write_summary(cell_paths, threshold: float, curves_out, cells_out) -> None:
    """Summarize one paper-B experiment's cell files: its error curves and per-cell statistics (Parquet)."""
    import pyarrow as pa

    from relu_lib.io import read_metadata, write_table
    from relu_lib.provenance import inputs_config, stamp

    cells = load_cells(cell_paths)
    config = inputs_config([read_metadata(path) for path in cell_paths], success_threshold=threshold)
    meta = {"cells": len(cells), "success_threshold": threshold, "provenance": stamp(config, __name__)}
    write_table(curves_out, pa.Table.from_pandas(curves(cells), preserve_index=False), meta)
    write_table(cells_out, pa.Table.from_pandas(cell_stats(cells, threshold), preserve_index=False), meta)
