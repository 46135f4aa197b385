"""Paper B's pipeline pieces without Snakemake: grid expansion, the cell run and its Parquet,
per-cell statistics, the c50/c90 table and the verdict rows."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, SMOKE_CONFIG

from relu_lib import config as relu_config
from relu_lib import provenance
from relu_lib.distributions import binomial_cdf, binomial_sf, clopper_pearson
from relu_lib.errors import UserError
from relu_lib.io import read_table
from relu_lib.paper_a import grid as paper_a_grid
from relu_lib.paper_b import cost
from relu_lib.paper_b import grid as paper_b_grid
from relu_lib.paper_b.c_table import c50_c90_table, c_table_markdown, reference_c
from relu_lib.paper_b.checks import rows_for
from relu_lib.paper_b.fresh import FRESH_STREAM, choose_point
from relu_lib.paper_b.pgd import draw_trial, run_trials
from relu_lib.paper_b.summary import binomial, cell_stats, load_cells
from relu_lib.paper_b.theory import first_step_q_variance, n0_record
from relu_lib.paper_b.trainer import TRAJECTORY_COLUMNS, check_n0, sample_size, train_to_parquet
from relu_lib.seeding import generator
from relu_lib.verdicts import VERDICTS, to_frame

Z = 4.0  # Monte Carlo tolerances in standard errors, as in test_paper_b.py
SMOKE = yaml.safe_load(SMOKE_CONFIG.read_text())
DEFAULT = yaml.safe_load((REPO / "config.yaml").read_text())
SMOKE_B_EXPERIMENTS = ("trajectories", "sample_complexity")


def spec(**over):
    base = {
        "experiment": "sample_complexity",
        "constraint": "l0",
        "s": 3,
        "d": 40,
        "n": None,
        "ratio": 4.0,
        "trials": 5,
        "iterations": 12,
        "master_seed": 11,
    }
    return base | over


# ----------------------------------------------------------------------------- config
def test_default_grid_matches_experiments_md():
    cells = paper_b_grid.cells(relu_config.load(copy.deepcopy(DEFAULT)))
    b1 = cells["trajectories"]
    assert set(b1) == {"constraint=l0/s=20/d=1000/samples=625", "constraint=l0/s=20/d=1000/samples=1250"}
    assert math.floor(8 * 20 * math.log(1000 / 20)) == 625
    assert all(c["trials"] == 100 and c["n"] in (625, 1250) and c["ratio"] is None for c in b1.values())
    b2 = cells["sample_complexity"]
    ratios = sorted({c["ratio"] for c in b2.values()})
    assert ratios[0] == 0.5 and ratios[-1] >= 16
    assert {(c["constraint"], c["s"], c["d"]) for c in b2.values()} == {
        (k, s, d) for k in ("l0", "l1") for s, d in ((5, 500), (10, 1000), (20, 1000))
    }
    assert "constraint=l1/s=5/d=500/ratio=0.71" in b2


def test_paper_b_cells_of_the_smoke_config():
    config = relu_config.load(copy.deepcopy(SMOKE))
    cells = paper_b_grid.cells(config)
    assert set(cells) == {"trajectories", "sample_complexity"}
    for experiment, specs in cells.items():
        for cell, s in specs.items():
            assert paper_b_grid.spec_cell_id(s) == cell and s["experiment"] == experiment
            assert (s["n"] is None) != (s["ratio"] is None)


def test_either_paper_may_be_left_out_but_not_both():
    only_b = {k: v for k, v in copy.deepcopy(SMOKE).items() if k != "paper_a"}
    cells = relu_config.cells(relu_config.load(only_b))
    assert cells["paper_a"] == {} and cells["tails"] == {} and set(cells["paper_b"]) == set(SMOKE_B_EXPERIMENTS)
    assert paper_a_grid.cells(relu_config.load(only_b)) == {}
    only_a = {k: v for k, v in copy.deepcopy(SMOKE).items() if k != "paper_b"}
    cells = relu_config.cells(relu_config.load(only_a))
    assert cells["paper_b"] == {} and set(cells["paper_a"]) == set(SMOKE["paper_a"]["experiments"])
    assert paper_b_grid.cells(relu_config.load(only_a)) == {}
    neither = {k: v for k, v in copy.deepcopy(SMOKE).items() if k not in ("paper_a", "paper_b")}
    with pytest.raises(UserError, match="'paper_a' or 'paper_b'"):
        relu_config.load(neither)


@pytest.mark.parametrize(
    "mutate,expected",
    [
        (lambda e: e.update(ratios=[1, 1.0000001]), "differ by less than a relative 1e-06"),
        (lambda e: e.update(n=[10]), "exactly one of 'n'"),
        (lambda e: e.pop("ratios"), "exactly one of 'n'"),
        (lambda e: e.update(sizes=[{"s": 4, "d": 3}]), "'paper_b.experiments.sample_complexity.sizes[0].s' = 4"),
        (lambda e: e.update(sizes=[{"s": 4}]), "missing key 'paper_b.experiments.sample_complexity.sizes[0].d'"),
    ],
)
def test_paper_b_cross_key_errors_name_the_key(mutate, expected):
    config = copy.deepcopy(SMOKE)
    mutate(config["paper_b"]["experiments"]["sample_complexity"])
    with pytest.raises(UserError, match=expected.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        relu_config.load(config)


# ----------------------------------------------------------------------------- cells
def test_sample_size_rounds_ratio_times_n0():
    assert sample_size(spec(ratio=2.0), 18.25) == 37  # 36.5 rounds up
    assert sample_size(spec(ratio=0.01), 10.0) == 1
    assert sample_size(spec(n=625, ratio=None), 162.0) == 625


def test_n0_record_and_its_check():
    rec = n0_record("l1", 20, 1000, 5000, 3)
    assert rec["n0"] == pytest.approx(104.2, abs=0.1) and rec["n0_se"] == 0 and rec["samples"] is None
    assert n0_record("none", 3, 40, 5000, 3)["n0"] == 40
    l0 = n0_record("l0", 3, 40, 2000, 3)
    assert l0["n0_se"] > 0 and l0["samples"] == 2000
    with pytest.raises(UserError, match="n0.json: n0 file is for constraint = 'l1'"):
        check_n0(spec(), rec, "n0.json")


@pytest.fixture(scope="module")
def cell_file(tmp_path_factory):
    from relu_lib.io import write_json

    tmp = tmp_path_factory.mktemp("cell")
    write_json(tmp / "n0.json", {"constraint": "l0", "s": 3, "d": 40, "n0": 15.0, "n0_se": 0.1, "method": "test"})
    train_to_parquet(spec(), tmp / "n0.json", tmp / "data.parquet")
    return tmp / "data.parquet"


def test_cell_parquet_layout_and_metadata(cell_file):
    table, meta = read_table(cell_file, required=TRAJECTORY_COLUMNS)
    rows = table.to_pandas()
    assert len(rows) == 2 * 5 * 13 and set(rows["observation"].astype(str)) == {"relu", "linear"}
    assert meta["n"] == 60 and (rows["n"] == 60).all() and meta["ratio"] == pytest.approx(4.0)
    assert meta["cell"] == spec() and meta["n0"] == 15.0
    assert meta["provenance"]["code_fingerprint"] == provenance.fingerprint("relu_lib.paper_b.trainer")
    assert "relu_lib.paper_b.pgd" in meta["provenance"]["code_modules"]
    assert not any(m.startswith("relu_lib.paper_a") for m in meta["provenance"]["code_modules"])
    assert len(meta["first_step"]["along"]) == 5 and meta["first_step"]["mean_dev_norm2"] > 0
    direct = run_trials("l0", 3, 40, 60, 5, 12, 11)
    relu = rows[rows["observation"] == "relu"].sort_values(["seed", "step"])["error"].to_numpy().reshape(5, 13)
    np.testing.assert_array_equal(relu, direct["errors_relu"])  # the file holds exactly run_trials' numbers
    np.testing.assert_array_equal(load_cells([cell_file])[0].errors["linear"], direct["errors_linear"])


def test_cell_stats_of_a_file(cell_file):
    stats = cell_stats(load_cells([cell_file]), 1e-6)
    assert list(stats["observation"]) == ["relu", "linear"]
    assert stats["cell"].iloc[0] == "constraint=l0/s=3/d=40/ratio=4"
    relu = stats.iloc[0]
    assert 0 <= relu["envelope_freq"] <= 1 and relu["envelope_se"] > 0
    assert np.isfinite(relu["first_step_q"]) and np.isnan(stats.iloc[1]["first_step_q"])


def test_cost_grows_with_the_cell():
    small, big = cost.resources(spec()), cost.resources(spec(ratio=64.0, d=1000, s=20, trials=30, iterations=30))
    assert big["mem_mb"] > small["mem_mb"] and big["runtime"] >= small["runtime"] >= 2
    assert cost.n0_estimate("l0", 20, 1000) >= 162  # sizes jobs a little high, never low


def test_first_step_q_mean_and_variance_by_simulation():
    """q = T n ||mean_T (g - w*)||^2 / (2d + 3) has mean 1 and variance first_step_q_variance
    (derived) for a common w*; tolerances are Z Monte Carlo standard errors."""
    d, n, trials, reps = 20, 5, 10, 4000
    g = generator(5, "tests_first_step_q")
    w = np.zeros(d)
    w[:3] = g.standard_normal(3)
    w /= np.linalg.norm(w)
    X = g.standard_normal((reps, trials, n, d))
    dev = 2 * np.einsum("rtn,rtnd->rtd", np.maximum(X @ w, 0.0), X) / n - w
    q = trials * n * (dev.mean(axis=1) ** 2).sum(axis=-1) / (2 * d + 3)
    assert abs(q.mean() - 1) <= Z * q.std(ddof=1) / math.sqrt(reps)
    centred2 = (q - q.mean()) ** 2
    assert abs(centred2.mean() - first_step_q_variance(d, n, trials)) <= Z * centred2.std(ddof=1) / math.sqrt(reps)
    # the labels' common factor matters at small n: without it the variance is less than half
    assert 2 * (4 * d + 21) / (2 * d + 3) ** 2 < 0.5 * first_step_q_variance(d, n, trials)


# ----------------------------------------------------------------------------- table and verdicts
def test_binomial_se_is_never_zero():
    assert binomial(0, 30)[0] == 0 and binomial(0, 30)[1] > 0
    p, se = binomial(15, 30)
    assert p == 0.5 and se == pytest.approx(math.sqrt(0.25 / 30))


def synthetic_stats(freqs_by_size, ratios=(0.5, 1, 2, 4, 8), constraint="l0", trials=20):
    rows = []
    for (s, d), freqs in freqs_by_size.items():
        for r, f in zip(ratios, freqs, strict=False):
            k = round(f * trials)
            for model in ("relu", "linear"):
                rows.append(
                    {
                        "experiment": "sample_complexity",
                        "cell": f"constraint={constraint}/s={s}/d={d}/ratio={r:g}",
                        "constraint": constraint,
                        "s": s,
                        "d": d,
                        "n": int(r * 50),
                        "n0": 50.0,
                        "n0_se": 0.0,
                        "ratio": r,
                        "trials": trials,
                        "iterations": 30,
                        "observation": model,
                        "success_threshold": 1e-6,
                        "envelope_k": k,
                        "envelope_freq": k / trials,
                        "envelope_se": binomial(k, trials)[1],
                        "success_freq": k / trials,
                        "success_se": binomial(k, trials)[1],
                        "ratio_median": 0.3 if f > 0.9 else 0.8,
                        "ratio_median_se": 0.01,
                        "first_step_along": 1.01,
                        "first_step_along_se": 0.02,
                        "first_step_q": 1.2,
                        "first_step_q_sd": 0.05,
                    }
                )
    return pd.DataFrame(rows)


def test_c50_c90_table_with_censoring():
    stats = synthetic_stats(
        {(5, 100): [0, 0.2, 0.6, 1, 1], (10, 100): [0.95, 1, 1, 1, 1], (20, 100): [0, 0, 0, 0.1, 0.4]}
    )
    table = c50_c90_table(stats)
    env = table[(table["criterion"] == "envelope") & (table["observation"] == "relu")].set_index("s")
    assert env.loc[5, "c50"] == pytest.approx(2 ** (0 + 0.75)) and env.loc[5, "c50_note"] == ""
    assert env.loc[10, "c90"] == 0.5 and env.loc[10, "c90_note"] == "at_or_below"
    assert math.isnan(env.loc[20, "c50"]) and env.loc[20, "c50_note"] == "not_reached"
    text = c_table_markdown(table, 30, 1e-6)
    assert "| l0 | 20 | 100 | 50.0 (exact) | > 8 | > 8 |" in text and "<= 0.5" in text
    value, why = reference_c(table, "l0")
    assert math.isnan(value) and "never reached 0.9" in why and "(s=20, d=100)" in why


def test_the_envelope_is_judged_by_the_exact_binomial_test():
    """T/T trials hold once 0.9^T is below the one-sided tail of z = 3 (T >= 63), not at any T."""
    stats = synthetic_stats({(5, 100): [0, 0.2, 0.6, 1, 1]}, trials=62)
    frame = to_frame(rows_for("trajectories", stats, c50_c90_table(stats))).set_index(["check", "cell"])
    row = frame.loc[("B envelope", "constraint=l0/s=5/d=100/ratio=8")]
    assert row["test"] == "exact binomial" and row["p_holds"] == pytest.approx(0.9**62)
    assert row["verdict"] == "inconclusive" and row["seeds_needed"] == 63


def test_verdict_rows_follow_the_measured_c():
    stats = synthetic_stats({(5, 100): [0, 0.2, 0.6, 1, 1], (10, 100): [0, 0.5, 0.95, 1, 0.5]}, trials=100)
    table = c50_c90_table(stats)
    c_ref, _ = reference_c(table, "l0")
    assert c_ref == pytest.approx(2 ** (1 + 0.3 / 0.4))  # (s=5): 0.6 at 2, 1 at 4
    frame = to_frame(rows_for("trajectories", stats, table))  # other trials than those that measured c
    assert len(frame) == 4 * 10 and set(frame["check"]) == {"B envelope", "B rate", "B first step"}
    assert set(frame["verdict"].astype(str)) <= set(VERDICTS) and (frame["paper"] == "B").all()
    env = frame[frame["check"] == "B envelope"].set_index("cell")
    below = env[env.index.str.endswith(("ratio=0.5", "ratio=1", "ratio=2"))]
    assert (below["verdict"] == "not_applicable").all() and below["reason"].str.contains("below c =").all()
    assert below["observed"].notna().all()  # reported even where the theorem makes no claim
    assert env.loc["constraint=l0/s=5/d=100/ratio=8", "verdict"] == "holds"  # 100/100: P(X >= 100 | 0.9) = 2.7e-5
    few = to_frame(rows_for("trajectories", synthetic_stats({(5, 100): [0, 0.2, 0.6, 1, 1]}, trials=30), table))
    assert "holds" not in set(few[few["check"] == "B envelope"]["verdict"].astype(str))
    assert env.loc["constraint=l0/s=10/d=100/ratio=8", "verdict"] == "violated"  # 0.5 above c: a real finding
    first = frame[frame["check"] == "B first step"]
    assert (first["predicted"] == 1.0).all() and (first["verdict"] != "not_applicable").all()
    assert set(first["verdict"].astype(str)) == {"holds", "violated"}  # 1.01 +- 0.02 holds; 1.2 +- 0.05 does not
    no_table = to_frame(rows_for("trajectories", stats, None))
    assert (no_table[no_table["check"] != "B first step"]["verdict"] == "not_applicable").all()


def test_checks_z_changes_paper_b_verdicts():
    """checks.z applies to paper B too: 100/100 trials hold at z = 3 (0.9^100 = 2.7e-5 below the tail 1.3e-3) but
    not at z = 4.5 (tail 3.4e-6); the first-step rows' reasons name the z they used."""
    stats = synthetic_stats({(5, 100): [0, 0.2, 0.6, 1, 1]}, trials=100)
    table = c50_c90_table(stats)
    cell = "constraint=l0/s=5/d=100/ratio=8"

    def envelope(z):
        frame = to_frame(rows_for("trajectories", stats, table, z=z)).set_index(["check", "cell"])
        return frame.loc[("B envelope", cell)], frame.loc["B first step"]

    (at3, first3), (at4, first4) = envelope(3.0), envelope(4.5)
    assert at3["verdict"] == "holds" and at4["verdict"] == "inconclusive"
    assert first3["reason"].str.contains("within 3 ").all() and first4["reason"].str.contains("within 4.5 ").all()


