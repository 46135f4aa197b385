"""The default config's verdict table: one real run of config.yaml (several minutes on 2 cores; the one default
run CI spends), then assertions on results/bounds/all_checks.parquet.

Paper A: every family of relu_lib.paper_a.checks (the exact moments, the any-law moments, the paper's figure
values; Theorem 3.1's rows on the same cells besides) has rows in every experiment it applies to, and the counts per
experiment, family and verdict of the whole table are reported (printed, and attached to the test's report as a
property). Which rows are `violated` is not pinned here, nor how many: the statistical promise (a correct pipeline
shows any false `violated` row with probability at most checks.level) is carried by tests/paper_a/test_calibration.py,
and a run's own violated rows are findings or expected false alarms to read, not a list to freeze. Paper A's rows
are decided (no `inconclusive` row), and every inconclusive row of either paper says how many seeds would decide it.
"""

import shutil

import pandas as pd
import pytest
import yaml
from conftest import REPO, snakemake

from relu_lib import config as relu_config
from relu_lib.paper_a import checks
from relu_lib.verdicts import VERDICTS

EXPERIMENTS_A = ("batch_size", "attack_probability", "attack_magnitude", "milder_conditions")  # paper A's study
EXACT_FAMILIES = (checks.EXACT, checks.EXACT_U, checks.EXACT_V)  # N(0, I_n) cells
ANY_LAW_FAMILIES = (checks.ANY_MEAN, checks.ANY_SECOND)  # realizable cells of the other laws, one shared start
FAMILIES = (*EXACT_FAMILIES, *ANY_LAW_FAMILIES, checks.PAPER_VALUE)
# (experiment, check) -> why it may stay inconclusive. Empty: paper A is fully decided.
ALLOWED_INCONCLUSIVE: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("default")
    shutil.copy(REPO / "config.yaml", workdir / "config.yaml")
    result = snakemake(workdir, "--cores", "2", timeout=3600)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


@pytest.fixture(scope="module")
def whole_table(default_run) -> pd.DataFrame:
    frame = pd.read_parquet(default_run / "results" / "bounds" / "all_checks.parquet")
    frame["verdict"] = frame["verdict"].astype(str)
    return frame


@pytest.fixture(scope="module")
def default_table(whole_table) -> pd.DataFrame:
    return whole_table[(whole_table["paper"] == "B") | whole_table["experiment"].isin(EXPERIMENTS_A)]


def test_the_table_is_decided_at_the_default_level_and_its_counts_are_reported(
    default_run, whole_table, record_property
):
    """The default config controls the whole table at level 0.05 (no checks.z override): its header says so, every
    tested row has a threshold, and the run's counts per experiment, check and verdict are reported."""
    page = (default_run / "figures" / "bound_checks.md").read_text()
    assert "**Error control:** level 0.05 over the whole table" in page
    tested = whole_table[whole_table["p_value"].notna()]
    assert len(tested) and tested["threshold"].notna().all()
    counts = whole_table.groupby(["experiment", "check", "verdict"]).size()
    totals = whole_table["verdict"].value_counts().to_dict()
    report = f"{len(whole_table)} rows, {len(tested)} tested: {totals}\n" + "\n".join(
        f"{e} | {c} | {v}: {n}" for (e, c, v), n in counts.items()
    )
    print(f"\nverdict counts of the default run:\n{report}")
    record_property("verdict_counts", report)


def test_the_default_config_has_the_paper_a_experiments():
    """EXPERIMENTS_A are the experiments of paper A's study in config.yaml (the tails and statements studies have
    their own tests)."""
    config = relu_config.load(yaml.safe_load((REPO / "config.yaml").read_text()))
    assert set(relu_config.cells(config)["paper_a"]) == set(EXPERIMENTS_A)


