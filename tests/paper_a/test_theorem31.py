"""Theorem 3.1 of paper A (relu_lib.paper_a.theorem31): the formulas on hand-computed cases and at the paper's
settings, the exact-in-law sampler against the exact moments and against full draws, the risk of Remark 1(b), the
Clopper–Pearson helper, the tightness item, and planted faults showing what the verdict rows detect.

Statistics. Simulated comparisons are z statistics (mean − exact)/SE with SE from the runs, failing at
|z| > Z = 4.5 (two-sided normal tail 6.8e-6 per comparison; 16 comparisons in the sampler tests, FWER <= 1.1e-4).
The rows themselves judge at z = 3 (the config's), widened to Student's t by relu_lib.paper_a.checks.z_for, and the
probability rows with an exact Clopper–Pearson interval at one-sided tail P(N(0, 1) > 3) = 1.35e-3. Where a bound
is so loose that no plausible fault trips it, the test asserts the bound/observation ratio instead (a finding
about the theorem, reported in its docstring). Seeds are fixed: every test is deterministic.
"""

import dataclasses
import math

import numpy as np
import pytest

from relu_lib.paper_a import definition1 as d1
from relu_lib.paper_a import theorem31 as t31
from relu_lib.paper_a import theory
from relu_lib.paper_a.cell import CellSpec
from relu_lib.paper_a.update_rule import step

Z = 4.5


# ------------------------------------------------------------------------------------------- formulas


def paper_constants():
    """The paper's experiments: N(0, I_500), ||w*||^2 = 500, beta = 0.5, theta* = 2."""
    return d1.gaussian(500, math.sqrt(500), theta=2.0, beta=0.5)


def test_paper_settings_numbers():
    """The numbers the spec records: eta ~ 7.5e-6 (the experiments' 0.01 is ~1300x), T ~ 3.7e6 and Case II's floor
    eps sqrt(delta) ~ 26 at beta = 0.5, theta* = 2. Reproduced; T ~ 3.7e6 is the value at eps = delta = 0.1 and
    ||w_1 - w*||^2 = 1000 (the config's eps = 0.01 gives 4.9e6)."""
    c = paper_constants()
    one = t31.case1(c, 16)
    assert (one.lambda1, one.a2, one.a4, one.c1) == pytest.approx((0.5, 250.0, 125500.0, 66437.5), rel=1e-12)
    assert one.eta == pytest.approx(7.52587e-6, rel=1e-5)
    assert 0.01 / one.eta == pytest.approx(1328.8, rel=1e-4)
    assert 1 - one.alpha == pytest.approx(3.76294e-6, rel=1e-5)
    assert one.T(1000.0, 0.1, 0.1) == pytest.approx(3.6715e6, rel=1e-4)
    assert one.T(1000.0, 0.01, 0.1) == pytest.approx(4.8953e6, rel=1e-4)
    two = t31.case2(c, 16)
    assert two.lambda1 == pytest.approx(d1.normal_tail(4 / math.sqrt(500)), rel=1e-14)  # Q(0.179) = 0.429
    assert two.beta1 == pytest.approx(0.5 * 0.5 * d1.norm_moment(500, 1), rel=1e-14)  # 5.587
    assert two.floor_eps_sqrt_delta == pytest.approx(26.05, abs=0.01)
    assert two.floor_eps_sqrt_delta == pytest.approx(two.beta1 * 2 / two.lambda1, rel=1e-12)
    assert two.floor_epsilon(0.1) == pytest.approx(82.37, abs=0.01)
    assert two.largest_eta == pytest.approx(6.4572e-6, rel=1e-4)  # lambda1(theta*)/c'1
    assert 0.01 / two.largest_eta == pytest.approx(1548.7, rel=1e-4)


def test_floor_is_smallest_at_k_one_over_lambda1():
    """Eq. (2) over K > 1/(2 lambda1(theta*)): minimal at K = 1/lambda1(theta*), where it is
    beta1^2 theta*^2 / lambda1^2."""
    c = paper_constants()
    best = t31.case2(c, 16)
    grid = np.geomspace(0.51 / c.lambda1, 50 / c.lambda1, 2001)
    floors = np.array([t31.case2(c, 16, K).floor_sq for K in grid])
    assert floors.min() >= best.floor_sq * (1 - 1e-12)
    assert grid[np.argmin(floors)] == pytest.approx(1 / c.lambda1, rel=5e-3)
    assert best.floor_sq == pytest.approx(c.beta1**2 * 4 / c.lambda1**2, rel=1e-12)


