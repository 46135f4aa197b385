"""The bound-check table of both papers: every experiment's verdict rows gathered into one Parquet, a
Markdown page and an HTML page (for the report), the end-of-run summary lines, and the verdict gate."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from relu_lib.multiplicity import LEVEL, decide
from relu_lib.verdicts import ROW_COLUMNS, VERDICTS, summary_line

# A row is the same test as another when these agree: a cell shared by several experiments (the same cell id,
# hence the same random streams) gives the same observation in each.
SAME_TEST = ("check", "cell", "run", "step", "quantity", "predicted", "observed", "observed_se")


def judged_once(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows with every exact duplicate of a test dropped (the first experiment's row is kept, its reason
    naming the others): counted once, a shared cell neither doubles a finding nor spends the level twice."""
    keys = [c for c in SAME_TEST if c in frame]
    key = frame.groupby(keys, dropna=False, sort=False, observed=True).ngroup()  # NaN equal to NaN
    first = ~key.duplicated(keep="first")
    others = frame.loc[~first].groupby(key[~first], sort=False)["experiment"].agg(lambda e: ", ".join(dict.fromkeys(e)))
    out = frame.loc[first].copy()
    named = key[first].map(others).astype(object)
    shared = named.notna()
    out["also_in"] = named.where(shared, "").astype(str)  # the experiments this row stands for too (results API)
    if shared.any():
        out.loc[shared, "reason"] = [
            f"{reason}; the same test (cell and streams) in {where}: judged once, here"
            for reason, where in zip(out.loc[shared, "reason"].astype(str), named[shared], strict=True)
        ]
    return out.reset_index(drop=True)


