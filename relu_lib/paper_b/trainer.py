"""The run of one paper-B grid cell: its sample size, PGD from zero on every trial, Parquet.

A cell is constraint x (s, d) x n (docs/theory.md B.0-B.2). All trials run in one job, the ReLU and
the linear observation models side by side on the same (X, w*) (relu_lib.paper_b.pgd.run_trials).
PGD runs a few tens of steps, so every step tau = 0..T is recorded (no checkpoint thinning).
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from relu_lib.errors import UserError
from relu_lib.paper_b.pgd import MODELS, STEPS, run_trials

TRAJECTORY_COLUMNS = ("observation", "seed", "step", "error", "diverged", "diverged_at", "n")
TOLERANCE = 1e-12  # a run stops (its error is carried forward) once ||w - w*|| / ||w*|| <= this
BLOWUP = 1e3  # a run is flagged diverged once its relative error exceeds this


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


def trajectory_table(result: dict, n: int) -> pa.Table:
    """Tidy rows, one per observation model x trial ("seed") x step, same layout as paper A.
    Built from NumPy buffers (io.arrow_column): pa.array would import pandas in every job."""
    from relu_lib.io import arrow_column, arrow_labels

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
    return pa.Table.from_arrays(
        [
            arrow_labels(list(MODELS), c["model"]),
            arrow_column(c["seed"], pa.int32()),
            arrow_column(c["step"], pa.int64()),
            arrow_column(c["error"], pa.float64()),
            arrow_column(c["diverged"], pa.bool_()),
            arrow_column(c["diverged_at"], pa.int64(), valid=c["diverged_at"] >= 0),
            arrow_column(np.full(c["error"].size, n), pa.int64()),
        ],
        names=["observation", "seed", "step", "error", "diverged", "diverged_at", "n"],
    )


def run_cell(spec: dict, n0: dict) -> tuple[pa.Table, dict]:
    """Train every trial of the cell; return the trajectory table and the file metadata."""
    from relu_lib.provenance import stamp

    n = sample_size(spec, n0["n0"])
    result = run_trials(
        spec["constraint"],
        spec["s"],
        spec["d"],
        n,
        spec["trials"],
        spec["iterations"],
        spec["master_seed"],
        tol=TOLERANCE,
        blowup=BLOWUP,
    )
    mean_dev = result["first_step_mean_dev"]
    meta = {
        "study": "paper_b",
        "cell": spec,
        "n": n,
        "n0": n0["n0"],
        "n0_se": n0["n0_se"],
        "n0_method": n0["method"],
        "ratio": n / n0["n0"],
        "tolerance": TOLERANCE,
        "blowup": BLOWUP,
        "relu_prime_at_zero": 0.5,
        "step_sizes": {m: list(STEPS[m]) for m in MODELS},
        "diverged": {m: int(result[f"diverged_{m}"].sum()) for m in MODELS},
        # g = (2/n) sum y_i x_i (ReLU labels), per trial r: <g_r - w*_r, w*_r>; and ||mean_r (g_r - w*_r)||^2
        # (the first-step identity E g = w*, docs/theory.md B.1)
        "first_step": {"along": result["first_step_along"], "mean_dev_norm2": float(mean_dev @ mean_dev)},
        # every parameter and convention, typed, for re-simulation from this file alone (relu_lib.resimulate)
        "w_star_support": result["w_star_support"],
        "w_star_values": result["w_star_values"],
        "l1_radius": np.abs(result["w_star_values"]).sum(axis=1) if spec["constraint"] == "l1" else None,
        "l0_sparsity": int(spec["s"]) if spec["constraint"] == "l0" else None,
        "conventions": {
            "trial_stream": "trial r: one PCG64 stream ('paper_b', s, d, n, r) under master_seed; from it, in order: "
            "the support = Generator.choice(d, s, replace=False), values = standard_normal(s), "
            "w* = values / ||values|| on the support (||w*|| = 1), then X = standard_normal((n, d))",
            "labels": "ReLU(<w*, x_i>); the linear baseline <w*, x_i> on the same (X, w*)",
            "start": "w_0 = 0",
            "step_sizes": "mu_0 and mu_tau (tau >= 1) of `step_sizes`, per observation model",
            "relu_prime_at_zero": "ReLU'(0) = relu_prime_at_zero (stored)",
            "projection": {
                "l0": "hard thresholding: keep the s largest |entries|; ties: the lower index is kept "
                "(stable sort of -|w|)",
                "l1": "Euclidean projection onto the l1 ball of radius ||w*||_1 of the trial "
                "(`l1_radius`), Duchi et al. 2008",
                "none": "identity",
            }[spec["constraint"]],
            "stop": f"a run stops once its relative error <= {TOLERANCE:g} (carried forward); diverged once > "
            f"{BLOWUP:g} or non-finite (NaN from then on)",
            "success_threshold": "not a simulation parameter: the summary file's metadata (paper_b.success_threshold)",
        },
        "provenance": stamp(spec, __name__),
    }
    return trajectory_table(result, n), meta


def train_to_parquet(spec: dict, n0_path, out_path) -> None:
    """Read the cell's n0 file, run the cell and write its Parquet file with metadata."""
    from relu_lib.io import read_json, write_table

    record = read_json(n0_path)
    check_n0(spec, record, n0_path)
    table, meta = run_cell(spec, record)
    write_table(out_path, table, meta)


def resimulate(meta: dict) -> pa.Table:
    """The table a cell file's metadata alone gives (relu_lib.resimulate)."""
    cell = meta["cell"]
    record = {
        "constraint": cell["constraint"],
        "s": cell["s"],
        "d": cell["d"],
        "n0": meta["n0"],
        "n0_se": meta["n0_se"],
        "method": meta["n0_method"],
    }
    return run_cell(cell, record)[0]
