"""Paper B's envelope on fresh trials: the theorem at the smallest grid n/n0 at or above the measured c, judged on
trials that did not measure c (docs/bound_checks.md, "B envelope").

The paper leaves c unspecified; the project takes it from the sample_complexity cells' envelope frequencies
(relu_lib.paper_b.c_table.reference_c), so those cells' trials cannot test it: at n/n0 ≥ c they are at or above
0.9 by the construction of c. Per (constraint, s, d) of that experiment, the job here takes the grid point with
the smallest actual n/n0 ≥ c — the claim's hardest point on the grid, where the frequency is lowest if it grows
with n as the theorem says — draws `paper_b.fresh_trials` new trials there from a stream domain no cell draws
from (FRESH_STREAM), runs the cell's PGD on them and records, per trial, whether the (1/2)^τ envelope held and
its per-step ratio. The point is chosen from the grid and c only, before the fresh trials exist.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

EXPERIMENT = "sample_complexity"  # the experiment whose cells measure c
FRESH_FILE = "results/summary/sample_complexity_fresh/constraint={constraint}/s={s}/d={d}.parquet"
FRESH_STREAM = ("paper_b", "fresh")  # trial r at (s, d, n): (*FRESH_STREAM, s, d, n, r); cells: ("paper_b", ...)
DEFAULT_TRIALS = 120  # 120 of 120 gives P(X >= 120 | 0.9) = 3.2e-6, decided at the default table's Holm level
COLUMNS = ("trial", "envelope", "ratio_median", "diverged")


def fresh_trials(config: dict) -> int:
    return int(config.get("paper_b", {}).get("fresh_trials", DEFAULT_TRIALS))


def points(config: dict) -> list[tuple[str, int, int]]:
    """The (constraint, s, d) of the sample_complexity experiment: one fresh-trial file each."""
    exp = config.get("paper_b", {}).get("experiments", {}).get(EXPERIMENT)
    if exp is None:
        return []
    return [(c, size["s"], size["d"]) for c in exp["constraints"] for size in exp["sizes"]]


def fresh_path(constraint: str, s: int, d: int) -> str:
    return FRESH_FILE.format(constraint=constraint, s=s, d=d)


def config_tables(config: dict, experiment: str) -> list[str]:
    """The experiment's aggregates whose paths depend on the config (relu_lib.study.Study.config_tables)."""
    return [fresh_path(*p) for p in points(config)] if experiment == EXPERIMENT else []


def choose_point(stats: pd.DataFrame, c: float, constraint: str, s: int, d: int) -> dict | None:
    """The grid cell (its row of the per-cell statistics, ReLU observations) with the smallest actual n/n0 ≥ c
    for (constraint, s, d), or None (c not measured, or above the grid)."""
    if not math.isfinite(c):
        return None
    rows = stats[
        (stats["observation"] == "relu")
        & (stats["constraint"] == constraint)
        & (stats["s"] == s)
        & (stats["d"] == d)
        & (stats["ratio"] >= c)
    ].sort_values("ratio", kind="stable")
    return None if rows.empty else rows.iloc[0].to_dict()


def run_point(point: dict, trials: int, master_seed: int) -> tuple[dict, dict]:
    """Run `trials` fresh trials at the grid point; ({column: array} per trial, ReLU observations; the settings)."""
    from relu_lib.paper_b.pgd import run_trials
    from relu_lib.paper_b.summary import envelope_holds, per_step_ratio
    from relu_lib.paper_b.trainer import BLOWUP, TOLERANCE

    n, iterations = int(point["n"]), int(point["iterations"])
    result = run_trials(
        point["constraint"],
        point["s"],
        point["d"],
        n,
        trials,
        iterations,
        master_seed,
        tol=TOLERANCE,
        blowup=BLOWUP,
        stream=FRESH_STREAM,
    )
    errors = result["errors_relu"]
    columns = {
        "trial": np.arange(trials, dtype=np.int64),
        "envelope": envelope_holds(errors),
        "ratio_median": per_step_ratio(errors),
        "diverged": np.asarray(result["diverged_relu"], dtype=bool),
    }
    settings = {"n": n, "iterations": iterations, "trials": trials, "master_seed": master_seed}
    return columns, settings


def write_fresh(cells_path, c_table_path, constraint: str, s: int, d: int, trials: int, master_seed: int, out):
    """The fresh-trial file of one (constraint, s, d): the chosen point, c, and per trial the envelope and the
    per-step ratio; no rows (and `point` None, with the reason) where c is not measured or above the grid."""
    import pyarrow as pa

    from relu_lib.io import read_table, write_table
    from relu_lib.paper_b.c_table import reference_c
    from relu_lib.provenance import inputs_config, stamp

    stats, stats_meta = read_table(cells_path, required=("cell", "observation", "constraint", "s", "d", "ratio"))
    c_table, c_meta = read_table(c_table_path, required=("constraint", "c90"))
    c, why = reference_c(c_table.to_pandas(), constraint)
    point = choose_point(stats.to_pandas(), c, constraint, s, d)
    if point is None:
        columns = {k: np.zeros(0, dtype=t) for k, t in zip(COLUMNS, (np.int64, bool, float, bool), strict=True)}
        settings = {"trials": trials, "master_seed": master_seed}
        if math.isfinite(c):
            why += f"; no grid point of (s={s}, d={d}) has n/n0 >= c"
    else:
        columns, settings = run_point(point, trials, master_seed)
    table = pa.table(
        {k: pa.array(v) for k, v in columns.items()},
        schema=pa.schema(
            [("trial", pa.int64()), ("envelope", pa.bool_()), ("ratio_median", pa.float64()), ("diverged", pa.bool_())]
        ),
    )
    chosen = (
        None
        if point is None
        else {
            "cell": point["cell"],
            "ratio": float(point["ratio"]),
            "n0": float(point["n0"]),
            "in_sample_k": int(point["envelope_k"]),
            "in_sample_trials": int(point["trials"]),
        }
    )
    meta = {
        "study": "paper_b",
        "experiment": EXPERIMENT,
        "constraint": constraint,
        "s": int(s),
        "d": int(d),
        "c": c,
        "c_reason": why,
        "point": chosen,
        **settings,
        "stream": "trial r: one PCG64 stream ('paper_b', 'fresh', s, d, n, r) under master_seed, drawn as a cell's "
        "trial (relu_lib.paper_b.pgd.draw_trial); no cell draws from this domain",
    }
    own = {"constraint": constraint, "s": int(s), "d": int(d), "trials": trials, "master_seed": master_seed}
    meta["provenance"] = stamp(inputs_config([stats_meta, c_meta], **own), __name__)
    write_table(out, table, meta)
