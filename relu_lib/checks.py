"""Verdicts: comparing an observed quantity (with its Monte Carlo standard error) to a bound,
an exact identity or a prediction, and the table of verdict rows shared by both papers.

A verdict is one of
  holds          the observation is on the right side of the bound beyond Z standard errors
                 (or, for an identity / prediction, within Z standard errors plus its tolerance);
  violated       it is on the wrong side beyond Z standard errors;
  inconclusive   the uncertainty straddles the bound (or is too large for the test to have power);
  not_applicable an assumption of the bound fails (the row's `reason` says which).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

VERDICTS = ("holds", "violated", "inconclusive", "not_applicable")
ROW_COLUMNS = ("check", "paper", "experiment", "cell", "run", "observed", "verdict", "reason")
Z = 3.0  # standard errors; the z of every verdict unless a config says otherwise


@dataclass
class CheckRow:
    """One (check, cell[, run, step]) row of the bound-check table."""

    check: str  # e.g. "A2 contraction", "mean identity", "B rate"
    paper: str  # "A" or "B"
    experiment: str
    cell: str  # the cell's hive-style id, e.g. law=normal/b=16/adv=none/beta=0/theta=0
    run: str = ""  # algorithm and start, e.g. "tron, zero start"
    step: float = math.nan  # the iteration the row is about (NaN: the whole run)
    quantity: str = ""  # what is compared, e.g. "E||w_t - w*||^2"
    predicted: float = math.nan  # the bound or predicted value
    observed: float = math.nan
    observed_se: float = math.nan
    verdict: str = "not_applicable"
    margin: float = math.nan  # relative room: (allowed - |discrepancy|) / |predicted|; < 0 when violated
    reason: str = ""  # why not applicable / what the tolerance is
    source: str = "derived"  # "derived" (docs/theory.md) or "paper"
    extra: dict = field(default_factory=dict)


def judge(kind: str, observed: float, se: float, reference: float, z: float = Z, tolerance: float = 0.0):
    """(verdict, margin) of `observed` +- `se` against `reference`.

    kind "upper": the theory says observed <= reference (a bound).
    kind "lower": the theory says observed >= reference.
    kind "equal": an identity or prediction, observed = reference up to `tolerance` * |reference|.
    """
    if not all(map(math.isfinite, (observed, se, reference))):
        return "inconclusive", math.nan
    scale = abs(reference) if reference else 1.0
    if kind == "equal":
        allowed = z * se + tolerance * abs(reference)
        gap = abs(observed - reference)
        margin = (allowed - gap) / scale
        if tolerance == 0 and reference != 0 and z * se > abs(reference):
            return "inconclusive", margin  # the noise is as large as the value: no power
        return ("holds" if gap <= allowed else "violated"), margin
    room = reference - observed if kind == "upper" else observed - reference
    margin = room / scale
    if room >= z * se:
        return "holds", margin
    if room < -z * se:
        return "violated", margin
    return "inconclusive", margin


def row(kind: str, observed: float, se: float, reference: float, *, z: float = Z, tolerance: float = 0.0,
        **fields) -> CheckRow:
    """A CheckRow with its verdict computed by `judge`."""
    verdict, margin = judge(kind, observed, se, reference, z, tolerance)
    return CheckRow(predicted=reference, observed=observed, observed_se=se, verdict=verdict, margin=margin, **fields)


def not_applicable(reason: str, **fields) -> CheckRow:
    return CheckRow(verdict="not_applicable", reason=reason, **fields)


def to_frame(rows: list[CheckRow]) -> pd.DataFrame:
    frame = pd.DataFrame([{k: v for k, v in asdict(r).items() if k != "extra"} for r in rows],
                         columns=[f for f in CheckRow.__dataclass_fields__ if f != "extra"])
    frame["verdict"] = pd.Categorical(frame["verdict"], categories=VERDICTS)
    return frame


def summary_line(experiment: str, frame: pd.DataFrame) -> str:
    """One line per experiment: counts of each verdict."""
    counts = frame["verdict"].value_counts()
    parts = [f"{counts.get(v, 0)} {v}" for v in VERDICTS if counts.get(v, 0)]
    return f"bound checks [{experiment}]: {len(frame)} rows: " + ", ".join(parts)


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of verdict rows."""
    cols = ["cell", "run", "step", "quantity", "predicted", "observed", "verdict", "margin", "reason"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in frame.itertuples():
        observed = "" if pd.isna(r.observed) else f"{r.observed:.4g} ± {r.observed_se:.2g}"
        cells = [f"`{r.cell}`", r.run, "" if pd.isna(r.step) else f"{r.step:.0f}", r.quantity,
                 "" if pd.isna(r.predicted) else f"{r.predicted:.4g}", observed, f"**{r.verdict}**",
                 "" if pd.isna(r.margin) else f"{r.margin:+.2f}", r.reason]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def write_bound_table(paths, markdown_path, html_path, parquet_path) -> None:
    """All experiments' rows: one Parquet, and Markdown and HTML pages with a count table and, per
    experiment and check, the rows (folded, the non-`holds` ones listed first)."""
    import pyarrow as pa

    from .io import read_table, write_table, write_text
    from .provenance import CHECK_MODULES, inputs_config, stamp

    frames, metas = [], []
    for path in paths:
        table, meta = read_table(path, required=ROW_COLUMNS)
        frames.append(table.to_pandas())
        metas.append(meta)
    frame = pd.concat(frames, ignore_index=True)
    frame["verdict"] = pd.Categorical(frame["verdict"].astype(str), categories=VERDICTS)
    prov = stamp(inputs_config(metas), CHECK_MODULES)
    write_table(parquet_path, pa.Table.from_pandas(frame, preserve_index=False), {"provenance": prov})
    counts = frame.pivot_table(index=["paper", "experiment", "check"], columns="verdict", values="cell",
                               aggfunc="count", fill_value=0, observed=False, sort=False)
    counts.columns.name = None
    out = ["# Bound checks", "",
           "Every theorem bound, identity and prediction of docs/theory.md against the simulated trajectories.",
           "A verdict compares the observation with its Monte Carlo standard error (se) to the predicted value:",
           "`holds` / `violated` beyond z se, `inconclusive` when the uncertainty straddles the bound,",
           "`not_applicable` when an assumption fails (reason given). `margin` = (allowed - discrepancy) / |predicted|.",
           f"Produced by {_provenance_line(prov)}.", "",
           "## Summary", "", counts.reset_index().to_markdown(index=False), ""]
    for (experiment, check), rows in frame.groupby(["experiment", "check"], sort=False):
        rows = rows.sort_values("verdict", key=lambda v: v.map({"violated": 0, "inconclusive": 1,
                                                                  "not_applicable": 2, "holds": 3}))
        head = ", ".join(f"{n} {v}" for v, n in rows["verdict"].value_counts().items() if n)
        out += [f"## {experiment}: {check}", "", f"<details><summary>{len(rows)} rows: {head}</summary>", "",
                markdown_table(rows), "", "</details>", ""]
    write_text(markdown_path, "\n".join(out))
    write_text(html_path, html_page(frame, counts, prov))


VERDICT_COLORS = {"holds": "#d9f2d9", "violated": "#f8c9c4", "inconclusive": "#fff1c2", "not_applicable": "#e8e8e8"}


def html_page(frame: pd.DataFrame, counts: pd.DataFrame, prov: dict) -> str:
    """A self-contained HTML page of the verdicts (for the Snakemake report)."""
    import html

    def color(verdict):
        return f"background-color: {VERDICT_COLORS.get(str(verdict), 'white')}"

    shown = frame.assign(observed=[_plus_minus(o, e) for o, e in zip(frame["observed"], frame["observed_se"])])
    shown = shown[["experiment", "check", "cell", "run", "step", "quantity", "predicted", "observed", "verdict",
                   "margin", "reason", "source"]]
    order = shown["verdict"].astype(str).map({"violated": 0, "inconclusive": 1, "not_applicable": 2, "holds": 3})
    shown = shown.assign(_order=order).sort_values(["_order", "experiment", "check"]).drop(columns="_order")
    rows_html = (shown.style.hide(axis="index").map(color, subset=["verdict"])
                 .format({"predicted": "{:.4g}", "margin": "{:+.3f}", "step": "{:.0f}"}, na_rep="")
                 .to_html())
    counts_html = counts.reset_index().to_html(index=False, border=0)
    style = ("body{font-family:sans-serif;font-size:13px;margin:1em}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}th{background:#f0f0f0}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Bound checks</title><style>{style}</style>"
            f"</head><body><h2>Bound checks: verdict counts</h2>{counts_html}"
            f"<p>{html.escape(_provenance_line(prov))}</p><h2>All rows (non-holds first)</h2>{rows_html}"
            "</body></html>")


def _plus_minus(value, se) -> str:
    return "" if pd.isna(value) else f"{value:.4g} ± {se:.2g}"


def _provenance_line(prov: dict) -> str:
    libs = ", ".join(f"{k} {v}" for k, v in prov["libraries"].items() if v)
    return (f"relu-repro {prov['version']}, code {prov['code_fingerprint']}, config {prov['config_hash']}; "
            f"{libs}")


def gate(table_path, marker_path) -> None:
    """Raise a UserError naming the violated rows; else write the marker file."""
    from .errors import UserError
    from .io import read_table

    frame = read_table(table_path, required=("verdict",))[0].to_pandas()
    bad = frame[frame["verdict"].astype(str) == "violated"]
    if len(bad):
        listing = "; ".join(f"{r.check} at {r.cell} ({r.run})" for r in bad.head(5).itertuples())
        raise UserError(f"{len(bad)} bound check(s) violated (checks.fail_on_violation is true): {listing}"
                        f"{' ...' if len(bad) > 5 else ''}; see figures/bound_checks.md")
    Path(marker_path).write_text("no violated bound check\n")


def summary_lines(paths) -> list[str]:
    """`summary_line` of every existing verdict-rows file (a dry run may have none)."""
    from .io import read_table

    lines = []
    for path in paths:
        if Path(path).exists():
            frame = read_table(path, required=("verdict",))[0].to_pandas()
            lines.append(summary_line(Path(path).stem, frame))
    return lines
