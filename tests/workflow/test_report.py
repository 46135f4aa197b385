"""`snakemake --report` on the tiny run: one self-contained HTML file with every figure, its
caption and the verdict table."""

import base64
import html
import re

import pytest
from conftest import SMOKE_CONFIG, snakemake

from relu_lib.paper_a.study import FIGURES as A_FIGURES

# every result of the tiny run with a caption: paper A's figures (a table is a Markdown item) and paper B's
FIGURES = [f"paper_a/{f.stem}.{f.extensions[-1]}" for f in A_FIGURES] + [
    "B1_trajectories.png",
    "B2_sample_complexity.png",
]
MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "md": b"|"}


@pytest.fixture(scope="module")
def report(smoke_run):
    result = snakemake(smoke_run, "--report", "report.html")
    assert result.returncode == 0, result.stderr[-2000:]
    return (smoke_run / "report.html").read_text()


def embedded(report: str, name: str) -> bytes:
    """The decoded data URI of the result `name` embedded in the report."""
    match = re.search(rf'"figures/{re.escape(name)}": \{{.*?"data_uri": "data:[^,]*;base64,([A-Za-z0-9+/=]+)"', report)
    assert match, f"{name} is not embedded in the report"
    return base64.b64decode(match.group(1))


@pytest.mark.parametrize("figure", FIGURES)
def test_every_figure_is_embedded_with_a_caption(report, figure):
    magic = MAGIC[figure.rsplit(".", 1)[1]]
    assert embedded(report, figure).lstrip()[: len(magic)] == magic
    entry = report[report.index(f'"figures/{figure}": {{') :][:3000]
    caption = entry.split('"caption": "', 1)[1].split('", "mime_type"', 1)[0]
    assert caption.startswith("<p><strong>"), caption
    # what is drawn is named as derived here or as the paper's
    assert "derived" in caption or ("the paper" if figure.startswith("paper_a/") else "<em>paper</em>") in caption


def test_verdict_table_is_embedded(report, smoke_run):
    import pandas as pd

    page = embedded(report, "bound_checks.html").decode()
    assert "Bound checks: verdict counts" in page
    rows = pd.read_parquet(smoke_run / "results/bounds/all_checks.parquet")
    not_holding = rows[rows["verdict"].astype(str) != "holds"]
    assert len(not_holding) > 5 and page.count("<tr class=") == len(not_holding)  # every row that does not hold
    assert "holds" in page and "not_applicable" in page
    for check in rows["check"].unique():  # the counts name every check of both papers
        assert check in html.unescape(page), check


def test_workflow_description_names_both_papers_and_the_config(report):
    assert "Provable Training of a ReLU Gate" in report and "Learning ReLUs via Gradient Descent" in report
    assert "Master seed 7" in report  # the tiny config's seed, rendered from the config


def test_report_is_self_contained(report):
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', report)


@pytest.mark.parametrize("paper", ["paper_a", "paper_b"])
def test_a_one_paper_config_builds_its_report(tmp_path, paper):
    """The schema allows a config with one paper; the report's description must render for it."""
    import yaml

    config = yaml.safe_load(SMOKE_CONFIG.read_text())
    config.pop("paper_b" if paper == "paper_a" else "paper_a")
    if paper == "paper_a":  # keep it small: one experiment
        config["paper_a"]["experiments"] = {
            "attack_probability": config["paper_a"]["experiments"]["attack_probability"]
        }
    else:
        config["paper_b"]["experiments"] = {"trajectories": config["paper_b"]["experiments"]["trajectories"]}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    run = snakemake(tmp_path, "--cores", "2")
    assert run.returncode == 0, run.stderr[-2000:]
    built = snakemake(tmp_path, "--report", "report.html")
    assert built.returncode == 0, built.stderr[-2000:]
    report = (tmp_path / "report.html").read_text()
    a_figure, b_figure = "paper_a/fig2_attack_probability", "B1_trajectories"
    present, absent = (a_figure, b_figure) if paper == "paper_a" else (b_figure, a_figure)
    assert f'"figures/{present}.png"' in report and f'"figures/{absent}.png"' not in report
    assert ("Paper A experiments" in report) == (paper == "paper_a")
    assert ("Paper B experiments" in report) == (paper == "paper_b")
