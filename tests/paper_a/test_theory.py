"""Exact moments of Algorithm 2 for N(0, I_n) inputs (relu_lib.paper_a.theory) against numerical integration,
against a plain NumPy simulation with the reference step (update_rule.step), and against its own closed forms.

Statistics. Each simulated comparison is a z statistic (mean over R runs - exact) / SE, SE the sample standard
error of the R runs, and fails at |z| > Z = 4.5: a two-sided normal tail of 6.8e-6 per comparison. A
simulation test makes 3 quantities x 6 checkpoints = 18 comparisons, so its family-wise false-alarm rate is
<= 18 x 6.8e-6 = 1.2e-4; the 15 parametrised cases together make 270 comparisons, FWER <= 1.8e-3. Seeds are
fixed, so every test is deterministic; the rates say how unlucky a seed would have to be. No tolerance is
widened by hand.
"""

import dataclasses
import functools
import math

import numpy as np
import pytest

from relu_lib.paper_a import theory
from relu_lib.paper_a.theory import Setting
from relu_lib.paper_a.update_rule import step

Z = 4.5
N = 8
RUNS = 4000
CHECKPOINTS = (1, 3, 8, 15, 30, 60)  # updates; t = 0 is the common start (no spread, checked exactly)
STEPS = CHECKPOINTS[-1]
ETA = {1: 0.1, 4: 0.3, 5: 0.3}  # stable in mean square (and fourth moment) at n = 8
RHO = 2.0  # ||w*||: theta / rho = 0.25 puts the filter's thresholds where they matter
THETA = 0.5


def kinds(b: int) -> dict[str, Setting]:
    eta = ETA[b]
    return {
        "realizable": Setting(n=N, b=b, eta=eta),
        "alternating": Setting(n=N, b=b, eta=eta, beta=0.5, theta=THETA, attack="alternating"),
        "random_sign": Setting(n=N, b=b, eta=eta, beta=0.5, theta=THETA, attack="random_sign"),
        "beta_threshold": Setting(n=N, b=b, eta=eta, beta=0.5, theta=THETA, attack="alternating", beta_threshold=1.0),
        "filter_only": Setting(n=N, b=b, eta=eta, beta=0.0, theta=THETA, attack="alternating"),
    }