def test_every_paper_a_family_has_rows_and_its_counts_are_reported(default_table, record_property):
    rows = default_table[default_table["paper"] == "A"]
    counts = rows.groupby(["experiment", "check", "verdict"]).size()
    report = "\n".join(f"{e} | {c} | {v}: {n}" for (e, c, v), n in counts.items())
    print(f"\npaper A verdict counts of the default run ({len(rows)} rows):\n{report}")
    record_property("paper_a_verdict_counts", report)
    assert set(FAMILIES) <= set(rows["check"]), sorted(set(FAMILIES) - set(rows["check"]))
    assert set(rows["verdict"]) <= set(VERDICTS) and set(rows["experiment"]) == set(EXPERIMENTS_A)
    for experiment in EXPERIMENTS_A:
        present = set(rows.loc[rows["experiment"] == experiment, "check"])
        assert set(EXACT_FAMILIES) <= present, experiment  # every experiment has N(0, I_n) cells
        wanted = ANY_LAW_FAMILIES if experiment == "milder_conditions" else (checks.PAPER_VALUE,)
        assert set(wanted) <= present, (experiment, present)  # the paper's settings: Figures 1-5
    # every row a verdict on an observation, save the not-applicable ones, which say why
    judged = rows[rows["verdict"] != "not_applicable"]
    assert judged["observed"].notna().all() and judged["predicted"].notna().all()
    assert (rows.loc[rows["verdict"] == "not_applicable", "reason"] != "").all()


def test_paper_a_has_no_inconclusive_row_beyond_the_listed_ones(default_table):
    rows = default_table[(default_table["paper"] == "A") & (default_table["verdict"] == "inconclusive")]
    unexpected = [r for r in rows.itertuples() if (r.experiment, r.check) not in ALLOWED_INCONCLUSIVE]
    assert not unexpected, "\n".join(
        f"{r.experiment} | {r.check} | {r.cell} | {r.run} | step {r.step} | seeds needed {r.seeds_needed}"
        for r in unexpected
    )


def test_every_inconclusive_row_says_how_many_seeds_would_decide_it(default_table):
    rows = default_table[default_table["verdict"] == "inconclusive"]
    assert len(rows)  # the tails rows short of power at 2000 seeds, one fresh-trial envelope row of paper B
    assert rows["seeds_needed"].notna().all()
    assert (rows["seeds_needed"] > rows["replicates"]).all()


def table_lines(text: str) -> list[str]:
    """The body rows of the Markdown tables of `text` (header and rule lines left out)."""
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    return [line for line in lines if not line.startswith("| figure |") and "---" not in line]


def test_the_numbers_in_the_docs_are_this_runs(default_run, whole_table):
    """No number a run produces is typed into the docs by hand: docs/paper_a.md's comparison table is the run's
    figures/paper_a/comparison.md, and docs/bound_checks.md's counts are the run's table's."""
    run = table_lines((default_run / "figures" / "paper_a" / "comparison.md").read_text())
    docs_a = (REPO / "docs" / "paper_a.md").read_text()
    shown = [line for line in table_lines(docs_a) if line.split("|")[1].strip() in {"1", "2", "3", "4", "5"}]
    assert len(run) > 50 and shown == run, "docs/paper_a.md's comparison table is not this run's: paste it anew"
    counts = whole_table["verdict"].value_counts()
    duplicates, tested = whole_table_duplicates(whole_table), int(whole_table["p_value"].notna().sum())
    stated = (
        f"gives {len(whole_table)} rows ({duplicates} exact duplicates of a shared cell judged once), "
        f"{tested} of them tested"
    )
    text = " ".join((REPO / "docs" / "bound_checks.md").read_text().split())
    assert stated in text, f"docs/bound_checks.md should say: {stated}"
    verdicts = ", ".join(f"{counts.get(v, 0)} `{v}`" for v in VERDICTS)
    assert verdicts in text, f"docs/bound_checks.md should say: {verdicts}"


def whole_table_duplicates(frame: pd.DataFrame) -> int:
    """The duplicate rows dropped: each kept row names the experiments whose identical test it stands for
    (relu_lib.bound_table.judged_once)."""
    named = frame["reason"].str.extract(r"the same test \(cell and streams\) in (.*?): judged once")[0].dropna()
    return int(sum(len(where.split(", ")) for where in named))