def test_case1_by_hand():
    """n = 2, b = 2, N(0, I): lambda1 = 1/2, a2 = 1, a4 = 4, c1 = (4 + 1)/2 = 2.5; delta0 = 1: eta = 1/(2.5) * 1/2 =
    0.2, alpha = 1 - 1/((1 + 3/2) 4) = 0.9, (B.6) at eta: 1 - 0.2 + (0.04/2)(5) = 0.9; T(10, 0.1, 0.1) =
    1 + log(1e4)/log(1/0.9)."""
    case = t31.case1(d1.gaussian(2, 1.0), 2)
    assert (case.b1, case.c1, case.eta, case.alpha) == pytest.approx((1.0, 2.5, 0.2, 0.9), rel=1e-14)
    assert case.factor() == pytest.approx(0.9, rel=1e-14)
    assert case.T(10.0, 0.1, 0.1) == pytest.approx(1 + math.log(1e4) / math.log(1 / 0.9), rel=1e-14)
    assert case.updates(10.0, 0.1, 0.1) == math.ceil(math.log(1e4) / math.log(1 / 0.9))
    assert case.T(1e-4, 0.1, 0.1) == 1.0  # already there


@pytest.mark.parametrize(("n", "b", "delta0"), [(2, 1, 0.3), (5, 4, 1.0), (50, 16, 3.0), (500, 1024, 1.0)])
def test_remark_1e_alpha_equals_the_proofs_factor(n, b, delta0):
    """Remark 1(e)'s alpha is exactly (B.6)'s factor at the stated eta; delta0 = 1 minimises alpha and is admissible."""
    c = d1.gaussian(n, 1.0)
    case = t31.case1(c, b, delta0)
    assert case.admissible
    assert case.alpha == pytest.approx(case.factor(), rel=1e-13, abs=1e-15)
    alphas = [t31.case1(c, b, d).alpha for d in np.geomspace(0.05, 20, 201)]
    assert min(alphas) >= t31.case1(c, b, 1.0).alpha - 1e-15


def test_case2_by_hand():
    """Constants chosen by hand: b = 2, K = 2, theta* = 1, lambda1 = 1/2, a1 = 1, a2 = 1, a4 = 4, beta = (1/2, 1/2, 1).
    b'1 = 1 - 1/2 = 1/2; c'1 = 1 + (4 + 2)/2 = 4 (printed), (B.7): (5 + 2)/2 = 3.5; bracket = 1 + 1/4 + (1/2 + 1/4) = 2,
    c'2 = 2/(1/2) = 4 (printed), 2/2 = 1 (B.7); c'3 = 1/2; floor = 1 * (1/2)/(1/2) = 1 = eq. (2). At eps^2 delta = 2:
    gamma > max(1/16, (2 + 1)/(2 - 1)) = 3; eta(3) = 1/24; (B.7): A = 1 - eta/2 + 3.5 eta^2, B = eta/2 + eta^2."""
    case = t31.CaseII(b=2, K=2.0, theta=1.0, lambda1=0.5, a1=1.0, a2=1.0, a4=4.0, beta1=0.5, beta2=0.5, beta3=1.0)
    assert (case.b1p, case.c1p, case.c1_b7, case.c2p, case.c2p_b7, case.c3p) == pytest.approx(
        (0.5, 4.0, 3.5, 4.0, 1.0, 0.5), rel=1e-14
    )
    assert case.floor_sq == pytest.approx(1.0, rel=1e-14)
    assert case.gamma_threshold(2.0) == pytest.approx(3.0, rel=1e-14)
    eta = case.eta(3.0)
    assert eta == pytest.approx(1 / 24, rel=1e-14)
    a, b = case.recursion(eta)
    assert (a, b) == pytest.approx((1 - eta / 2 + 3.5 * eta**2, eta / 2 + eta**2), rel=1e-14)
    expected = 1 + math.log((10 * (1 - a) - b) / (2 * (1 - a) - b)) / math.log(1 / a)
    assert case.T_explicit(eta, 10.0, 2.0) == pytest.approx(expected, rel=1e-14)
    assert case.T_order(10.0, 2.0, 4.0) == pytest.approx(math.log(30.0), rel=1e-14)  # 2 - (1 + 4)/3 = 1/3
    path = case.bound(eta, 10.0, np.array([0, 1, 2]))
    assert path == pytest.approx([10.0, a * 10 + b, a * (a * 10 + b) + b], rel=1e-14)