def start() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(w*, w_start, u, v): the same w* (||w*|| = RHO) and start for every run; Delta_0 has both parts."""
    rng = np.random.default_rng(20240501)
    w_star = rng.standard_normal(N)
    w_star *= RHO / np.linalg.norm(w_star)
    delta0 = 1.5 * rng.standard_normal(N) / math.sqrt(N)
    u = w_star / RHO
    q = delta0 - (delta0 @ u) * u
    return w_star, w_star + delta0, u, q / np.linalg.norm(q)


def labels(setting: Setting, rng, z: np.ndarray) -> np.ndarray:
    """y = ReLU(<w*, x>) + alpha xi, alpha ~ Bernoulli(beta 1{<w*, x> > beta_threshold}); z = <w*, x> (R, b)."""
    y = np.maximum(z, 0.0)
    if setting.attack == "none" or setting.beta == 0 or setting.theta == 0:
        return y
    alpha = rng.random(z.shape) < setting.beta * (z > setting.beta_threshold)
    if setting.attack == "alternating":  # 0-based position k: -theta for even k, +theta for odd k
        xi = np.where(np.arange(z.shape[-1]) % 2 == 0, -setting.theta, setting.theta) * np.ones(z.shape)
    else:
        xi = np.where(rng.random(z.shape) < 0.5, -setting.theta, setting.theta)
    return y + alpha * xi


@functools.cache
def simulate(setting: Setting, seed: int, runs: int = RUNS, filter_theta: float | None = None, sigma: float = 1.0):
    """Per checkpoint and run: <Delta_t, u>, <Delta_t, v>, ||Delta_t||^2 (3, K, R) of Algorithm 2, fresh
    N(0, sigma^2 I_n) inputs each update; `filter_theta` plants a wrong filter level in the simulated algorithm."""
    w_star, w_start, u, v = start()
    rng = np.random.default_rng(seed)
    level = setting.theta if filter_theta is None else filter_theta
    w = np.tile(w_start, (1, runs, 1))  # (A = 1, R, n)
    out = np.empty((3, len(CHECKPOINTS), runs))
    k = 0
    for t in range(1, STEPS + 1):
        x = sigma * rng.standard_normal((runs, setting.b, N))
        step(w, ["alg2"], x, labels(setting, rng, x @ w_star), setting.eta, level)
        if t == CHECKPOINTS[k]:
            delta = w[0] - w_star
            out[:, k] = delta @ u, delta @ v, np.einsum("rd,rd->r", delta, delta)
            k += 1
    return out


def exact_observables(setting: Setting, steps=CHECKPOINTS) -> np.ndarray:
    """E<Delta_t, u>, E<Delta_t, v>, E||Delta_t||^2 (3, K) from exact_moments at the checkpoints."""
    w_star, w_start, _, _ = start()
    rho, p0, q0 = theory.split_offset(w_star, w_start)
    m = theory.exact_moments(setting, rho, p0, q0, max(steps))[list(steps)]
    return np.stack([m[:, 0], m[:, 3], m[:, 1] + m[:, 2]])


def z_statistics(sim: np.ndarray, exact: np.ndarray) -> np.ndarray:
    se = sim.std(axis=-1, ddof=1) / math.sqrt(sim.shape[-1])
    return (sim.mean(axis=-1) - exact) / se


# ---------------------------------------------------------------------------------------------------------------
# 1. truncated normal moments


def trapezoid_moments(c: float, upper: float = 12.0, points: int = 400_001) -> np.ndarray:
    z = np.linspace(c, upper, points)
    phi = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return np.array([np.trapezoid(z**k * phi, z) for k in range(5)])


@pytest.mark.parametrize("c", [-6.0, -1.3, 0.0, 0.25, 1.0, 2.7, 6.0])
def test_truncated_moments_against_integration(c):
    """E[z^k 1{z > c}], k = 0..4, z ~ N(0, 1): the trapezoid on [c, 12] (the tail beyond 12 is below 1e-27)."""
    np.testing.assert_allclose(theory.truncated_moments(c), trapezoid_moments(c), rtol=1e-8, atol=1e-12)


def test_truncated_moments_at_infinity():
    np.testing.assert_array_equal(theory.truncated_moments(math.inf), np.zeros(5))
    np.testing.assert_allclose(theory.truncated_moments(-math.inf), [1.0, 0.0, 1.0, 0.0, 3.0])
    # the full line is the limit of large negative c (and matches the integral from -12)
    np.testing.assert_allclose(theory.truncated_moments(-12.0), [1.0, 0.0, 1.0, 0.0, 3.0], atol=1e-12)
    np.testing.assert_allclose(trapezoid_moments(-12.0), [1.0, 0.0, 1.0, 0.0, 3.0], atol=1e-9)
    assert np.all(theory.truncated_moments(40.0) < 1e-300)


# ---------------------------------------------------------------------------------------------------------------
# 2. exact moments against simulation at every checkpoint


CASES = [(b, kind) for b in (1, 4, 5) for kind in kinds(1)]


@pytest.mark.parametrize(("b", "kind"), CASES, ids=[f"b{b}-{kind}" for b, kind in CASES])
def test_exact_moments_match_simulation(b, kind):
    """18 comparisons (E<Delta, u>, E<Delta, v>, E||Delta||^2 at 6 checkpoints), |z| < 4.5 each."""
    setting = kinds(b)[kind]
    w_star, w_start, u, v = start()
    rho, p0, q0 = theory.split_offset(w_star, w_start)
    m0 = theory.exact_moments(setting, rho, p0, q0, 0)[0]
    delta0 = w_start - w_star
    np.testing.assert_allclose(m0, [delta0 @ u, (delta0 @ u) ** 2, delta0 @ delta0 - (delta0 @ u) ** 2, delta0 @ v])
    z = z_statistics(simulate(setting, seed=1000 + 10 * b + list(kinds(b)).index(kind)), exact_observables(setting))
    assert np.abs(z).max() < Z, np.round(z, 2)


@pytest.mark.parametrize("kind", ["alternating", "beta_threshold"])
def test_a_scaled_gaussian_law_is_the_standard_model_with_scaled_constants(kind):
    """x ~ N(0, sigma^2 I_n) against the exact moments of theory.scaled_law (step eta sigma^2, theta / sigma, the
    attack's threshold / sigma): 18 comparisons, |z| < 4.5; the unscaled prediction is off (the planted fault of
    the law's scale in benchmarks/planted_faults.py)."""
    sigma, setting = 1.2, kinds(4)[kind]
    setting = dataclasses.replace(setting, eta=setting.eta / sigma**2)  # the same stability margin
    sim = simulate(setting, seed=4242 + len(kind), sigma=sigma)
    assert np.abs(z_statistics(sim, exact_observables(theory.scaled_law(setting, sigma)))).max() < Z
    assert np.abs(z_statistics(sim, exact_observables(setting))).max() > Z


# ---------------------------------------------------------------------------------------------------------------
# 3. planted faults fail the same comparison

FAULT_BASE = kinds(5)["alternating"]


def test_planted_fault_filter_at_half_theta_is_detected():
    """The simulated algorithm filters at theta / 2 while the attack and the exact moments keep theta.

    Observed max |z| = 85 (E<Delta_60, u>; 18 comparisons, R = 4000), so the power is 1 for any practical seed."""
    sim = simulate(FAULT_BASE, seed=77, runs=RUNS, filter_theta=THETA / 2)
    z = z_statistics(sim, exact_observables(FAULT_BASE))
    assert np.abs(z).max() > Z, np.round(z, 2)


@pytest.mark.parametrize(
    "wrong",
    [
        Setting(n=N, b=5, eta=1.05 * ETA[5], beta=0.5, theta=THETA, attack="alternating"),  # eta x 1.05
        Setting(n=N, b=4, eta=ETA[5], beta=0.5, theta=THETA, attack="alternating"),  # b - 1 in the formula
    ],
    ids=["eta_x_1.05", "b_minus_1"],
)
def test_planted_fault_in_the_formula_is_detected(wrong):
    """The correct simulation (the b = 5 alternating case above) against exact moments of a wrong Setting.

    The fault shifts the expected z by (exact_wrong - exact) / SE, largest at E||Delta_60||^2: 10.8 for eta x 1.05
    (observed 10.6), 60.8 for b - 1 (observed 62.9). Power of that single comparison at |z| > 4.5:
    P(|N(10.8, 1)| > 4.5) = 1 - 1.5e-10 (eta), 1 to machine precision (b - 1)."""
    sim = simulate(FAULT_BASE, seed=1000 + 10 * 5 + list(kinds(5)).index("alternating"))
    z = z_statistics(sim, exact_observables(wrong))
    assert np.abs(z).max() > Z, np.round(z, 2)


# ---------------------------------------------------------------------------------------------------------------
# 4. the second moment, its floor and the spec's measurements


def draw_500(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal(500), rng.standard_normal(500)


def test_exact_second_moment_is_the_sum_of_columns():
    w_star, w_start, _, _ = start()
    for attack in ("alternating", "random_sign"):
        got = theory.exact_second_moment(w_star, w_start, 5, 0.3, 0.5, THETA, 40, attack=attack)
        assert got.shape == (41,)
        setting = Setting(n=N, b=5, eta=0.3, beta=0.5, theta=THETA, attack=attack)
        m = theory.exact_moments(setting, *theory.split_offset(w_star, w_start), 40)
        np.testing.assert_allclose(got, m[:, 1] + m[:, 2], rtol=1e-13)
        assert got[0] == pytest.approx(np.sum((w_start - w_star) ** 2), rel=1e-12)


def test_exact_second_moment_spec_measurements_n500():
    """n = 500, b = 16, eta = 0.01, theta = 2, w*, w_1 ~ N(0, I_500): sqrt E||Delta_2000||^2 = 0.610 (0.5 %) at
    beta = 0.5 and 0.0116 (3 %) at beta = 0 (the project's spec). At beta = 0 the value is the transient left of
    ||Delta_0||^2 ~ 1000, so it depends on the draw (relative spread 2.6 % over seeds); it is checked on the
    mean over 16 seeded draws, and the attacked value (draw-independent to 1e-4) on each draw."""
    poisoned, clean = [], []
    for seed in range(16):
        w_star, w_start = draw_500(seed)
        poisoned.append(math.sqrt(theory.exact_second_moment(w_star, w_start, 16, 0.01, 0.5, 2.0, 2000)[-1]))
        clean.append(math.sqrt(theory.exact_second_moment(w_star, w_start, 16, 0.01, 0.0, 2.0, 2000)[-1]))
    np.testing.assert_allclose(poisoned, 0.610, rtol=0.005)
    assert np.mean(clean) == pytest.approx(0.0116, rel=0.03)


@pytest.mark.parametrize(
    ("setting", "rho", "steps"),
    [
        (Setting(n=N, b=5, eta=0.3, beta=0.5, theta=THETA, attack="alternating"), RHO, 4000),
        (Setting(n=N, b=4, eta=0.3, beta=0.5, theta=THETA, attack="random_sign", beta_threshold=1.0), RHO, 4000),
        (Setting(n=500, b=16, eta=0.01, beta=0.5, theta=2.0), math.sqrt(500), 20_000),
    ],
)
def test_stationary_second_moment_is_the_limit(setting, rho, steps):
    m = theory.exact_moments(setting, rho, 1.0, 2.0, steps)
    assert m[-1, 1] + m[-1, 2] == pytest.approx(theory.stationary_second_moment(setting, rho), rel=1e-9)


def test_stationary_second_moment_is_infinite_when_unstable():
    assert math.isinf(theory.stationary_second_moment(Setting(n=N, b=1, eta=1.5, beta=0.5, theta=THETA), RHO))


@pytest.mark.parametrize("b", [16, 32, 64])
def test_floor_leading_order(b):
    """eta beta theta^2 n / (2 b - eta n) is the leading order of the stationary floor (n = 500, rho^2 ~ n)."""
    w_star, _ = draw_500(0)
    setting = Setting(n=500, b=b, eta=0.01, beta=0.5, theta=2.0)
    stationary = theory.stationary_second_moment(setting, float(np.linalg.norm(w_star)))
    assert theory.floor_leading_order(setting) == pytest.approx(stationary, rel=0.02)


# ---------------------------------------------------------------------------------------------------------------
# 5. vectorised over runs


@pytest.mark.parametrize("attack", ["alternating", "random_sign", "none"])
def test_vectorised_exact_moments_equal_scalar_calls(attack):
    rng = np.random.default_rng(5)
    runs = 24
    rho = rng.uniform(0.5, 3.0, runs)
    rho[::4] = 2.0  # repeated rho values share the cached transition
    p0, q0 = rng.normal(0, 1, runs), rng.uniform(0, 2, runs)
    setting = Setting(n=N, b=5, eta=0.3, beta=0.5, theta=THETA, attack=attack)
    together = theory.exact_moments(setting, rho, p0, q0, 150)
    assert together.shape == (151, 4, runs)
    for r in range(runs):
        np.testing.assert_allclose(
            together[:, :, r], theory.exact_moments(setting, rho[r], p0[r], q0[r], 150), rtol=1e-10, atol=1e-14
        )
