"""The report's verdict page: byte-identical across runs, and small at any grid size (Chromium shows
no data URL over 2 MB; the page lists only the rows that do not hold, the CSV has them all)."""

from __future__ import annotations

import shutil

import pandas as pd
from conftest import snakemake

from relu_lib.bound_table import MAX_HTML_ROWS, csv_text, html_page, verdict_counts
from relu_lib.verdicts import VERDICTS

OUTPUTS = [
    "figures/bound_checks.html",
    "figures/bound_checks.csv",
    "figures/bound_checks.md",
    "results/bounds/all_checks.parquet",
]
PROV = {"version": "0", "code_fingerprint": "0", "config_hash": "0", "libraries": {}}


def test_the_table_outputs_are_byte_identical_when_rebuilt(smoke_run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(smoke_run, copy)
    result = snakemake(copy, "--cores", "1", "--forcerun", "bound_table")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "bound_table" in result.stderr
    for path in OUTPUTS:
        assert (copy / path).read_bytes() == (smoke_run / path).read_bytes(), path
    page = (copy / OUTPUTS[0]).read_text()
    assert "T_" not in page and "uuid" not in page  # no pandas Styler ids


def test_the_page_stays_small_for_a_large_grid(smoke_run):
    rows = pd.read_parquet(smoke_run / "results/bounds/all_checks.parquet")
    big = pd.concat([rows.assign(cell=rows["cell"] + f"/copy={i}") for i in range(200)], ignore_index=True)
    big["verdict"] = pd.Categorical(
        ["holds", "not_applicable", "inconclusive", "holds"] * (len(big) // 4) + ["holds"] * (len(big) % 4),
        categories=VERDICTS,
    )
    page = html_page(big, verdict_counts(big), PROV, csv_name="bound_checks.csv")
    assert len(big) > 30000 and (big["verdict"] != "holds").sum() > MAX_HTML_ROWS
    assert len(page.encode()) < 1.2e6  # under 2 MB once base64-encoded (x 4/3)
    assert page.count("<tr class=") == MAX_HTML_ROWS and f"first {MAX_HTML_ROWS} of" in page
    assert len(csv_text(big, PROV).splitlines()) == len(big) + 2


def test_end_of_run_message_says_where_things_are(smoke_run):
    from relu_lib.bound_table import end_of_run_message

    tables = sorted(str(p) for p in (smoke_run / "results/bounds").glob("*.parquet") if p.stem != "all_checks")
    figures = [f"figures/paper_a/fig1_batch_size.{ext}" for ext in ("pdf", "png")] + ["figures/B1_trajectories.pdf"]
    text = end_of_run_message(tables, figures, smoke_run)
    assert "bound checks [attack_probability]:" in text and "bound checks [milder_conditions]:" in text
    assert f"{smoke_run / 'figures'}/  (2 figures, PDF and PNG)" in text
    assert "snakemake --report report.html" in text and "bound_checks.md" in text
