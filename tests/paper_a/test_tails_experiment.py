"""The `tails` experiment (figure A6): its simulation against the reference update rule on paper A's streams, the
thinning and burn-in bookkeeping, the sigma scaling, the estimation on exact Pareto samples, and the verdict logic."""

import math

import numpy as np
import pytest

from relu_lib import config as relu_config
from relu_lib.errors import UserError
from relu_lib.io import read_table
from relu_lib.paper_a import grid as paper_a_grid
from relu_lib.paper_a import streams as trainer
from relu_lib.paper_a.adversaries import make_adversary
from relu_lib.paper_a.laws import make_law
from relu_lib.paper_a.tails import checks, estimators, summary, theory
from relu_lib.paper_a.tails import grid as tails_grid
from relu_lib.paper_a.tails import trainer as sim
from relu_lib.paper_a.update_rule import GATED, step
from relu_lib.seeding import generator


def tiny_spec(**over):
    law = {"family": "normal", "d": 5, "sigma": 1.0}
    spec = {
        "experiment": "tails",
        "cell": "law=n/b=2/frac=0.7",
        "law_name": "n",
        "law": law,
        "b": 2,
        "fraction": 0.7,
        "eta": 0.7 * theory.stability_edge(2, 5),
        "adversary": "random_sign",
        "beta": 0.5,
        "theta": 1.0,
        "seeds": 3,
        "samples": 2,
        "thin": 3,
        "thin_factor": 12.0,
        "burn_in_lags": 2,
        "master_seed": 5,
        "w_star_norm": 1.0,
    }
    spec.update(over)
    return spec


def reference_norms(spec):
    """Per seed, per step, scalar-by-scalar: the rules of docs/theory.md A.1 on the trainer's streams."""
    law = make_law(spec["law"])
    d, b = law.d, spec["b"]
    w_star = spec["w_star_norm"] * trainer.unit_vector(spec["master_seed"], "w_star", d)
    adversary = make_adversary(spec["adversary"], spec["beta"], spec["theta"], w_star)
    sched = sim.schedule(spec)
    chunk = trainer.chunk_steps(b, d)
    out = np.empty((2, spec["seeds"], sched.samples))
    for r in range(spec["seeds"]):
        inputs = generator(spec["master_seed"], "inputs", law.describe(), b, r, bit_generator=trainer.BIT_GENERATOR)
        attack = generator(
            spec["master_seed"],
            "attack",
            law.describe(),
            b,
            spec["adversary"],
            spec["beta"],
            spec["theta"],
            r,
            bit_generator=trainer.BIT_GENERATOR,
        )
        xs, noises = [], []
        for first in range(0, sched.iterations, chunk):
            x = np.empty((min(chunk, sched.iterations - first), b, d))
            inputs.standard_normal(out=x)
            xs.append(x)
            noises.append(adversary.noise(attack, x))
        x_all, noise_all = np.concatenate(xs), np.concatenate(noises)
        for a, name in enumerate(sim.ALGORITHMS):
            w = w_star.copy()
            j = 0
            for t in range(sched.iterations):
                grad = np.zeros(d)
                for i in range(b):
                    xi = x_all[t, i]
                    y = max(float(xi @ w_star), 0.0) + noise_all[t, i]
                    pred = float(xi @ w)
                    if GATED[name] and pred <= 0:
                        continue
                    grad += (y - max(pred, 0.0)) * xi
                w = w + spec["eta"] / b * grad
                if t + 1 in sched.steps:
                    out[a, r, j] = np.linalg.norm(w - w_star)
                    j += 1
    return out


def test_simulation_matches_a_scalar_loop_of_the_update_rule():
    spec = tiny_spec()
    norms, sched = sim.simulate(spec)
    assert norms.shape == (2, 3, 2) and sched.steps.tolist() == [9, 12]
    np.testing.assert_allclose(norms, reference_norms(spec), rtol=1e-11, atol=1e-12)


