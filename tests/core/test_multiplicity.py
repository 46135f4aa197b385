"""Error control of the table's verdicts (relu_lib.multiplicity): Holm within a scope, the per-row override."""

import math

import numpy as np
import pytest

from relu_lib import config as relu_config
from relu_lib import multiplicity, verdicts
from relu_lib.bound_table import control_line, judged_once, not_holding_section
from relu_lib.distributions import binomial_cdf


def test_holm_steps_down_and_stops_at_the_first_failure():
    # sorted: 0.005 <= 0.05/4, 0.01 <= 0.05/3, 0.03 > 0.05/2: stop (0.04 is not rejected although <= 0.05/1)
    assert multiplicity.holm([0.01, 0.04, 0.03, 0.005], 0.05).tolist() == [True, False, False, True]
    assert not multiplicity.holm([0.2, 0.3], 0.05).any()
    assert multiplicity.holm([0.001, 0.04], 0.05).all()  # 0.04 <= 0.05 / 1 once 0.001 is out


def identity_rows(p_small: float, others: int, check_small: str = "a") -> list[verdicts.CheckRow]:
    """One identity row whose two-sided p-value is p_small among `others` rows that fit exactly."""
    z = multiplicity.normal_isf(p_small / 2)
    rows = [verdicts.row("equal", 1 + z * 0.01, 0.01, 1.0, check=check_small, paper="A", experiment="e", cell="c")]
    rows += [verdicts.row("equal", 1.0, 0.01, 1.0, check="b", paper="A", experiment="e", cell=f"c{k}")
             for k in range(others)]  # fmt: skip
    return rows


def test_one_small_p_value_among_many_rows_is_a_false_alarm_the_table_absorbs():
    frame = verdicts.to_frame(identity_rows(0.001, 99))
    assert frame["verdict"].iloc[0] == "violated"  # alone at z = 3 (two-sided 0.0027)
    table = multiplicity.decide(frame, level=0.05, scope="table")
    assert table["verdict"].iloc[0] == "holds"  # 0.001 > 0.05 / 100
    family = multiplicity.decide(frame, level=0.05, scope="family")
    assert family["verdict"].iloc[0] == "violated"  # alone in its family: 0.001 <= 0.05
    per_row = multiplicity.decide(frame, z=3.0)
    assert per_row["verdict"].iloc[0] == "violated"


def test_a_large_effect_is_violated_under_table_control():
    frame = multiplicity.decide(verdicts.to_frame(identity_rows(1e-6, 99)), level=0.05)
    assert frame["verdict"].iloc[0] == "violated" and (frame["verdict"].iloc[1:] == "holds").all()
    assert frame["threshold"].iloc[0] == pytest.approx(0.05 / 100)  # the smallest p-value: Holm's first step
    assert frame["threshold"].max() == pytest.approx(0.05)  # the largest: the last step


def test_rows_without_a_p_value_keep_their_verdict_and_are_not_counted():
    rows = identity_rows(0.03, 0)  # one tested row, p = 0.03 <= 0.05: violated alone in the table
    rows.append(verdicts.row("upper", 2.0, 0.0, 1.0, check="exact", paper="A", experiment="e", cell="x"))
    rows.append(verdicts.not_applicable("a hypothesis fails", check="n", paper="A", experiment="e", cell="y"))
    frame = multiplicity.decide(verdicts.to_frame(rows), level=0.05)
    assert frame["verdict"].astype(str).tolist() == ["violated", "violated", "not_applicable"]
    assert math.isnan(frame["p_value"].iloc[1])  # no sampling error: computed, not tested


def test_a_bound_holds_only_under_control_and_says_what_would_decide_it():
    rows = [verdicts.row("upper", 1.0 - 2.5 * 0.01, 0.01, 1.0, replicates=64, check="B", paper="A",
                         experiment="e", cell=f"c{k}") for k in range(50)]  # fmt: skip
    frame = verdicts.to_frame(rows)
    assert (frame["verdict"] == "inconclusive").all()  # 2.5 se inside the bound: short of z = 3 alone
    table = multiplicity.decide(frame, level=0.05)
    assert (table["verdict"] == "inconclusive").all()  # p_holds = 0.0062 > 0.05 / 50
    want = multiplicity.normal_isf(0.05 / 50)
    assert table["seeds_needed"].iloc[0] == math.ceil(64 * (want / 2.5) ** 2)
    loose = multiplicity.decide(frame, level=0.5)  # 0.0062 <= 0.5 / 50
    assert (loose["verdict"] == "holds").all()


