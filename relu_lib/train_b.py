"""The run of one paper-B grid cell: its sample size, PGD from zero on every trial, Parquet.

A cell is constraint x (s, d) x n (MATH.md B.0-B.2). All trials run in one job, the ReLU and
the linear observation models side by side on the same (X, w*) (relu_lib.pgd.run_trials).
PGD runs a few tens of steps, so every step tau = 0..T is recorded (no checkpoint thinning).
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from .errors import UserError
from .pgd import MODELS, STEPS, run_trials
from .sample_complexity import n0 as compute_n0

B_TRAJECTORY_COLUMNS = ("observation", "seed", "step", "error", "diverged", "diverged_at", "n")
TOLERANCE = 1e-12  # a run stops (its error is carried forward) once ||w - w*|| / ||w*|| <= this
BLOWUP = 1e3  # a run is flagged diverged once its relative error exceeds this
N0_METHODS = {
    "l0": "Monte Carlo squared Gaussian width of the s-sparse descent set (MATH.md B.2)",
    "l1": "exact statistical dimension of the l1 descent cone (MATH.md B.2)",
    "none": "d (no constraint)",
}


def n0_record(constraint: str, s: int, d: int, samples: int, master_seed: int) -> dict:
    """n0 = M(R, w*) of one (constraint, s, d) with its standard error and how it was computed."""
    mc = {"samples": samples, "master_seed": master_seed} if constraint == "l0" else {}
    value, se = compute_n0(constraint, int(s), int(d), **mc)
    return {"constraint": constraint, "s": int(s), "d": int(d), "n0": value, "n0_se": se,
            "method": N0_METHODS[constraint], "samples": mc.get("samples"), "master_seed": master_seed}


def sample_size(spec: dict, n0: float) -> int:
    """The cell's n: absolute (`n`), or round(ratio * n0), at least 1 (`ratio`)."""
    if spec.get("n") is not None:
        return int(spec["n"])
    return max(1, int(math.floor(spec["ratio"] * n0 + 0.5)))


def check_n0(spec: dict, record: dict, path) -> None:
    """The n0 file must be the one of the cell's (constraint, s, d)."""
    for key in ("constraint", "s", "d"):
        if record.get(key) != spec[key]:
            raise UserError(f"{path}: n0 file is for {key} = {record.get(key)!r}, the cell has {spec[key]!r}")
    if not (isinstance(record.get("n0"), (int, float)) and record["n0"] > 0):
        raise UserError(f"{path}: 'n0' must be a positive number, got {record.get('n0')!r}")


def trajectory_table_b(result: dict, n: int) -> pa.Table:
    """Tidy rows, one per observation model x trial ("seed") x step, same layout as paper A.
    Built from NumPy buffers (io.arrow_column): pa.array would import pandas in every job."""
    from .io import arrow_column, arrow_labels

    columns = {key: [] for key in ("model", "seed", "step", "error", "diverged", "diverged_at")}
    for k, model in enumerate(MODELS):
        errors = result[f"errors_{model}"]  # (T, K + 1)
        trials, length = errors.shape
        steps = np.arange(length)
        nan = np.isnan(errors)
        first_nan = np.where(nan.any(axis=1), nan.argmax(axis=1), -1)  # diverged: NaN from there on
        div_at = np.broadcast_to(first_nan[:, None], errors.shape)
        step = np.broadcast_to(steps[None, :], errors.shape)
        columns["model"].append(np.full(errors.size, k, dtype=np.int32))
        columns["seed"].append(np.broadcast_to(np.arange(trials)[:, None], errors.shape).ravel())
        columns["step"].append(step.ravel())
        columns["error"].append(errors.ravel())
        columns["diverged"].append(((div_at >= 0) & (step >= div_at)).ravel())
        columns["diverged_at"].append(div_at.ravel())
    c = {key: np.concatenate(parts) for key, parts in columns.items()}
    return pa.Table.from_arrays([
        arrow_labels(list(MODELS), c["model"]),
        arrow_column(c["seed"], pa.int32()),
        arrow_column(c["step"], pa.int64()),
        arrow_column(c["error"], pa.float64()),
        arrow_column(c["diverged"], pa.bool_()),
        arrow_column(c["diverged_at"], pa.int64(), valid=c["diverged_at"] >= 0),
        arrow_column(np.full(c["error"].size, n), pa.int64()),
    ], names=["observation", "seed", "step", "error", "diverged", "diverged_at", "n"])


def run_cell_b(spec: dict, n0: dict) -> tuple[pa.Table, dict]:
    """Train every trial of the cell; return the trajectory table and the file metadata."""
    from .provenance import PAPER_B_MODULES, stamp

    n = sample_size(spec, n0["n0"])
    result = run_trials(spec["constraint"], spec["s"], spec["d"], n, spec["trials"], spec["iterations"],
                        spec["master_seed"], tol=TOLERANCE, blowup=BLOWUP)
    mean_dev = result["first_step_mean_dev"]
    meta = {
        "cell": spec, "n": n, "n0": n0["n0"], "n0_se": n0["n0_se"], "n0_method": n0["method"],
        "ratio": n / n0["n0"], "tolerance": TOLERANCE, "blowup": BLOWUP, "relu_prime_at_zero": 0.5,
        "step_sizes": {m: list(STEPS[m]) for m in MODELS},
        "diverged": {m: int(result[f"diverged_{m}"].sum()) for m in MODELS},
        # g = (2/n) sum y_i x_i (ReLU labels), per trial r: <g_r - w*_r, w*_r> and ||g_r - w*_r||^2;
        # and ||mean_r (g_r - w*_r)||^2 (the first-step identity E g = w*, MATH.md B.1)
        "first_step": {"along": result["first_step_along"], "sq_dev": result["first_step_sq_dev"],
                       "mean_dev_norm2": float(mean_dev @ mean_dev)},
        "provenance": stamp(spec, PAPER_B_MODULES),
    }
    return trajectory_table_b(result, n), meta


def train_to_parquet_b(spec: dict, n0_path, out_path) -> None:
    """Read the cell's n0 file, run the cell and write its Parquet file with metadata."""
    from .io import read_json, write_table

    record = read_json(n0_path)
    check_n0(spec, record, n0_path)
    table, meta = run_cell_b(spec, record)
    write_table(out_path, table, meta)