def test_fresh_trials_come_from_a_domain_no_cell_draws_from():
    """The cells' trial r is ('paper_b', s, d, n, r) as it always was (their bits unchanged); a fresh trial at the
    same (s, d, n, r) is other data."""
    w_cell, X_cell = draw_trial(7, 3, 40, 50, 0)
    rng = generator(7, "paper_b", 3, 40, 50, 0)
    rng.choice(40, size=3, replace=False), rng.standard_normal(3)
    assert np.array_equal(X_cell, rng.standard_normal((50, 40)))
    w_fresh, X_fresh = draw_trial(7, 3, 40, 50, 0, stream=FRESH_STREAM)
    assert not np.allclose(X_cell, X_fresh) and np.linalg.norm(w_fresh) == pytest.approx(1.0)


def test_the_fresh_point_is_the_smallest_grid_ratio_at_or_above_c():
    stats = synthetic_stats({(5, 100): [0, 0.2, 0.6, 1, 1], (10, 100): [0, 0.5, 0.95, 1, 1]})
    c, _ = reference_c(c50_c90_table(stats), "l0")  # 2^(1.75) = 3.36, from (s=5)
    assert choose_point(stats, c, "l0", 10, 100)["cell"] == "constraint=l0/s=10/d=100/ratio=4"
    assert choose_point(stats, 2.0, "l0", 5, 100)["ratio"] == 2  # at c itself: included
    assert choose_point(stats, 9.0, "l0", 5, 100) is None and choose_point(stats, math.nan, "l0", 5, 100) is None