def test_a_seed_block_gives_the_same_numbers_as_the_whole_cell():
    spec = tiny_spec(seeds=5)
    whole, _ = sim.simulate(spec)
    block, _ = sim.simulate(spec, seeds=range(2, 4))
    np.testing.assert_array_equal(block, whole[:, 2:4])
    blocks, _ = sim.simulate_blocks(spec)
    np.testing.assert_array_equal(blocks, whole)


def test_burn_in_and_thinning_bookkeeping(tmp_path):
    spec = tiny_spec(thin=4, burn_in_lags=3, samples=5)
    sched = sim.schedule(spec)
    assert sched.burn_in == 12 and sched.iterations == 32
    assert sched.steps.tolist() == [16, 20, 24, 28, 32]
    sim.run_to_parquet(spec, tmp_path / "norms.parquet")
    table, meta = read_table(tmp_path / "norms.parquet", sim.COLUMNS)
    assert table.num_rows == 2 * 3 * 5
    assert meta["thin"] == 4 and meta["burn_in"] == 12 and meta["iterations"] == 32 and "12 / (eta" in meta["thin_rule"]
    assert meta["provenance"]["code_fingerprint"] and meta["cell"] == spec
    frame = table.to_pandas()
    assert set(frame["step"]) == {16, 20, 24, 28, 32}
    norms, _ = summary.read_cell(tmp_path / "norms.parquet")
    np.testing.assert_array_equal(norms, sim.simulate(spec)[0])


def test_thinning_rule_and_sigma_scaling():
    assert sim.thinning(0.1, 1.0, 12) == 120 and sim.thinning(0.125, 1.0, 12) == 96
    assert sim.thinning(0.1, 2.0, 12) == sim.thinning(0.4, 1.0, 12) == 30
    assert tails_grid.step_for_fraction(0.7, 4, 10, 2.0) == pytest.approx(0.7 * theory.stability_edge(4, 10) / 4)
    # the far-field map of N(0, sigma^2 I) at eta is the N(0, I) map at eta sigma^2: the same step, exactly
    rng = np.random.default_rng(3)
    z = rng.standard_normal((7, 4, 10))
    w0 = 1e6 * rng.standard_normal((2, 7, 10))
    gated = np.array([False, True])
    w_sigma, w_unit = w0.copy(), w0.copy()
    step(w_sigma, gated, 2.0 * z, np.zeros((7, 4)), 0.1)
    step(w_unit, gated, z, np.zeros((7, 4)), 0.4)
    np.testing.assert_allclose(w_sigma, w_unit, rtol=1e-12)


def test_cluster_bootstrap_hill_equals_the_estimators_hill():
    rng = np.random.default_rng(8)
    for _ in range(40):
        n = int(rng.integers(25, 5000))
        x = rng.pareto(rng.uniform(1, 10), n) + rng.uniform(0, 1, n) + 0.01
        assert summary.hill_ks_fast(x) == estimators.hill(x).alpha


def pareto_meta(seeds, samples, alpha=4.0):
    spec = tiny_spec(seeds=seeds, samples=samples, law={"family": "normal", "d": 10, "sigma": 1.0}, b=1)
    return {"cell": spec, "eta": 0.1, "effective_eta": 0.1, "thin": 1, "burn_in": 1, "algorithms": ["glm_tron", "sgd"]}


def test_estimation_recovers_an_exact_pareto_index():
    rng = np.random.default_rng(11)
    norms = rng.pareto(4.0, (2, 1500, 2)) + 1.0  # P(X > x) = x^-4 for x >= 1
    records = summary.estimate_cell(norms, pareto_meta(1500, 2), np.random.default_rng(1), 100)
    for rec in records:
        assert rec["hill_lower"] < 4.0 < rec["hill_upper"], rec
        assert rec["moment_lower"] < 4.0 < rec["moment_upper"], rec
        assert abs(rec["hill"] - 4.0) < 4 * rec["hill_se"]
        assert abs(rec["lag_correlation"]) < 0.1
    assert records[0]["pair_difference_se"] > 0
    # the bootstrap is seeded: the same generator state gives the same interval
    again = summary.estimate_cell(norms, pareto_meta(1500, 2), np.random.default_rng(1), 100)
    assert again[0]["hill_lower"] == records[0]["hill_lower"]


