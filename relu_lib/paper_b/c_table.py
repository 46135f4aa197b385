"""Paper B: the table of the empirical constants c50 and c90 (the n/n0 at which 50 % and 90 % of the trials
satisfy a criterion), as Parquet and Markdown, and the c the theorem checks take from it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from relu_lib.paper_b.summary import CRITERIA

LEVELS = (0.5, 0.9)


def c50_c90_table(stats: pd.DataFrame) -> pd.DataFrame:
    """Per constraint, (s, d), observation model and criterion: c50 and c90, the n/n0 at which 50 %
    and 90 % of the trials satisfy the criterion (interpolated in log n/n0; docs/theory.md B.3).

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
            row = {
                "constraint": constraint,
                "s": s,
                "d": d,
                "n0": group["n0"].iloc[0],
                "n0_se": group["n0_se"].iloc[0],
                "observation": model,
                "criterion": criterion,
                "trials": int(group["trials"].min()),
                "grid_points": len(x),
                "ratio_min": float(x.min()),
                "ratio_max": float(x.max()),
            }
            for level in LEVELS:
                name = f"c{round(100 * level)}"
                value = crossing(x, f, level)
                row[name] = value
                row[f"{name}_note"] = "not_reached" if math.isnan(value) else "at_or_below" if f[0] >= level else ""
            rows.append(row)
    return pd.DataFrame(rows)


def reference_c(table: pd.DataFrame | None, constraint: str) -> tuple[float, str]:
    """The c the (1/2)^tau checks take for the paper's unspecified constant: the largest c90 of
    the envelope (ReLU observations) over the (s, d) of `constraint`, and a sentence saying so."""
    if table is None or table.empty:
        return math.nan, "no sample_complexity experiment in the config, so c is not measured"
    rows = table[
        (table["constraint"] == constraint) & (table["observation"] == "relu") & (table["criterion"] == "envelope")
    ]
    if rows.empty:
        return math.nan, f"the sample_complexity experiment has no {constraint} cells, so c is not measured"
    missing = rows[rows["c90"].isna()]
    if not missing.empty:
        sizes = ", ".join(f"(s={r.s}, d={r.d})" for r in missing.itertuples())
        return math.nan, (
            f"the envelope frequency never reached 0.9 for {constraint} at {sizes} on the grid "
            f"(n/n0 <= {rows['ratio_max'].max():.3g}), so no n on the grid is known to exceed c n0"
        )
    value = float(rows["c90"].max())
    return value, (
        f"c = {value:.3g}, the largest measured c90 of the envelope over the (s, d) of {constraint} "
        "(the paper leaves c unspecified)"
    )


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
        "Paper B's theorem (docs/theory.md B.2) gives the (1/2)^τ rate of projected gradient descent from 0 when "
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
        values = [
            *cells_of(rows, "relu", "envelope"),
            *cells_of(rows, "relu", "success"),
            *cells_of(rows, "linear", "envelope"),
        ]
        lines.append(f"| {constraint} | {s} | {d} | {n0_text} | " + " | ".join(values) + " |")
    return "\n".join(lines) + "\n"


def crossing(n_over_n0, fraction, level: float, log: bool = True) -> float:
    """The n/n0 at which `fraction` (of trials satisfying a criterion) first reaches `level`.

    Grid points are sorted by n/n0; between the last point below `level` and the first at or
    above it the value is interpolated linearly (in log n/n0 if `log`). Returns the first grid
    point if it already reaches `level` (an upper bound: the crossing is not resolved), NaN if
    `level` is never reached.
    """
    x = np.asarray(n_over_n0, dtype=float)
    f = np.asarray(fraction, dtype=float)
    order = np.argsort(x, kind="stable")
    x, f = x[order], f[order]
    hit = np.flatnonzero(f >= level)
    if hit.size == 0:
        return math.nan
    i = hit[0]
    if i == 0:
        return float(x[0])
    u = np.log(x) if log else x
    w = (level - f[i - 1]) / (f[i] - f[i - 1])
    value = u[i - 1] + w * (u[i] - u[i - 1])
    return float(np.exp(value) if log else value)


def write_c_table(cells_path, parquet_out, markdown_out) -> None:
    """The c50/c90 table of the sample_complexity experiment's per-cell statistics, as Parquet and Markdown."""
    import pyarrow as pa

    from relu_lib.io import read_table, write_table, write_text
    from relu_lib.provenance import inputs_config, stamp

    required = ("constraint", "s", "d", "ratio", "envelope_freq", "success_freq")
    stats, meta = read_table(cells_path, required=required)
    stats = stats.to_pandas()
    table = c50_c90_table(stats)
    write_table(
        parquet_out,
        pa.Table.from_pandas(table, preserve_index=False),
        {"provenance": stamp(inputs_config([meta]), __name__)},
    )
    write_text(
        markdown_out, c_table_markdown(table, int(stats["iterations"].max()), float(stats["success_threshold"].iloc[0]))
    )