def test_case2_reading_of_lemma_c2():
    """The O(.) argument's (c'2/c'1 + gamma c'3/b'1)/(gamma - 1) is the fixed point of Lemma C.2's recursion with the
    printed constants at eta = b'1/(gamma c'1): the reading of the garbled fraction checked by algebra."""
    case = t31.case2(d1.gaussian(10, 3.0, theta=0.5, beta=0.3), 4)
    for gamma in (1.5, 3.0, 40.0):
        eta = case.eta(gamma)
        alpha = 1 - eta * case.b1p + eta**2 * case.c1p
        beta = case.theta**2 * (eta**2 * case.c2p + eta * case.c3p)
        stated = case.theta**2 * (case.c2p / case.c1p + gamma * case.c3p / case.b1p) / (gamma - 1)
        assert beta / (1 - alpha) == pytest.approx(stated, rel=1e-12)


def test_eq2_as_an_equality_leaves_no_admissible_gamma():
    """Paper item 5: at eps^2 delta = eq. (2) the denominator of (3) is 0 (gamma > inf); just above, gamma and T are
    finite and T grows without bound as the target falls to the floor."""
    case = t31.case2(paper_constants(), 16)
    assert math.isinf(case.gamma_threshold(case.floor_sq))
    ts = []
    for m in (1.5, 1.1, 1.01, 1.001):
        g = case.best_gamma(1e4, m * case.floor_sq)
        ts.append(case.T_explicit(case.eta(g), 1e4, m * case.floor_sq))
    assert all(np.isfinite(ts)) and np.all(np.diff(ts) > 0)


def test_c2_prime_over_beta1_breaks_the_proof_where_beta1_exceeds_b():
    """Paper item 3: (B.7)'s constant carries 1/b where c'2 prints 1/beta1. At the paper's n = 500, beta = 0.5
    (beta1 = 5.59) and b <= 4, a gamma just above the printed bound (3) leaves (B.7)'s fixed point above eps^2 delta
    (= 2 x floor): the printed theorem does not follow from its proof there. At b = 16 > beta1 it is conservative."""
    c = paper_constants()
    for b, broken in ((1, True), (2, True), (4, True), (16, False)):
        case = t31.case2(c, b)
        target = 2 * case.floor_sq
        gamma = case.gamma_threshold(target) * 1.0001
        assert (case.fixed_point(case.eta(gamma)) > target) is broken, b
        assert (case.gamma_threshold(target, stated=False) > case.gamma_threshold(target)) is broken, b


# ------------------------------------------------------------------------------------------- Remark 1(b): the risk


def test_risk_closed_form():
    """The stable plane form equals the arc-cosine form, Monte Carlo (Z standard errors), and stays accurate for
    tiny offsets (leading order E[1{w*'x > 0}(Delta'x)^2] = ||Delta||^2/2); risk <= ||Delta||^2 (1-Lipschitz,
    lambda_max(Sigma) = 1) <= ||Delta||^2 E||x||^2."""
    rng = np.random.default_rng(2)
    for _ in range(4):
        w, ws = rng.standard_normal(6), rng.standard_normal(6)
        a, b = np.linalg.norm(w), np.linalg.norm(ws)
        phi = math.acos(np.clip(w @ ws / (a * b), -1, 1))
        arc = a * a / 2 + b * b / 2 - a * b * (math.sin(phi) + (math.pi - phi) * math.cos(phi)) / math.pi
        exact = t31.relu_risk_gaussian(w, ws)
        assert exact == pytest.approx(arc, rel=1e-12)
        mean, se = t31.relu_risk_monte_carlo(w, ws, lambda k: rng.standard_normal((k, 6)), samples=200_000)
        assert abs(mean - exact) <= Z * se
        assert exact <= float((w - ws) @ (w - ws))
    assert t31.relu_risk_gaussian(2 * ws, ws, sigma=2.0) == pytest.approx(4 * float(ws @ ws) / 2, rel=1e-12)
    tiny = t31.relu_risk_plane(4.0, 1e-7, 2e-7)
    assert tiny == pytest.approx((1e-14 + 4e-14) / 2, rel=1e-6)