def fake_record(**over):
    rec = {
        "experiment": "tails",
        "cell": "law=n/b=1/frac=0.7",
        "algorithm": "glm_tron",
        "predicted": 4.0,
        "hill": 4.1,
        "hill_lower": 3.8,
        "hill_upper": 4.4,
        "hill_se": 0.15,
        "k": 500,
        "n": 8000,
        "moment": 4.0,
        "moment_lower": 3.0,
        "moment_upper": 6.0,
        "non_finite": 0,
        "effective_eta": 0.1,
        "pair_difference": 0.1,
        "pair_difference_se": 0.2,
        "lag_correlation": 0.0,
        "hill_deep": 4.0,
        "k_deep": 40,
    }
    rec.update(over)
    return rec


def test_verdicts_a_planted_wrong_prediction_is_violated():
    assert checks.index_row(fake_record(), 3).verdict == "holds"
    wrong = checks.index_row(fake_record(predicted=6.0, moment_lower=3.0, moment_upper=5.0), 3)
    assert wrong.verdict == "violated" and wrong.margin < 0
    biased = checks.index_row(fake_record(predicted=3.2, moment_lower=2.8, moment_upper=5.0), 3)
    assert biased.verdict == "violated" and "bias, not variance, decides" in biased.reason


def test_verdicts_inconclusive_and_not_applicable():
    light = checks.index_row(fake_record(moment_upper=math.inf), 3)
    assert light.verdict == "inconclusive" and "light" in light.reason
    weak = checks.index_row(fake_record(hill_se=1.0), 3)
    assert weak.verdict == "inconclusive" and "no power" in weak.reason
    assert checks.index_row(fake_record(non_finite=3), 3).verdict == "not_applicable"


def test_tron_vs_sgd_rows_use_the_paired_difference():
    tron, sgd = fake_record(), fake_record(algorithm="sgd", hill=4.0)
    rows = checks.verdict_rows([tron, sgd], 3)
    assert [r.check for r in rows] == [checks.FAMILY, checks.FAMILY, checks.PAIR_FAMILY]
    assert rows[-1].verdict == "holds" and rows[-1].predicted == 0.0
    apart = checks.pair_row(fake_record(pair_difference=1.5, pair_difference_se=0.2), sgd, 3)
    assert apart.verdict == "violated"


def small_config(**tails):
    exp = {
        "laws": ["gauss"],
        "batch_sizes": [1, 4],
        "edge_fractions": [0.5, 0.9],
        "adversary": "random_sign",
        "beta": 0.5,
        "theta": 1.0,
        "seeds": 40,
        "samples": 2,
        "thin_factor": 12,
        "burn_in_lags": 2,
        "bootstrap": 20,
        **tails,
    }
    return {
        "seed": 3,
        "laws": {
            "gauss": {"family": "normal", "d": 10, "sigma": 2.0},
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


def test_grid_expands_one_cell_per_law_b_and_fraction():
    config = relu_config.load(small_config())
    cells = tails_grid.cells(config)["tails"]
    assert list(cells) == [
        "law=gauss/b=1/frac=0.5",
        "law=gauss/b=1/frac=0.9",
        "law=gauss/b=4/frac=0.5",
        "law=gauss/b=4/frac=0.9",
    ]
    spec = cells["law=gauss/b=4/frac=0.9"]
    assert spec["eta"] == pytest.approx(0.9 * theory.stability_edge(4, 10) / 4.0)
    assert spec["thin"] == sim.thinning(spec["eta"], 2.0, 12)
    assert paper_a_grid.cells(config) == {}  # not a train_a experiment


def test_grid_rejects_laws_without_a_prediction():
    with pytest.raises(UserError, match="Gaussian"):
        relu_config.load(small_config(laws=["lap"]))
    with pytest.raises(UserError, match="edge_fractions"):
        relu_config.load(small_config(edge_fractions=[1.2]))
