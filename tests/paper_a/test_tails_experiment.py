"""The tails study's experiment: the grid (both algorithms at their own edges, the thinning rule, sigma), the trainer
(projected.run per seed and algorithm, the model's chains, the table layout), the fixed-k estimation on exact Pareto
samples, the growth factor through the real update rule, and the verdict logic of every family."""

import math

import numpy as np
import pytest

from relu_lib import config as relu_config
from relu_lib.errors import UserError
from relu_lib.io import read_table
from relu_lib.paper_a import grid as paper_a_grid
from relu_lib.paper_a import projected
from relu_lib.paper_a.kernel import RANDOM_SIGN
from relu_lib.paper_a.streams import unit_vector
from relu_lib.paper_a.tails import checks, estimators, growth, prediction, summary, theory, transfer
from relu_lib.paper_a.tails import grid as tails_grid
from relu_lib.paper_a.tails import trainer as sim
from relu_lib.paper_a.update_rule import step

Z = 4.0


def small_config(**tails):
    exp = {
        "laws": ["gauss"],
        "batch_sizes": [2, 4],
        "edge_fractions": [0.5, 0.9],
        "adversary": ["random_sign", "alternating"],
        "beta": 0.5,
        "theta": 1.0,
        "seeds": 20,
        "samples": 3,
        "thin_factor": 2,
        "burn_in_lags": 2,
        "bootstrap": 20,
        "growth_draws": 2000,
        **tails,
    }
    return {
        "seed": 3,
        "laws": {
            "gauss": {"family": "normal", "d": 10, "sigma": 2.0},
            "unit": {"family": "normal", "d": 10, "sigma": 1.0},
            "lap": {"family": "laplace", "d": 10, "scale": 1.0},
        },
        "paper_a": {
            "w_star_scale": 1.0,
            "start_scale": 1.0,
            "moment_samples": 1000,
            "experiments": {"tails": exp},
        },
        "checks": {"z": 3, "epsilon": 0.01, "delta": 0.1, "fail_on_violation": False},
    }


@pytest.fixture(scope="module")
def cells():
    return tails_grid.cells(relu_config.load(small_config()))["tails"]


# --- the grid -----------------------------------------------------------------------------------------------------


def test_grid_expands_one_cell_per_law_attack_b_and_fraction(cells):
    assert list(cells) == [
        f"law=gauss/attack={a}/b={b}/frac={f}"
        for a in ("random_sign", "alternating")
        for b in (2, 4)
        for f in (0.5, 0.9)
    ]
    spec = cells["law=gauss/attack=random_sign/b=4/frac=0.9"]
    flt = prediction.alg2_filter("random_sign", 0.5, 1.0, 1.0, 2.0)
    plans = spec["algorithms"]
    # each algorithm at the fraction of its own edge, for N(0, sigma^2 I) at eta = fraction edge / sigma^2
    assert plans["sgd"]["eta"] == pytest.approx(0.9 * theory.stability_edge(4, 10) / 4.0)
    assert plans["alg2"]["eta"] == pytest.approx(0.9 * transfer.stability_edge(4, 10, flt) / 4.0)
    for name, plan in plans.items():
        assert plan["effective_eta"] == pytest.approx(4.0 * plan["eta"])
        assert plan["thin"] == math.ceil(2 * plan["time_scale"]) and plan["burn_in"] == 2 * plan["thin"]
        body = 1 / (plan["effective_eta"] * prediction.contraction(name, flt))
        assert body < plan["time_scale"] < body + 100  # plus the tail's 1 / (alpha |gamma|)
    assert paper_a_grid.cells(relu_config.load(small_config())) == {}  # not a paper A trajectory experiment