# ------------------------------------------------------------------------------------------- Clopper–Pearson


def test_clopper_pearson():
    tail = 0.025
    lo, hi = t31.clopper_pearson(5, 10, tail)
    assert (lo, hi) == pytest.approx((0.187086, 0.812914), abs=1e-6)  # the textbook 95 % interval of 5/10
    assert t31.clopper_pearson(400, 400, 0.00135)[0] == pytest.approx(0.00135 ** (1 / 400), rel=1e-10)
    assert t31.clopper_pearson(0, 50, 0.01) == pytest.approx((0.0, 1 - 0.01 ** (1 / 50)), rel=1e-10)
    lo7, hi7 = t31.clopper_pearson(7, 30, 0.05)
    lo23, hi23 = t31.clopper_pearson(23, 30, 0.05)
    assert (lo7, hi7) == pytest.approx((1 - hi23, 1 - lo23), abs=1e-12)
    held = t31.probability_row(400, 400, 0.9, 3.0, check="c", paper="A", experiment="e", cell="x")
    assert held.verdict == "holds" and held.extra["cp_lower"] == pytest.approx(0.98362, abs=1e-5)
    failed = t31.probability_row(300, 400, 0.9, 3.0, check="c", paper="A", experiment="e", cell="x")
    assert failed.verdict == "violated"
    assert t31.probability_row(355, 400, 0.9, 3.0, check="c", paper="A", experiment="e", cell="x").verdict == (
        "inconclusive"
    )


# ------------------------------------------------------------------------------------------- the sampler


@pytest.mark.parametrize("attack", ["none", "alternating"])
def test_sampler_matches_the_exact_moments(attack):
    """simulate's mean ||Delta_t||^2 against theory.exact_moments (n = 4, b = 3, eta = 0.3, 4000 runs)."""
    n, b, eta, runs = 4, 3, 0.3, 4000
    beta, theta = (0.5, 0.5) if attack == "alternating" else (0.0, 0.0)
    rho, p0, q0 = 2.0, 0.7, 1.1
    steps = [1, 3, 10, 30]
    sim = t31.simulate(
        np.random.default_rng(7), n, b, eta, rho, p0, q0, steps, runs, beta=beta, theta=theta, attack=attack
    )
    exact = theory.exact_moments(
        theory.Setting(n=n, b=b, eta=eta, beta=beta, theta=theta, attack="alternating"), rho, p0, q0, steps[-1]
    )
    for k, t in enumerate(steps):
        se = sim.sq[k].std(ddof=1) / math.sqrt(runs)
        assert abs(sim.sq[k].mean() - (exact[t, 1] + exact[t, 2])) <= Z * se, t
        assert abs(sim.p.mean() - exact[-1, 0]) <= Z * sim.p.std(ddof=1) / math.sqrt(runs)


