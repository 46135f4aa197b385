"""`snakemake --report` on the tiny run: one self-contained HTML file with every figure, its
caption and the verdict table."""

import base64
import re

import pytest
from conftest import SMOKE_CONFIG, snakemake

FIGURES = [
    "A1_realizable",
    "A2_batch_scaling",
    "A3_poisoned_random_sign",
    "A3_poisoned_aligned",
    "A4_degradation",
    "A5_tron_vs_sgd",
]


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
    assert embedded(report, f"{figure}.png")[:8] == b"\x89PNG\r\n\x1a\n"
    entry = report[report.index(f'"figures/{figure}.png": {{') :][:3000]
    assert '"caption": "<p><strong>' in entry and "derived" in entry


def test_verdict_table_is_embedded(report):
    page = embedded(report, "bound_checks.html").decode()
    assert "Bound checks: verdict counts" in page
    assert page.count("<tr") > 50 and "holds" in page and "not_applicable" in page


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
        config["paper_a"]["experiments"] = {"realizable": config["paper_a"]["experiments"]["realizable"]}
    else:
        config["paper_b"]["experiments"] = {"trajectories": config["paper_b"]["experiments"]["trajectories"]}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    run = snakemake(tmp_path, "--cores", "2")
    assert run.returncode == 0, run.stderr[-2000:]
    built = snakemake(tmp_path, "--report", "report.html")
    assert built.returncode == 0, built.stderr[-2000:]
    report = (tmp_path / "report.html").read_text()
    present, absent = (
        ("A1_realizable", "B1_trajectories") if paper == "paper_a" else ("B1_trajectories", "A1_realizable")
    )
    assert f'"figures/{present}.png"' in report and f'"figures/{absent}.png"' not in report
    assert ("Paper A experiments" in report) == (paper == "paper_a")
    assert ("Paper B experiments" in report) == (paper == "paper_b")