def test_grid_defaults_and_a_single_attack():
    config = relu_config.load(small_config(adversary="alternating", laws=["unit"]))
    exp = tails_grid.experiment(config)
    assert exp["adversaries"] == ["alternating"] and exp["tail_fraction"] == tails_grid.DEFAULTS["tail_fraction"]
    assert tails_grid.conjecture_grid(config)["dims"] == [10]
    assert tails_grid.estimation(config) == {"bootstrap": 20, "tail_fraction": 0.004, "growth_draws": 2000}
    # a law with its own fractions (near the edge, where a large n resolves a tail)
    config = relu_config.load(
        small_config(laws=["gauss", "unit"], by_law={"unit": {"edge_fractions": [0.95], "seeds": 30}})
    )
    fractions = {(s["law_name"], s["fraction"], s["seeds"]) for s in tails_grid.cells(config)["tails"].values()}
    assert fractions == {("gauss", 0.5, 20), ("gauss", 0.9, 20), ("unit", 0.95, 30)}


@pytest.mark.parametrize(
    "over, key",
    [
        ({"laws": ["lap"]}, "Gaussian"),
        ({"edge_fractions": [1.2]}, "edge_fractions"),
        ({"adversary": "aligned"}, "adversary"),
        ({"adversary": ["random_sign", "random_sign"]}, "adversary"),
        ({"tail_fraction": 0.0}, "tail_fraction"),
        ({"model_factor": 0}, "model_factor"),
        ({"conjecture_dims": [3]}, "conjecture_dims"),
        ({"conjecture_fractions": [1.0]}, "conjecture_fractions"),
        ({"growth_draws": 10}, "growth_draws"),
        ({"by_law": {"unit": {"seeds": 30}}}, "by_law"),
        ({"by_law": {"gauss": {"edge_fractions": [1.5]}}}, "edge_fractions"),
        ({"by_law": {"gauss": {"tail_fraction": 0.1}}}, "tail_fraction"),
        ({"laws": ["missing"]}, "laws"),
    ],
)
def test_bad_config_is_a_one_line_user_error_naming_the_key(over, key):
    with pytest.raises(UserError, match=key) as info:
        relu_config.load(small_config(**over))
    assert "\n" not in str(info.value)


# --- the trainer --------------------------------------------------------------------------------------------------


def test_measured_runs_are_projected_runs_of_each_algorithm_at_its_own_step(cells):
    """Seed r's column a is projected.run at algorithm a's step on the seed's stream, N(0, sigma^2 I) as N(0, I) at
    eta sigma^2 and theta / sigma; the two calls consume the same numbers (the same labels and attack)."""
    spec = cells["law=gauss/attack=random_sign/b=2/frac=0.5"]
    norms = sim.measured(spec, seeds=range(1, 3))
    assert norms.shape == (2, 2, 3)
    w_star = unit_vector(spec["master_seed"], "w_star", 10)
    for a, name in enumerate(sim.ALGORITHMS):
        plan = spec["algorithms"][name]
        steps = sim.steps_of(plan, 3)
        assert steps.tolist() == [plan["burn_in"] + j * plan["thin"] for j in (1, 2, 3)]
        error, _, _ = projected.run(
            sim.seed_stream(spec, 2), w_star, w_star, 2, 4.0 * plan["eta"], 0.5, 0.5, RANDOM_SIGN, -np.inf,
            int(steps[-1]), steps, sim.DIVERGED_SQ,
        )  # fmt: skip
        np.testing.assert_array_equal(norms[a, 1], error[:, a])
    # a seed's numbers do not depend on the block it is simulated in
    np.testing.assert_array_equal(sim.measured(spec, seeds=range(2, 3))[:, 0], norms[:, 1])