def test_sampler_matches_full_draws_in_law():
    """Beyond the mean: E||Delta_t||^4 of simulate against Algorithm 2 with full inputs (update_rule.step), two-sample
    z at Z, under the alternating attack (n = 4, b = 3, eta = 0.3, 4000 runs each)."""
    n, b, eta, runs, beta, theta = 4, 3, 0.3, 4000, 0.5, 0.5
    rng = np.random.default_rng(8)
    w_star = np.array([2.0, 0.0, 0.0, 0.0])
    delta0 = np.array([0.7, 1.1, 0.0, 0.0])
    steps = [3, 10, 30]
    sim = t31.simulate(rng, n, b, eta, 2.0, 0.7, 1.1, steps, runs, beta=beta, theta=theta, attack="alternating")
    w = np.tile(w_star + delta0, (1, runs, 1))
    xi = np.where(np.arange(b) % 2 == 0, -theta, theta)
    full = {}
    for t in range(1, steps[-1] + 1):
        x = rng.standard_normal((runs, b, n))
        y = np.maximum(x @ w_star, 0) + (rng.random((runs, b)) < beta) * xi
        step(w, ["alg2"], x, y, eta, theta)
        if t in steps:
            full[t] = np.sum((w[0] - w_star) ** 2, axis=1)
    for k, t in enumerate(steps):
        a, f = sim.sq[k] ** 2, full[t] ** 2
        se = math.hypot(a.std(ddof=1), f.std(ddof=1)) / math.sqrt(runs)
        assert abs(a.mean() - f.mean()) <= Z * se, t


# ------------------------------------------------------------------------------------------- tightness


@pytest.mark.parametrize(("n", "b"), [(5, 1), (10, 4), (20, 16)])
def test_tightness(n, b):
    """The exact factor for N(0, I_n) is 1 - eta + (eta^2/b)((n + 2)/2 + (b - 1)/4) (isotropic), so the recursion
    contracts up to eta = 4b/(2n + 3 + b); at the theorem's eta it is about twice as fast in log-rate as alpha."""
    t = t31.tightness(n, b)
    eta = t.eta_theorem
    assert t.exact == pytest.approx(1 - eta + eta**2 / b * ((n + 2) / 2 + (b - 1) / 4), rel=1e-12)
    assert t.eta_max_exact == pytest.approx(4 * b / (2 * n + 3 + b), rel=1e-9)
    assert 1.8 < t.rate_ratio < 2.0
    assert t.eta_best_exact == pytest.approx(t.eta_max_exact / 2, rel=1e-6)
    assert t.exact <= t.alpha


def test_tightness_at_the_papers_settings():
    t = t31.tightness(500, 16)
    assert t.step_ratio == pytest.approx(2 * (2 * 500 * 502 + 15 * 500**2) / (1000 + 3 + 16), rel=1e-6)  # 8345
    assert t.best_ratio == pytest.approx(4206, rel=1e-3)


# ------------------------------------------------------------------------------------------- rows at the paper's cells


def paper_spec(attack="alternating", beta=0.5, theta=2.0, iterations=4000, b=16):
    return CellSpec(
        experiment="batch_size",
        law_name="normal",
        law={"family": "normal", "d": 500, "sigma": 1.0},
        b=b,
        attack=attack,
        beta=beta,
        theta=theta,
        beta_threshold=-math.inf,
        eta=0.01,
        iterations=iterations,
        runs=64,
        checkpoints=60,
        start="per_run",
        sampler="projected",
        master_seed=0,
        w_star_scale=1.0,
        start_scale=1.0,
    )


def test_outside_rows_at_the_papers_cells():
    """Not applicable (the step), with the bound, the observation (the plateau ~0.6, start ~31.6) and their ratio."""
    (floor,) = t31.outside_rows(paper_spec(), 0.6, 0.01, 64, 1000.0, 0.01, 0.1)
    assert floor.verdict == "not_applicable" and floor.statement == "Theorem 3.1, Case II"
    assert "1549× the theorem's largest step 6.5e-06" in floor.reason and floor.regime == floor.reason
    assert floor.predicted == pytest.approx(82.37, abs=0.01) and floor.ratio == pytest.approx(82.37 / 0.6, rel=1e-3)
    assert floor.extra["floor_eps_sqrt_delta"] == pytest.approx(26.05, abs=0.01)
    t_row, eps_row = t31.outside_rows(paper_spec("none", 0.0, 0.0), 1e-6, 1e-8, 64, 1000.0, 0.01, 0.1)
    assert "1329× the theorem's step 7.5e-06" in t_row.reason
    assert t_row.predicted == pytest.approx(4.8953e6, rel=1e-4) and t_row.observed == 4000
    assert eps_row.predicted == pytest.approx(math.sqrt(1000 * t_row.extra["alpha"] ** 4000 / 0.1), rel=1e-12)
    filt, _ = t31.outside_rows(paper_spec(beta=0.0, iterations=2000), 0.03, 0.001, 64, 1000.0, 0.01, 0.1)
    assert "λ1(θ*) = 0.429" in filt.reason and filt.source == "paper"


