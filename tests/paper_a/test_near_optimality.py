"""§3.2's near-optimality attack (relu_lib.paper_a.near_optimality): the rows at the default attacks, the simulation
against an explicit per-sample loop, the figure data, and planted faults the rows detect.

Statistics. Rows are judged at Z = 4.5. The Monte Carlo rows (pass fraction, lambda_1 and beta_1 against closed forms,
eq. (5) and the constant r beta_1 / lambda_1 >= n) are z statistics with a two-sided normal tail of 6.8e-6 each:
3 attacks x <= 5 rows = 15 comparisons, family-wise false-alarm rate <= 1e-4. "Converges to w_adv" compares
||mean w_T - w_adv|| with se = sqrt(tr Cov(w_T)/R) (its root-mean-square error): by Chebyshev a false alarm has
probability <= 1/Z^2 = 0.05 at worst, far less for a Gaussian-like spread (chi^2_n > Z^2 n). The attacked run is
noiseless, so these rows are far from their edges (miss / se ~ 0.1-1.4 at the fixed seed). Seeds are fixed: the tests
are deterministic.
"""

import dataclasses
import math

import matplotlib
import numpy as np
import pytest

from relu_lib.paper_a import near_optimality as no
from relu_lib.paper_a.examples import exact_lambda1

matplotlib.use("Agg")

Z = 4.5
RUNS = 100
SEED = 7

CONVERGES = "Algorithm 2 converges to w_adv"
AT_LEAST = "||w_T - w*|| >= ||w_adv - w*||"
EQ5 = "eq. (5): ||w_T - w*|| <= θ_adv / sqrt(c_bound)"
PASS = "filter 1{y > θ_adv} passes exactly w_advᵀx > θ_adv"
LAMBDA = "Definition 1 lambda1 Monte Carlo = closed form"


def verdicts(rows) -> dict[str, str]:
    return {r.check: r.verdict for r in rows}


def the(rows, check):
    (found,) = [r for r in rows if r.check == check]
    return found


@pytest.fixture(scope="module")
def rows():
    return {name: no.setting_rows(s, Z, RUNS, SEED) for name, s in no.SETTINGS.items()}


def test_settings_geometry():
    small, large = no.SETTINGS["n2_small"], no.SETTINGS["n2_large"]
    assert np.linalg.norm(small.w_adv - small.w_star_array) == pytest.approx(small.distance)
    assert small.theta_adv == pytest.approx(math.sqrt(2) * 0.1)
    assert not small.vacuous and not no.SETTINGS["n5_small"].vacuous
    assert large.vacuous  # 2 sqrt(2) > ||w*||_1 = 2
    assert float(exact_lambda1(large.theta_adv)) == 0.0


def test_attack_rows_hold(rows):
    for name, found in rows.items():
        v = verdicts(found)
        for check in ("eq. (4): θ_adv >= sup|ξ_x|", PASS, CONVERGES, AT_LEAST):
            assert v[check] == "holds", (name, check, the(found, check).reason)
        assert the(found, AT_LEAST).observed == pytest.approx(no.SETTINGS[name].distance, rel=1e-6)


def test_eq5_holds_with_the_near_optimality_constant(rows):
    for name in ("n2_small", "n5_small"):
        found, n = rows[name], no.SETTINGS[name].n
        eq5 = the(found, EQ5)
        assert eq5.verdict == "holds" and eq5.regime == "inside"
        assert eq5.ratio == pytest.approx(eq5.extra["r2_over_c_bound"] ** 0.5)  # bound / error = r beta1 / lambda1
        assert eq5.ratio >= n
        assert the(found, "near-optimality constant r β1/λ1 >= n").verdict == "holds"
    assert the(rows["n2_small"], EQ5).ratio == pytest.approx(6.0, rel=0.05)  # 0.599 / 0.1
    assert the(rows["n5_small"], EQ5).ratio == pytest.approx(46.0, rel=0.05)


def test_eq5_vacuous_when_lambda1_vanishes(rows):
    eq5 = the(rows["n2_large"], EQ5)
    assert eq5.verdict == "not_applicable" and "λ1(θ_adv) = 0" in eq5.regime
    assert eq5.extra["lambda1"] == 0.0
    assert the(rows["n2_large"], CONVERGES).verdict == "holds"  # the attack works all the same