def test_cell_file_layout_and_metadata(cells, tmp_path):
    spec = cells["law=gauss/attack=alternating/b=2/frac=0.5"]
    seconds = sim.run_to_parquet(spec, tmp_path / "norms.parquet")
    assert set(seconds) == {"measured", "model"} and all(v >= 0 for v in seconds.values())
    table, meta = read_table(tmp_path / "norms.parquet", sim.COLUMNS)
    assert table.num_rows == 2 * 3 * spec["seeds"] * (1 + spec["model_factor"])
    assert meta["cell"] == spec and meta["provenance"]["code_fingerprint"] and "ceil(2" in meta["thin_rule"]
    assert meta["non_finite"] == {"measured": 0, "model": 0}
    norms, _ = summary.read_cell(tmp_path / "norms.parquet")
    again = sim.simulate(spec)
    for source in sim.SOURCES:
        np.testing.assert_array_equal(norms[source], again[source])
    assert norms["model"].shape == (2, spec["model_factor"] * spec["seeds"], 3)
    frame = table.to_pandas()
    steps = frame[(frame["source"] == "measured") & (frame["algorithm"] == "alg2")]["step"]
    assert set(steps) == set(sim.steps_of(spec["algorithms"]["alg2"], 3).tolist())


def test_sigma_scaling_is_exact_for_both_update_rules():
    """N(0, sigma^2 I) at step eta, filter level theta is N(0, I) at eta sigma^2 with theta / sigma: the same step."""
    rng = np.random.default_rng(3)
    z = rng.standard_normal((7, 4, 10))
    w_star = unit_vector(1, "w_star", 10)
    noise = 1.0 * (rng.integers(0, 2, (7, 4)) * 2 - 1) * (rng.random((7, 4)) < 0.5)
    w0 = w_star + rng.standard_normal((2, 7, 10))
    w_sigma, w_unit = w0.copy(), w0.copy()
    sigma = 2.0
    # labels y = ReLU(<w*, x>) + xi scale to y / sigma = ReLU(<w*, z>) + xi / sigma on Delta = w - w* ... in w space:
    # (w - w*) evolves identically, with theta and xi divided by sigma
    step(w_sigma, ["alg2", "sgd"], sigma * z, np.maximum(sigma * z @ w_star, 0) + noise, 0.1, 1.0)
    step(w_unit, ["alg2", "sgd"], z, np.maximum(z @ w_star, 0) + noise / sigma, 0.1 * sigma**2, 1.0 / sigma)
    np.testing.assert_allclose(w_sigma, w_unit, rtol=1e-12)


# --- the estimation -----------------------------------------------------------------------------------------------


def test_hill_at_a_fixed_k_recovers_an_exact_pareto_index_with_a_calibrated_error():
    """On i.i.d. Pareto(4) samples: Hill at k = 200 over 40 replicates has mean 4 k / (k - 1) and spread
    ~ 4 / sqrt(k); the seed bootstrap's error matches the spread (within its own sampling error)."""
    rng = np.random.default_rng(11)
    k = 200
    values = [estimators.hill_at(rng.pareto(4.0, (1000, 20)) + 1.0, k) for _ in range(40)]
    assert abs(np.mean(values) - 4 * k / (k - 1)) < Z * np.std(values, ddof=1) / math.sqrt(40)
    sample = rng.pareto(4.0, (2, 1000, 20)) + 1.0
    boots = summary.cluster_bootstrap(sample, k, np.random.default_rng(2), 200)
    assert boots.shape == (200, 2)
    assert np.std(boots[:, 0], ddof=1) == pytest.approx(np.std(values, ddof=1), rel=0.35)