def fresh_input(k: int, trials: int, point: dict | None):
    meta = {"constraint": "l0", "s": 5, "d": 100, "c": 3.36, "c_reason": "c = 3.36, measured", "point": point}
    meta |= {"n": 200, "iterations": 30, "trials": trials}
    frame = pd.DataFrame(
        {"trial": range(trials), "envelope": np.arange(trials) < k, "ratio_median": 0.3, "diverged": False}
    )
    return meta, frame


def test_in_sample_envelopes_are_reported_and_fresh_trials_judge_the_theorem():
    """Paper B's envelope is judged on trials that did not measure c: the sample_complexity cells at n/n0 >= c are
    `not_applicable` (in sample), the fresh trials at the smallest grid n/n0 >= c decide, exact binomial with
    the Clopper–Pearson interval in the reason (z = 3 alone here: 120/120 holds, 96/120 is violated)."""
    stats = synthetic_stats({(5, 100): [0, 0.2, 0.6, 1, 1]}, trials=100)
    table = c50_c90_table(stats)
    point = {"cell": "constraint=l0/s=5/d=100/ratio=4", "ratio": 4.0, "n0": 50.0, "in_sample_k": 100}
    point["in_sample_trials"] = 100
    for k, verdict in ((120, "holds"), (96, "violated"), (110, "inconclusive")):
        frame = to_frame(rows_for("sample_complexity", stats, table, z=3.0, fresh=[fresh_input(k, 120, point)]))
        env = frame[frame["check"] == "B envelope"]
        in_sample = env[~env["quantity"].str.contains("fresh")].set_index("cell")
        at_or_above = in_sample.loc[["constraint=l0/s=5/d=100/ratio=4", "constraint=l0/s=5/d=100/ratio=8"]]
        assert (at_or_above["verdict"] == "not_applicable").all() and at_or_above["reason"].str.contains(
            "in sample"
        ).all()
        fresh = env[env["quantity"].str.contains("fresh")]
        assert len(fresh) == 1 and fresh["verdict"].iloc[0] == verdict and fresh["replicates"].iloc[0] == 120
        assert fresh["cell"].iloc[0] == point["cell"] and "Clopper–Pearson 95 % interval" in fresh["reason"].iloc[0]
        rate = frame[(frame["check"] == "B rate") & frame["quantity"].str.contains("fresh")]
        assert len(rate) == 1 and rate["verdict"].iloc[0] == "holds"  # 0.3 against 1/2
    none = to_frame(rows_for("sample_complexity", stats, table, fresh=[fresh_input(0, 0, None)]))
    row = none[none["quantity"].str.contains("fresh")]
    assert len(row) == 1 and row["verdict"].iloc[0] == "not_applicable" and "no fresh trials" in row["reason"].iloc[0]


def test_clopper_pearson_limits():
    assert clopper_pearson(29, 30) == pytest.approx((0.82783, 0.99916), abs=1e-5)
    assert clopper_pearson(0, 10) == pytest.approx((0.0, 1 - 0.025**0.1))
    assert clopper_pearson(120, 120) == pytest.approx((0.025 ** (1 / 120), 1.0))
    low, high = clopper_pearson(37, 80, level=0.1)  # the limits are the exact test's duals
    assert binomial_sf(37, 80, low) == pytest.approx(0.05) and binomial_cdf(37, 80, high) == pytest.approx(0.05)