def test_definition1_constants_against_closed_forms(rows):
    for name in ("n2_small", "n2_large"):
        assert verdicts(rows[name])[LAMBDA] == "holds"
        assert verdicts(rows[name])["Definition 1 beta1 Monte Carlo = closed form"] == "holds"


def test_simulation_is_the_explicit_per_sample_loop():
    """simulate (update_rule.step, vectorised) against Algorithm 2 written out sample by sample, same streams."""
    setting = dataclasses.replace(no.SETTINGS["n5_small"], steps=6, name="n5_small")
    runs = 3
    sim = no.simulate(setting, runs, SEED)
    w = no._stream(SEED, setting, "start").standard_normal((1, runs, setting.n))[0]
    fill = setting.law.filler(no._stream(SEED, setting, "inputs"))
    x = np.empty((runs, setting.batch, setting.n))
    for t in range(setting.steps):
        assert np.linalg.norm(w - setting.w_adv, axis=1) == pytest.approx(sim.dist_adv[t], rel=1e-12)
        fill(x)
        for r in range(runs):
            g = np.zeros(setting.n)
            for i in range(setting.batch):
                y = max(float(x[r, i] @ setting.w_adv), 0.0)
                if y > setting.theta_adv:
                    g += (y - float(w[r] @ x[r, i])) * x[r, i]
            w[r] = w[r] + setting.eta / setting.batch * g
    assert sim.w_final == pytest.approx(w, rel=1e-12, abs=1e-14)


def test_curves_and_plot():
    import matplotlib.pyplot as plt

    frame = no.near_optimality_curves(40, SEED, "n2_small", constant_samples=50_000)
    setting = no.SETTINGS["n2_small"]
    assert list(frame["t"]) == list(range(setting.steps + 1))
    assert {"dist_star_mean", "dist_star_se", "dist_adv_mean", "dist_adv_se", "adv_distance", "eq5_bound"} <= set(
        frame.columns
    )
    assert frame["dist_star_mean"].iloc[-1] == pytest.approx(setting.distance, rel=1e-6)
    assert frame["dist_adv_mean"].iloc[-1] < 1e-6
    fig, ax = plt.subplots()
    no.plot_near_optimality(ax, frame)
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("w_adv - w*" in s for s in labels) and any("eq. (5)" in s for s in labels)
    plt.close(fig)


# --------------------------------------------------------------------------------------------- planted faults
def test_fault_no_attack_is_detected():
    """Labels ReLU(w*^T x) (the adversary silent): the run converges to w*, not w_adv."""
    found = no.setting_rows(no.SETTINGS["n2_small"], Z, RUNS, SEED, adversary=False)
    v = verdicts(found)
    assert v[CONVERGES] == "violated" and v[AT_LEAST] == "violated"


def test_fault_negative_filter_is_detected():
    """A filter below 0 lets the y = 0 labels in: the limit moves off w_adv, the pass fraction is 1."""
    found = no.setting_rows(no.SETTINGS["n5_small"], Z, RUNS, SEED, theta_filter=-0.5)
    v = verdicts(found)
    assert v[CONVERGES] == "violated" and v[AT_LEAST] == "violated" and v[PASS] == "violated"


def test_fault_filter_at_half_theta_is_detected_by_the_pass_fraction_only():
    """Filter at theta_adv / 2: more samples pass (detected), but every passing label is still w_adv's, so the limit
    is w_adv all the same: the convergence rows rightly hold (the level >= 0 does not move the fixed point)."""
    setting = no.SETTINGS["n2_small"]
    found = no.setting_rows(setting, Z, RUNS, SEED, theta_filter=setting.theta_adv / 2)
    v = verdicts(found)
    assert v[PASS] == "violated"
    assert v[CONVERGES] == "holds" and v[AT_LEAST] == "holds"


def test_fault_constants_at_the_wrong_theta_is_detected():
    """Definition 1's lambda_1 taken at theta_adv / 2: the Monte Carlo no longer matches (1 - theta_adv)^4 / 6."""
    setting = no.SETTINGS["n2_small"]
    found = no.setting_rows(setting, Z, RUNS, SEED, constants_theta=setting.theta_adv / 2)
    assert verdicts(found)[LAMBDA] == "violated"