def test_estimate_cell_on_a_simulated_cell(cells, tmp_path):
    spec = cells["law=gauss/attack=random_sign/b=4/frac=0.9"]
    sim.run_to_parquet(spec, tmp_path / "norms.parquet")
    norms, meta = summary.read_cell(tmp_path / "norms.parquet")
    settings = {"tail_fraction": 0.2, "growth_draws": 2000}
    records = summary.estimate_cell(norms, meta, np.random.default_rng(1), 30, settings)
    assert [r["algorithm"] for r in records] == ["alg2", "sgd"]
    for rec in records:
        assert set(summary.SUMMARY_COLUMNS) <= set(rec)
        assert rec["k"] == round(0.2 * 60) and rec["model_groups"] == spec["model_factor"]
        assert rec["predicted"] == pytest.approx(
            prediction.index(rec["algorithm"], spec["algorithms"][rec["algorithm"]]["effective_eta"], 4, 10,
                             prediction.alg2_filter("random_sign", 0.5, 1.0, 1.0, 2.0)), abs=1e-3,
        )  # fmt: skip
        assert rec["pre_asymptotic"] == pytest.approx(rec["model_hill"] - rec["predicted"])
        assert rec["pooled_se"] > 0 and rec["growth_se"] > 0
    assert records[0]["pair_difference"] == pytest.approx(records[0]["hill"] - records[1]["hill"])
    again = summary.estimate_cell(norms, meta, np.random.default_rng(1), 30, settings)
    assert again[0]["hill_se"] == records[0]["hill_se"]  # seeded
    # one estimates file per cell, merged into the summary
    summary.estimate(tmp_path / "norms.parquet", tmp_path / "estimates.parquet", 30, settings)
    summary.summarize([tmp_path / "estimates.parquet"] * 2, tmp_path / "summary.parquet")
    merged, meta = read_table(tmp_path / "summary.parquet", summary.SUMMARY_COLUMNS)
    assert merged.num_rows == 4 and meta["estimation"] == settings and meta["source"] == "derived"


@pytest.mark.parametrize("name", ["alg2", "sgd"])
def test_growth_factor_through_the_update_rule_is_one_at_the_predicted_index(cells, name):
    """The defining equation of alpha through update_rule.step: 1 within Z standard errors of the law's variance."""
    spec = cells["law=gauss/attack=alternating/b=4/frac=0.9"]
    flt = prediction.alg2_filter("alternating", 0.5, 1.0, 1.0, 2.0)
    eff = spec["algorithms"][name]["effective_eta"]
    alpha = prediction.index(name, eff, 4, 10, flt)
    h = prediction.eigenfunction(eff, 4, 10, flt, alpha) if name == "alg2" else None
    draws = 50_000
    mean, sample_se = growth.growth_factor(spec, name, alpha, draws, np.random.default_rng(5), h)
    se = math.sqrt(prediction.growth_variance(name, eff, 4, 10, flt, alpha) / draws)
    assert abs(mean - 1.0) < Z * se
    assert sample_se == pytest.approx(se, rel=0.5)  # alpha ~ 2.6: the sample's own error is still about right
    # a wrong index is seen: 20 % off moves the factor by far more than the error
    off, _ = growth.growth_factor(spec, name, 1.2 * alpha, draws, np.random.default_rng(5), h)
    assert off - 1.0 > Z * se


# --- the verdicts -------------------------------------------------------------------------------------------------


def fake_record(**over):
    rec = {
        "experiment": "tails",
        "cell": "law=n/attack=random_sign/b=4/frac=0.9",
        "algorithm": "alg2",
        "predicted": 2.5,
        "predicted_error": 1e-5,
        "hill": 2.7,
        "hill_se": 0.2,
        "k": 200,
        "n": 50000,
        "seeds": 2000,
        "samples": 25,
        "tail_fraction": 0.004,
        "moment": 2.6,
        "moment_lower": 2.0,
        "moment_upper": 3.5,
        "model_hill": 2.8,
        "model_se": 0.14,
        "model_boot_se": 0.2,
        "pooled_se": 0.2,
        "model_groups": 2,
        "model_group_sd": 0.2,
        "model_deep": 2.7,
        "model_deep_k": 200,
        "pre_asymptotic": 0.3,
        "hill_ks": 3.0,
        "k_ks": 5000,
        "non_finite": 0,
        "lag_correlation": 0.1,
        "pair_difference": 0.3,
        "pair_difference_se": 0.25,
        "model_pair_difference": 0.2,
        "model_pair_difference_se": 0.2,
        "predicted_pair_difference": 0.3,
        "predicted_pair_difference_error": 1e-5,
        "growth": 1.001,
        "growth_se": 0.002,
        "growth_sample_se": 0.002,
        "growth_draws": 100000,
        "growth_slope": 0.02,
        "conjecture_lambda": 0.995,
        "conjecture_growth": 0.9952,
        "conjecture_growth_se": 0.0008,
    }
    rec.update(over)
    return rec