def control_line(frame: pd.DataFrame, level: float, scope: str, z: float | None) -> str:
    """The table's error control in one sentence (its header)."""
    tested = int(frame["p_value"].notna().sum()) if "p_value" in frame else 0
    if z is not None:
        return (
            f"every row judged alone at z = {z:g} standard errors (config `checks.z`): no multiplicity control; "
            f"{tested} tested rows."
        )
    where = "the whole table" if scope == "table" else "each check family (config `checks.scope: family`)"
    return (
        f"level {level:g} over {where}: a correct pipeline shows any `violated` row among the {tested} tested rows "
        f"with probability at most {level:g} (Holm, valid under any dependence; identities two-sided, bounds "
        "one-sided). Rows without sampling error keep the comparison as computed (docs/bound_checks.md)."
    )


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of verdict rows."""
    # the report's columns, less the two the page groups by
    cols = [c.replace("_", " ") for c in SHOWN_COLUMNS if c not in ("experiment", "check")]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in frame.itertuples():
        observed = "" if pd.isna(r.observed) else f"{r.observed:.4g} ± {r.observed_se:.2g}"
        cells = [
            f"`{r.cell}`",
            r.run,
            "" if pd.isna(r.step) else f"{r.step:.0f}",
            r.quantity,
            "" if pd.isna(r.predicted) else f"{r.predicted:.4g}",
            observed,
            f"**{r.verdict}**",
            "" if pd.isna(getattr(r, "ratio", float("nan"))) else f"{r.ratio:.3g}",
            getattr(r, "regime", ""),
            _needed(r),
            r.reason,
        ]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def _needed(r) -> str:
    """Seeds (paper B: trials) that would decide an inconclusive row at its observed effect."""
    needed = getattr(r, "seeds_needed", float("nan"))
    if pd.isna(needed):
        return ""
    return "never (no effect)" if needed == float("inf") else f"{needed:.0f} (has {r.replicates:.0f})"


def write_bound_table(
    paths, markdown_path, html_path, parquet_path, csv_path=None, level=LEVEL, scope="table", z=None
) -> None:
    """All experiments' rows, decided together at `level` over `scope` (relu_lib.multiplicity.decide; `z`: each
    row alone at z): one Parquet (and optionally the same rows as CSV, the report's download), a Markdown page
    with a count table and, per experiment and check, the rows (folded, the non-`holds` ones listed first), and
    the report's HTML page (`html_page`: counts and the non-`holds` rows only)."""
    import pyarrow as pa

    from relu_lib.io import read_table, write_table, write_text
    from relu_lib.provenance import inputs_config, stamp

    frames, metas = [], []
    for path in paths:
        table, meta = read_table(path, required=ROW_COLUMNS)
        frames.append(table.to_pandas())
        metas.append(meta)
    frame = pd.concat(frames, ignore_index=True)
    frame["verdict"] = pd.Categorical(frame["verdict"].astype(str), categories=VERDICTS)
    frame = decide(judged_once(frame), level, scope, z)
    control = control_line(frame, level, scope, z)
    prov = stamp(inputs_config(metas, level=level, scope=scope, z=z), __name__)
    write_table(parquet_path, pa.Table.from_pandas(frame, preserve_index=False), {"provenance": prov})
    counts = verdict_counts(frame)
    out = [
        "# Bound checks",
        "",
        "Every statement of the papers (source `paper`: a theorem, remark, example or a value read off a figure) and",
        "every prediction derived here (source `derived`, docs/theory.md) against the simulation. A row compares",
        "the observation with its Monte Carlo standard error (se) to the bound or predicted value through a p-value",
        "(`test` names the test): `violated` where the data contradict the statement under the error control below,",
        "`holds` where they show a bound satisfied (or an identity consistent, with power), `inconclusive` otherwise",
        "(with the seeds that would decide it), `not_applicable` when a hypothesis fails (`regime` names it; the row",
        "still carries bound, observation and their `ratio`: bound / observation for a bound, observation /",
        "prediction for an identity).",
        "",
        f"**Error control:** {control}",
        "",
        f"Produced by {_provenance_line(prov)}.",
        "",
        "## Summary",
        "",
        counts.reset_index().to_markdown(index=False),
        "",
        *not_holding_section(frame),
    ]
    for (experiment, check), rows in frame.groupby(["experiment", "check"], sort=False):
        rows = rows.sort_values("verdict", key=lambda v: v.map(VERDICT_ORDER))
        head = ", ".join(f"{n} {v}" for v, n in rows["verdict"].value_counts().items() if n)
        out += [
            f"## {experiment}: {check}",
            "",
            f"<details><summary>{len(rows)} rows: {head}</summary>",
            "",
            markdown_table(rows),
            "",
            "</details>",
            "",
        ]
    write_text(markdown_path, "\n".join(out))
    page = html_page(frame, counts, prov, csv_name=Path(csv_path).name if csv_path else None, control=control)
    write_text(html_path, page)
    if csv_path:
        write_text(csv_path, csv_text(frame, prov))


def not_holding_section(frame: pd.DataFrame) -> list[str]:
    """The rows that are `violated` or `inconclusive`, each with its p-value, threshold and reason: what a reader
    has to judge (a finding, an expected false alarm at the stated level, or replication too expensive)."""
    rows = frame[frame["verdict"].astype(str).isin(("violated", "inconclusive"))]
    if rows.empty:
        return ["## Rows that do not hold", "", "None: every tested row holds or is not applicable.", ""]
    rows = rows.sort_values("verdict", key=lambda v: v.astype(str).map(VERDICT_ORDER), kind="stable")
    lines = ["| verdict | experiment | check | cell | step | observed | predicted | p-value | threshold | reason |"]
    lines.append("|" + "---|" * 10)
    for r in rows.itertuples():
        cells = [
            f"**{r.verdict}**",
            r.experiment,
            r.check,
            f"`{r.cell}`",
            "" if pd.isna(r.step) else f"{r.step:.0f}",
            _plus_minus(r.observed, r.observed_se),
            "" if pd.isna(r.predicted) else f"{r.predicted:.4g}",
            "" if pd.isna(getattr(r, "p_value", float("nan"))) else f"{r.p_value:.2g}",
            "" if pd.isna(getattr(r, "threshold", float("nan"))) else f"{r.threshold:.2g}",
            (r.reason or "") + (f"; seeds needed {_needed(r)}" if r.verdict == "inconclusive" else ""),
        ]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    head = ", ".join(f"{n} {v}" for v, n in rows["verdict"].astype(str).value_counts().items())
    return ["## Rows that do not hold", "", f"{head}.", "", *lines, ""]


VERDICT_ORDER = {"violated": 0, "inconclusive": 1, "not_applicable": 2, "holds": 3}
VERDICT_COLORS = {"holds": "#d9f2d9", "violated": "#f8c9c4", "inconclusive": "#fff1c2", "not_applicable": "#e8e8e8"}
# The report embeds the page as a data URL, which Chromium refuses to show above 2 MB (the pane stays
# blank). The page lists at most this many rows (about 250 bytes each); the rest are in the download.
MAX_HTML_ROWS = 2000
SHOWN_COLUMNS = [
    "experiment",
    "check",
    "cell",
    "run",
    "step",
    "quantity",
    "predicted",
    "observed",
    "verdict",
    "ratio",
    "regime",
    "seeds_needed",
    "reason",
]


def verdict_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows per (paper, statement, source, check) and verdict, with a total column: the paper's own statements
    (source "paper") and the project's derived predictions apart."""
    frame = frame.assign(
        statement=frame["statement"].where(frame["statement"].astype(str) != "", frame["check"])
        if "statement" in frame
        else frame["check"]
    )
    counts = frame.pivot_table(
        index=["paper", "statement", "source", "check"],
        columns="verdict",
        values="cell",
        aggfunc="count",
        fill_value=0,
        observed=False,
        sort=False,
    )
    counts.columns = [str(c) for c in counts.columns]
    counts["rows"] = counts.sum(axis=1)
    return counts


def csv_text(frame: pd.DataFrame, prov: dict) -> str:
    """Every row as CSV (the report's download), after one `#` comment line with the provenance."""
    return f"# {_provenance_line(prov)}\n" + frame.to_csv(index=False, float_format="%.10g", lineterminator="\n")


SEARCH_JS = """
function relu_filter(q) {
  q = q.toLowerCase(); var shown = 0, rows = document.querySelectorAll('#rows tbody tr');
  for (var i = 0; i < rows.length; i++) {
    var hit = rows[i].textContent.toLowerCase().indexOf(q) >= 0;
    rows[i].style.display = hit ? '' : 'none'; shown += hit;
  }
  document.getElementById('shown').textContent = shown;
}
"""


def html_page(
    frame: pd.DataFrame,
    counts: pd.DataFrame,
    prov: dict,
    csv_name: str | None = None,
    max_rows: int = MAX_HTML_ROWS,
    control: str = "",
) -> str:
    """A small self-contained HTML page of the verdicts (for the Snakemake report): the counts per check,
    then every non-`holds` row (violated first) with a search box, no external assets. Its size grows
    with the non-`holds` rows only (at most `max_rows` listed); the full table is the CSV download.
    The same rows give the same bytes (no random ids)."""
    import html

    esc = html.escape
    rest = frame[frame["verdict"].astype(str) != "holds"]
    order = rest["verdict"].astype(str).map(VERDICT_ORDER)
    rest = (
        rest.assign(_order=order)
        .sort_values(["_order", "paper", "experiment", "check", "cell", "run"], kind="stable")
        .drop(columns="_order")
    )
    listed = rest.head(max_rows)
    head = "".join(f"<th>{esc(c)}</th>" for c in SHOWN_COLUMNS)
    body = []
    for r in listed.itertuples():
        values = {
            "experiment": r.experiment,
            "check": r.check,
            "cell": r.cell,
            "run": r.run,
            "step": "" if pd.isna(r.step) else f"{r.step:.0f}",
            "quantity": r.quantity,
            "predicted": "" if pd.isna(r.predicted) else f"{r.predicted:.4g}",
            "observed": _plus_minus(r.observed, r.observed_se),
            "verdict": str(r.verdict),
            "ratio": "" if pd.isna(getattr(r, "ratio", float("nan"))) else f"{r.ratio:.3g}",
            "regime": getattr(r, "regime", ""),
            "seeds_needed": _needed(r),
            "reason": r.reason,
        }
        cells = "".join(f"<td>{esc(str(values[c]))}</td>" for c in SHOWN_COLUMNS)
        body.append(f"<tr class='{esc(str(r.verdict))}'>{cells}</tr>")
    total = len(frame)
    holds = int((frame["verdict"].astype(str) == "holds").sum())
    where = (
        f"the full table ({total} rows) is the report item <b>{esc(csv_name)}</b> (a CSV download, "
        "under the same category), and <code>results/bounds/all_checks.parquet</code>"
        if csv_name
        else f"the full table ({total} rows) is <code>results/bounds/all_checks.parquet</code>"
    )
    cut = f" Only the first {max_rows} of {len(rest)} non-holds rows are listed here." if len(rest) > max_rows else ""
    counts_html = counts.reset_index().to_html(index=False, border=0, table_id="counts")
    colors = "".join(f"tr.{v} td{{background:{c}}}" for v, c in VERDICT_COLORS.items())
    style = (
        "body{font-family:sans-serif;font-size:13px;margin:1em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}th{background:#f0f0f0}"
        # long cell ids and reasons wrap anywhere, so the table fits its frame and its last column, the reason,
        # stays on screen
        "table#rows{width:100%}td{overflow-wrap:anywhere}"
        f"input{{font-size:13px;width:24em}}{colors}"
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Bound checks</title><style>{style}</style>"
        f"<script>{SEARCH_JS}</script></head><body>"
        f"<h2>Bound checks: verdict counts</h2><p><b>Error control:</b> {esc(control)}</p>{counts_html}"
        f"<p>{holds} of {total} rows hold; they are counted above and not listed below: {where}.{cut}</p>"
        f"<p>{esc(_provenance_line(prov))}</p>"
        f"<h2>Rows that do not hold ({len(rest)})</h2>"
        "<p><input id='search' type='search' placeholder='filter rows: a check, cell, verdict, reason ...' "
        "oninput='relu_filter(this.value)'> <span id='shown'>"
        f"{len(listed)}</span> rows shown</p>"
        f"<table id='rows'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        "</body></html>"
    )


def _plus_minus(value, se) -> str:
    return "" if pd.isna(value) else f"{value:.4g} ± {se:.2g}"


def _provenance_line(prov: dict) -> str:
    libs = ", ".join(f"{k} {v}" for k, v in prov["libraries"].items() if v)
    return f"relu-repro {prov['version']}, code {prov['code_fingerprint']}, config {prov['config_hash']}; {libs}"


def gate(table_path, marker_path) -> None:
    """Raise a UserError naming the violated rows; else write the marker file."""
    from relu_lib.errors import UserError
    from relu_lib.io import read_table, write_text

    frame = read_table(table_path, required=("verdict",))[0].to_pandas()
    bad = frame[frame["verdict"].astype(str) == "violated"]
    if len(bad):
        listing = "; ".join(f"{r.check} at {r.cell} ({r.run})" for r in bad.head(5).itertuples())
        raise UserError(
            f"{len(bad)} bound check(s) violated (checks.fail_on_violation is true): {listing}"
            f"{' ...' if len(bad) > 5 else ''}; see figures/bound_checks.md"
        )
    write_text(marker_path, "no violated bound check\n")


def summary_lines(paths) -> list[str]:
    """`summary_line` of every existing verdict-rows file (a dry run may have none)."""
    from relu_lib.io import read_table

    lines = []
    for path in paths:
        if Path(path).exists():
            frame = read_table(path, required=("verdict",))[0].to_pandas()
            lines.append(summary_line(Path(path).stem, frame))
    return lines


def decided_lines(table_path) -> list[str]:
    """`summary_line` per experiment of the decided table (all_checks.parquet), in its order."""
    from relu_lib.io import read_table

    frame = read_table(table_path, required=("experiment", "verdict"))[0].to_pandas()
    return [summary_line(e, rows) for e, rows in frame.groupby("experiment", sort=False)]


def end_of_run_message(tables, figure_targets, workdir, table_path="results/bounds/all_checks.parquet") -> str:
    """What a finished run prints last: the verdict summary lines (of the decided table where it was written,
    else of each experiment's own rows), then where to look and what to run."""
    decided = Path(workdir) / table_path
    lines = decided_lines(decided) if tables and decided.exists() else summary_lines(tables)
    pdfs = sorted(str(t) for t in figure_targets if str(t).endswith(".pdf"))
    folder = Path(workdir)
    out = ["", "=" * 72, "relu-repro: run complete", *lines]
    if pdfs:
        out.append(f"figures      {folder / 'figures'}/  ({len(pdfs)} figures, PDF and PNG)")
    if tables:
        out += [
            f"verdicts     {folder / 'figures' / 'bound_checks.md'}  (all rows: results/bounds/all_checks.parquet, "
            "figures/bound_checks.csv)"
        ]
    out += [
        "report       snakemake --report report.html   (one self-contained HTML file: figures, captions, verdicts)",
        "read results in Python: relu_lib.results (docs/results.md)",
        "=" * 72,
    ]
    return "\n".join(out)