# ------------------------------------------------------------------------------------------- planted faults


def verdicts(rows, check):
    return [r.verdict for r in rows if r.check == check]


def test_planted_faults_case1():
    """Case I at n = 5, b = 4 (theorem's eta = 0.0552, 509 updates to T at eps = 0.01, delta = 0.1), 100 runs.

    * the theorem's step: every row holds; bound/exact reaches 4e5 at T (the bound is loose);
    * a step 1.5x the stated one: still holds, ratio 1e11 at T: the rows cannot see a too large step (the exact
      recursion contracts up to 17x the theorem's step);
    * a step 0.4x the stated: alpha^t falls faster than the truth (alpha's log-rate is eta/2): every bound row and the
      probability row are violated;
    * a wrong constant, lambda1 doubled (eta and alpha computed with 1 in place of 1/2): the bound rows are violated."""
    rows = t31.inside_rows(t31.run_case1(5, 4, 100, 0, 0.01, 0.1), 3.0)
    assert {r.verdict for r in rows} == {"holds"}
    last = [r for r in rows if r.check == t31.CHECK_BOUND_EXACT][-1]
    assert last.ratio > 1e5
    big = t31.inside_rows(t31.run_case1(5, 4, 100, 0, 0.01, 0.1, eta_factor=1.5), 3.0)
    assert {r.verdict for r in big} == {"holds"}
    assert [r for r in big if r.check == t31.CHECK_BOUND_EXACT][-1].ratio > 1e10
    small = t31.inside_rows(t31.run_case1(5, 4, 100, 0, 0.01, 0.1, eta_factor=0.4), 3.0)
    assert set(verdicts(small, t31.CHECK_BOUND_EXACT)) == set(verdicts(small, t31.CHECK_BOUND_SIM)) == {"violated"}
    assert verdicts(small, t31.CHECK_PROB) == ["violated"]
    rho, _, _ = t31.study_start(0, 5)
    right = t31.case1(d1.gaussian(5, rho), 4)
    wrong = t31.inside_rows(t31.run_case1(5, 4, 100, 0, 0.01, 0.1, case=dataclasses.replace(right, lambda1=1.0)), 3)
    assert set(verdicts(wrong, t31.CHECK_BOUND_EXACT)) == {"violated"}
    assert set(verdicts(wrong, t31.CHECK_BOUND_SIM)) == {"violated"}


def test_planted_faults_case2():
    """Case II at n = 5, b = 4, beta = 0.5, theta* = 0.25 (eps^2 delta = 2 x floor = 0.194), 100 runs.

    * at the theorem's step every row holds, with (B.7)'s bound 1e3x the exact E||Delta_T||^2 at T;
    * Algorithm 2's filter at theta*/2: +theta* labels of inputs with w*'x < 0 pass and bias the iterate; the simulated
      E||Delta_T||^2 (0.34) exceeds the bound (0.19) at T: violated. The probability row still holds: eps^2 =
      eps^2 delta / delta = 1.94 is 5x the faulty mean (Markov's slack);
    * a step 1.5x the stated: holds (the truth contracts faster)."""
    rows = t31.inside_rows(t31.run_case2(5, 4, 100, 0, 0.01, 0.1, beta=0.5, theta=0.25), 3.0)
    assert {r.verdict for r in rows} == {"holds"}
    assert [r for r in rows if r.check == t31.CHECK_BOUND_EXACT][-1].ratio > 500
    filt = t31.inside_rows(t31.run_case2(5, 4, 100, 0, 0.01, 0.1, beta=0.5, theta=0.25, filter_factor=0.5), 3.0)
    assert verdicts(filt, t31.CHECK_BOUND_SIM)[-1] == "violated"
    assert set(verdicts(filt, t31.CHECK_BOUND_EXACT)) == {"not_applicable"}
    assert verdicts(filt, t31.CHECK_PROB) == ["holds"]
    big = t31.inside_rows(t31.run_case2(5, 4, 100, 0, 0.01, 0.1, beta=0.5, theta=0.25, eta_factor=1.5), 3.0)
    assert {r.verdict for r in big} == {"holds"}