def test_index_rows_compare_with_the_model_at_the_same_n_and_k():
    ok = checks.index_row(fake_record(), 3)
    assert ok.verdict == "holds" and ok.predicted == 2.8 and "pre-asymptotic +0.30" in ok.reason
    assert ok.observed_se == pytest.approx(0.2 * math.sqrt(1.5))
    # violated: the measured tail contradicts the model (not the asymptotic index, which it is near)
    wrong = checks.index_row(fake_record(hill=2.5, model_hill=3.8), 3)
    assert wrong.verdict == "violated" and "contradicts the model" in wrong.reason
    # near the asymptotic index but far from the model: violated; far from it but at the model's: holds
    assert checks.index_row(fake_record(hill=4.0, model_hill=4.1, pre_asymptotic=1.6), 3).verdict == "holds"


def test_index_rows_inconclusive_say_what_would_decide():
    small = checks.index_row(fake_record(k=40, n=10000, seeds=400), 3)
    assert small.verdict == "inconclusive" and "n >= 25000" in small.reason and small.seeds_needed == 1000
    weak = checks.index_row(fake_record(pooled_se=0.5), 3)
    assert weak.verdict == "inconclusive" and "no power" in weak.reason and weak.seeds_needed > 2000
    assert f"{weak.seeds_needed:.0f} seeds" in weak.reason
    assert checks.index_row(fake_record(non_finite=3), 3).verdict == "not_applicable"
    assert checks.index_row(fake_record(predicted=math.inf), 3).verdict == "not_applicable"


def test_growth_rows():
    assert checks.growth_row(fake_record(), 3).verdict == "holds"
    bad = checks.growth_row(fake_record(growth=1.05), 3)
    assert bad.verdict == "violated" and "pins alpha to" in bad.reason
    assert checks.growth_row(fake_record(growth=math.nan), 3).verdict == "not_applicable"


def test_pair_rows_and_the_conjecture_rows():
    a, s = fake_record(), fake_record(algorithm="sgd", hill=2.4, predicted=2.2)
    rows = checks.verdict_rows([a, s], [], 3)
    assert [r.check for r in rows] == [checks.FAMILY] * 2 + [checks.GROWTH_FAMILY] * 2 + [
        checks.PAIR_FAMILY,
        checks.CONJECTURE_GROWTH_FAMILY,
    ]
    assert rows[-2].verdict == "holds" and rows[-2].predicted == 0.2 and "asymptotic difference" in rows[-2].reason
    # the conjecture through the update rule: the Monte Carlo matches Lambda_Alg2(alpha_SGD) and excludes 1
    assert rows[-1].verdict == "holds" and "excludes it" in rows[-1].reason
    close = checks.conjecture_growth_row(fake_record(conjecture_growth=0.999, conjecture_lambda=0.9985), s, 3)
    assert close.verdict == "holds" and "not excluded" in close.reason
    apart = checks.pair_row(fake_record(pair_difference=2.0), s, 3)
    assert apart.verdict == "violated"
    point = {
        "adversary": "random_sign",
        "n": 10,
        "b": 4,
        "fraction": 0.9,
        "edge_alg2": 0.65,
        "edge_sgd": 0.65,
        "alpha_alg2": 2.59,
        "alpha_alg2_error": 1e-5,
        "alpha_sgd": 2.29,
        "alpha_sgd_error": 1e-9,
        "difference": 0.3,
        "difference_error": 1e-5,
    }
    fails = checks.conjecture_row(point, 3, "tails")
    assert fails.verdict == "violated" and "the conjecture fails here" in fails.reason and fails.source == "derived"
    equal = checks.conjecture_row({**point, "difference": 1e-5}, 3, "tails")
    assert equal.verdict == "holds"
    assert checks.conjecture_row({**point, "difference": math.nan}, 3, "tails").verdict == "not_applicable"
