"""Paper B: from per-cell trajectory files to error curves, per-cell statistics and the table
of the empirical constants c50 and c90 (MATH.md B.3).

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

from .config import paper_b_cell_id
from .io import read_table
from .pgd import MODELS
from .sample_complexity import crossing, envelope_holds, per_step_ratio, success
from .train_b import B_TRAJECTORY_COLUMNS

CRITERIA = ("envelope", "success")
LEVELS = (0.5, 0.9)


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
        return paper_b_cell_id(self.spec)

    def params(self) -> dict:
        spec = self.spec
        return {"experiment": spec["experiment"], "cell": self.cell, "constraint": spec["constraint"],
                "s": spec["s"], "d": spec["d"], "n": self.meta["n"], "n0": self.meta["n0"],
                "n0_se": self.meta["n0_se"], "ratio": self.meta["ratio"],
                "nominal_ratio": math.nan if spec["ratio"] is None else spec["ratio"],
                "trials": spec["trials"], "iterations": spec["iterations"]}


def load_cells(paths) -> list[CellB]:
    """Read paper-B cell files (relu_lib.train_b) into arrays; a bad file is a UserError."""
    cells = []
    for path in paths:
        table, meta = read_table(path, required=B_TRAJECTORY_COLUMNS)
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
            frames.append(pd.DataFrame({
                **cell.params(), "observation": model, "step": np.arange(errors.shape[1]),
                "mean": mean, "median": median, "q10": q10, "q90": q90,
                "diverged_fraction": (~finite).mean(axis=0),
            }))
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
            row = {**cell.params(), "observation": model, "success_threshold": threshold,
                   "envelope_k": env_k, "success_k": ok_k}
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
            row |= first_step_stats(cell.meta, cell.spec["d"]) if model == "relu" else dict.fromkeys(FIRST_STEP_KEYS, math.nan)
            rows.append(row)
    return pd.DataFrame(rows)


FIRST_STEP_KEYS = ("first_step_along", "first_step_along_se", "first_step_q", "first_step_q_sd")


def first_step_q_variance(d: int, n: int, trials: int) -> float:
    """Var of q = T n ||mean over T trials of (g - w*)||^2 / (2d + 3), g = (2/n) sum y_i x_i (derived).

    With u = 2 ReLU(<w*,x>) x - w* (||w*|| = 1, x ~ N(0, I_d), N = nT independent terms, k = d - 1):
    Cov u = 2 I + 3 w* w*^T (tr = 2d + 3), Var ||u||^2 = 20 k^2 + 224 k + 608, and
    Var q = Var||u||^2 / (N (2d + 3)^2) + 2 (1 - 1/N) avg tr(C_r C_r') / (2d + 3)^2 with
    tr(C_r C_r') = 4d + 12 + 9 <w*_r, w*_r'>^2 <= 4d + 21 (taken: conservative when the trials'
    w* differ). The first term (the labels' common factor in every coordinate) dominates at small n.
    """
    k, big_n = d - 1, n * trials
    return ((20 * k * k + 224 * k + 608) / (big_n * (2 * d + 3) ** 2)
            + 2 * (1 - 1 / big_n) * (4 * d + 21) / (2 * d + 3) ** 2)


def first_step_stats(meta: dict, d: int) -> dict:
    """The first-step identity E[(2/n) sum y_i x_i] = w* (MATH.md B.1, ||w*|| = 1), two ways.

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


def c50_c90_table(stats: pd.DataFrame) -> pd.DataFrame:
    """Per constraint, (s, d), observation model and criterion: c50 and c90, the n/n0 at which 50 %
    and 90 % of the trials satisfy the criterion (interpolated in log n/n0; MATH.md B.3).

    n/n0 is the cell's actual n / n0 (n is an integer). `c50_note`/`c90_note`: "" (resolved),
    "at_or_below" (the smallest n/n0 of the grid already reaches the level: the value is that
    n/n0, an upper bound), "not_reached" (the value is NaN: c is above the largest n/n0).
    """
    rows = []
    keys = ["constraint", "s", "d", "observation"]
    for (constraint, s, d, model), group in stats.groupby(keys, sort=False):
        group = group.sort_values("ratio")
        x = group["ratio"].to_numpy()
        for criterion in CRITERIA:
            f = group[f"{criterion}_freq"].to_numpy()
            row = {"constraint": constraint, "s": s, "d": d, "n0": group["n0"].iloc[0],
                   "n0_se": group["n0_se"].iloc[0], "observation": model, "criterion": criterion,
                   "trials": int(group["trials"].min()), "grid_points": len(x),
                   "ratio_min": float(x.min()), "ratio_max": float(x.max())}
            for level in LEVELS:
                name = f"c{round(100 * level)}"
                value = crossing(x, f, level)
                row[name] = value
                row[f"{name}_note"] = ("not_reached" if math.isnan(value)
                                       else "at_or_below" if f[0] >= level else "")
            rows.append(row)
    return pd.DataFrame(rows)


def reference_c(table: pd.DataFrame | None, constraint: str) -> tuple[float, str]:
    """The c the (1/2)^tau checks take for the paper's unspecified constant: the largest c90 of
    the envelope (ReLU observations) over the (s, d) of `constraint`, and a sentence saying so."""
    if table is None or table.empty:
        return math.nan, "no sample_complexity experiment in the config, so c is not measured"
    rows = table[(table["constraint"] == constraint) & (table["observation"] == "relu")
                 & (table["criterion"] == "envelope")]
    if rows.empty:
        return math.nan, f"the sample_complexity experiment has no {constraint} cells, so c is not measured"
    missing = rows[rows["c90"].isna()]
    if not missing.empty:
        sizes = ", ".join(f"(s={r.s}, d={r.d})" for r in missing.itertuples())
        return math.nan, (f"the envelope frequency never reached 0.9 for {constraint} at {sizes} on the grid "
                          f"(n/n0 <= {rows['ratio_max'].max():.3g}), so no n on the grid is known to exceed c n0")
    value = float(rows["c90"].max())
    return value, (f"c = {value:.3g}, the largest measured c90 of the envelope over the (s, d) of {constraint} "
                   "(the paper leaves c unspecified)")


def format_c(value: float, note: str, ratio_max: float) -> str:
    if note == "not_reached":
        return f"> {ratio_max:.3g}"
    if note == "at_or_below":
        return f"<= {value:.3g}"
    return f"{value:.3g}"


def c_table_markdown(table: pd.DataFrame, iterations: int, threshold: float) -> str:
    """figures/B_sample_complexity.md: c50 and c90 per constraint and (s, d)."""
    def cells_of(rows, model, criterion):
        r = rows[(rows["observation"] == model) & (rows["criterion"] == criterion)]
        if r.empty:
            return ["", ""]
        r = r.iloc[0]
        return [format_c(r["c50"], r["c50_note"], r["ratio_max"]), format_c(r["c90"], r["c90_note"], r["ratio_max"])]

    first = table.iloc[0]
    lines = [
        "# Paper B: measured sample-complexity constants c50 and c90",
        "",
        "Paper B's theorem (MATH.md B.2) gives the (1/2)^τ rate of projected gradient descent from 0 when "
        "n > c·n0, with the constant c left unspecified. These are our measurements: c50 and c90 are the "
        "n/n0 at which 50 % and 90 % of the trials satisfy a criterion, interpolated linearly in log(n/n0) "
        "between grid points (n/n0 is the cell's actual n over n0).",
        "",
        f"* envelope: ‖w_τ − w*‖ ≤ (1/2)^τ ‖w*‖ for every τ ≤ T = {iterations} (paper B Theorem);",
        f"* success: ‖w_T − w*‖ / ‖w*‖ ≤ {threshold:g} at T = {iterations}.",
        "",
        f"Grid: n/n0 from {first['ratio_min']:.3g} to {first['ratio_max']:.3g} ({first['grid_points']} points), "
        f"{first['trials']} trials per cell. '> x': not reached on the grid; '<= x': already reached at the "
        "smallest n/n0.",
        "",
        "| constraint | s | d | n0 (± SE) | ReLU envelope c50 | ReLU envelope c90 | ReLU success c50 "
        "| ReLU success c90 | linear envelope c50 | linear envelope c90 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (constraint, s, d), rows in table.groupby(["constraint", "s", "d"], sort=False):
        n0, se = rows["n0"].iloc[0], rows["n0_se"].iloc[0]
        n0_text = f"{n0:.1f} ± {se:.2f}" if se > 0 else f"{n0:.1f} (exact)"
        values = [*cells_of(rows, "relu", "envelope"), *cells_of(rows, "relu", "success"),
                  *cells_of(rows, "linear", "envelope")]
        lines.append(f"| {constraint} | {s} | {d} | {n0_text} | " + " | ".join(values) + " |")
    return "\n".join(lines) + "\n"
