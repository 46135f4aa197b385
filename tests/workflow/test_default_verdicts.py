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
    assert len(rows)  # paper B's 30-trial envelope rows
    assert rows["seeds_needed"].notna().all()
    assert (rows["seeds_needed"] > rows["replicates"]).all()