# ------------------------------------------------------------------------------------------- the study in one call


def test_study_rows_in_one_call():
    """n = 5, b in {1, 4, 16}, 200 runs (Case II on 100): every row is a CheckRow of paper A with its statement and
    regime; all hold but Case II's "T decreases in b" (Remark 1(e)'s "similar conclusion" for theta* > 0), which is
    violated with the printed c'2 (its 1/beta1 lets T grow from b = 4 to 16) and holds with (B.7)'s constants."""
    rows = t31.theorem_study_rows((5,), (1, 4, 16), runs=200, seed=0, epsilon=0.01, delta=0.1, z=3.0)
    assert all(r.paper == "A" and r.statement and r.regime for r in rows)
    assert {r.source for r in rows} == {"paper", "derived"}
    bad = [r for r in rows if r.verdict != "holds"]
    assert [(r.check, r.cell) for r in bad] == [(t31.CHECK_T_DECREASES, "case=II/n=5/beta=0.5/theta=0.25")]
    assert np.all(np.diff(bad[0].extra["T_b7_constants"]) < 0)
    t1 = next(r for r in rows if r.check == t31.CHECK_T_DECREASES and r.cell == "case=I/n=5")
    assert t1.verdict == "holds" and 1 < t1.ratio < d1.gaussian(5, 1.0).a4 / 2.5**2  # saturates at a4/a2^2 = 2.8
    risk = [r for r in rows if r.check == t31.CHECK_R1B]
    assert len(risk) == 3 and min(r.ratio for r in risk) > 1e4


def test_remark_1a_floor_falls_to_zero_with_beta():
    """At the paper's settings (eta = 0.01, outside the theorem's step) the floor eps sqrt(delta) over beta is
    0, 0.26, ..., 26.05 (beta = 0.5), 46.9, linear in beta; the exact plateau sqrt(E||Delta_inf||^2) is 0.61 at
    beta = 0.5 (the figures' ~0.6): the floor is 43x the plateau."""
    betas = (0.0, 0.005, 0.05, 0.5, 0.9)
    rows = t31.remark1a_rows(500, math.sqrt(500), 2.0, betas, 16, eta=0.01, experiment="paper")
    assert {r.verdict for r in rows} == {"holds"}
    floors = rows[-1].extra["floor"]
    assert floors[0] == 0 and np.allclose(np.array(floors[1:]) / np.array(betas[1:]), floors[3] / 0.5, rtol=1e-12)
    at_half = rows[3]
    assert at_half.predicted == pytest.approx(26.05, abs=0.01) and at_half.observed == pytest.approx(0.61, abs=0.01)
    assert at_half.regime.startswith("η = 0.01 is above")


def test_pipeline_adapters():
    """The theorems study's entry points (relu_lib.paper_a.statements): statement_rows at the smoke config's 50 runs
    (Case II on 25: all-success gives Clopper–Pearson lower limits 0.88 (50 runs) and 0.77 (25) < 1 − δ = 0.9, so the
    probability rows are inconclusive: no power, not a failure), and the tightness figure's curves and plot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec = {"experiment": "theorem_3_1", "runs": 50, "master_seed": 0, "z": 3.0, "epsilon": 0.01, "delta": 0.1}
    rows = t31.statement_rows(spec)
    assert {r.verdict for r in rows if r.check == t31.CHECK_PROB and "case=II" in r.cell} == {"inconclusive"}
    assert [r.verdict for r in rows if r.verdict == "violated"] == ["violated"] * 3  # Case II: T decreases in b
    paper = [r for r in rows if r.check == t31.CHECK_R1A and r.cell.startswith("n=500")]
    assert len(paper) == len(t31.PAPER_BETAS) + 1
    curves = t31.tightness_curves((5, 50), (1, 16))
    assert len(curves) == 4 and np.all(curves["step_ratio"] > 1)
    fig, ax = plt.subplots()
    t31.plot_tightness(ax, curves)
    plt.close(fig)