def test_an_exact_binomial_row_needs_the_exact_number_of_trials():
    # 30/30 trials against P >= 0.9, to reach 0.05 / 27 (Bonferroni over 27 rows): 0.9^n <= 0.05 / 27
    n = multiplicity.trials_at_frequency(1.0, 0.9, 0.05 / 27, 30)
    assert n == math.ceil(math.log(0.05 / 27) / math.log(0.9))
    below = multiplicity.trials_at_frequency(0.85, 0.9, 0.01, 30)  # below the bound: trials to make it violated
    assert (
        binomial_cdf(round(0.85 * below), int(below), 0.9)
        <= 0.01
        < binomial_cdf(round(0.85 * (below - 1)), int(below - 1), 0.9)
    )
    assert multiplicity.trials_at_frequency(0.9, 0.9, 0.01, 30) == math.inf


@pytest.mark.parametrize("z", [2.0, 3.0])
def test_the_per_row_override_reproduces_judge(z):
    rng = np.random.default_rng(0)
    rows = [verdicts.row(kind, float(o), 0.1, 1.0, z=z, dof=dof, check="k", paper="A", experiment="e", cell=str(i))
            for i, (kind, o, dof) in enumerate(zip(["upper", "lower", "equal"] * 30, rng.normal(1, 0.3, 90),
                                                   [math.inf, 9, 63] * 30, strict=True))]  # fmt: skip
    frame = verdicts.to_frame(rows)
    decided = multiplicity.decide(frame, z=z)
    assert (decided["verdict"] == frame["verdict"]).all()


def test_the_config_defaults_to_table_wide_control_and_z_is_an_override():
    base = {"checks": {"epsilon": 0.01, "delta": 0.1, "fail_on_violation": False}}
    filled = relu_config.checks(base)
    assert (filled["level"], filled["scope"], filled["override"]) == (0.05, "table", False)
    override = relu_config.checks({"checks": {**base["checks"], "z": 4, "scope": "family"}})
    assert override["override"] and override["z"] == 4.0 and override["scope"] == "family"


def test_the_table_header_states_the_level_and_the_scope():
    frame = multiplicity.decide(verdicts.to_frame(identity_rows(0.5, 9)), level=0.01, scope="family")
    line = control_line(frame, 0.01, "family", None)
    assert "level 0.01" in line and "each check family" in line and "10 tested rows" in line
    assert "no multiplicity control" in control_line(frame, 0.05, "table", 3.0)
    assert "level 0.05 over the whole table" in control_line(frame, 0.05, "table", None)


def test_a_cell_shared_by_experiments_is_judged_once():
    one = verdicts.row("equal", 1.01, 0.01, 1.0, check="k", paper="A", experiment="e1", cell="c", step=10.0)
    same = verdicts.row("equal", 1.01, 0.01, 1.0, check="k", paper="A", experiment="e2", cell="c", step=10.0)
    other = verdicts.row("equal", 1.02, 0.01, 1.0, check="k", paper="A", experiment="e2", cell="c", step=20.0)
    frame = judged_once(verdicts.to_frame([one, same, other]))
    assert frame["experiment"].tolist() == ["e1", "e2"] and frame["step"].tolist() == [10.0, 20.0]
    assert "in e2: judged once" in frame["reason"].iloc[0] and "judged once" not in frame["reason"].iloc[1]


def test_the_page_lists_the_rows_that_do_not_hold_with_their_reason():
    rows = identity_rows(1e-9, 3)
    rows[0].reason = "a planted fault"
    rows.append(verdicts.row("upper", 0.99, 0.01, 1.0, replicates=30, check="B", paper="A", experiment="e", cell="x"))
    frame = multiplicity.decide(verdicts.to_frame(rows), level=0.05)
    lines = not_holding_section(frame)
    assert lines[0] == "## Rows that do not hold" and lines[2] == "1 violated, 1 inconclusive."
    violated = next(line for line in lines if line.startswith("| **violated**"))
    assert "a planted fault" in violated
    assert "seeds needed" in next(line for line in lines if line.startswith("| **inconclusive**"))
    assert "None" in not_holding_section(frame.iloc[1:4])[2]


def test_a_row_without_power_is_still_tested_but_never_holds():
    from relu_lib.paper_a.tails.checks import _no_power

    fields = {"check": "A6 tail index", "paper": "A", "experiment": "tails", "reason": "no power", "replicates": 8,
              "seeds_needed": 99.0}  # fmt: skip
    rows = [_no_power(2.0 + 10 * 0.5, 0.5, 2.0, cell="far", **fields), _no_power(2.1, 0.5, 2.0, cell="near", **fields)]
    frame = multiplicity.decide(verdicts.to_frame(rows), level=0.05)
    assert frame["verdict"].astype(str).tolist() == ["violated", "inconclusive"]
    assert frame["seeds_needed"].iloc[1] == 99.0  # its own rule's count, not the generic one


def test_a_table_without_shared_cells_is_unchanged():
    frame = verdicts.to_frame(identity_rows(0.5, 2))
    assert judged_once(frame)["reason"].tolist() == frame["reason"].tolist()
