"""The default config's verdict table: one real run of config.yaml (several minutes on 2 cores; the one default
run CI spends), then assertions on results/bounds/all_checks.parquet.

Paper A: every family of relu_lib.paper_a.checks (the exact moments, the any-law moments, the paper's figure
values; Theorem 3.1's rows on the same cells besides) has rows in every experiment it applies to, and the counts per
experiment, family and verdict are reported (printed, and attached to the test's report as a property). Which
rows may be `violated` is not pinned here: a calibration test of the families' false-alarm rate replaces the
old list of known false alarms. Paper A's rows are decided (no `inconclusive` row), and every inconclusive row
of either paper says how many seeds would decide it.
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
def default_table(tmp_path_factory) -> pd.DataFrame:
    workdir = tmp_path_factory.mktemp("default")
    shutil.copy(REPO / "config.yaml", workdir / "config.yaml")
    result = snakemake(workdir, "--cores", "2", timeout=3600)
    assert result.returncode == 0, result.stderr[-3000:]
    frame = pd.read_parquet(workdir / "results" / "bounds" / "all_checks.parquet")
    frame["verdict"] = frame["verdict"].astype(str)
    return frame[(frame["paper"] == "B") | frame["experiment"].isin(EXPERIMENTS_A)]


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
