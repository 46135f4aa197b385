"""Paper B (docs/theory.md Part B): projections, PGD from zero, n0 and the (1/2)^tau envelope.

Monte Carlo tolerances are Z standard errors (Z = 4), the SE estimated from the same draws
or known in closed form; reference numbers of docs/theory.md carry their rounding on top.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

from relu_lib.paper_b.c_table import crossing
from relu_lib.paper_b.pgd import (
    draw_trial,
    gradient,
    observe,
    run_pgd,
    run_trials,
)
from relu_lib.paper_b.projections import (
    PROJECTIONS,
    project_l0,
    project_l1,
    project_none,
    projection_for,
)
from relu_lib.paper_b.summary import envelope_holds, per_step_ratio
from relu_lib.paper_b.theory import delta_l1, first_step_moments, l1_width_bound, n0, n0_l0
from relu_lib.seeding import generator

Z = 4.0
SEED = 20240611


def rng(*parts):
    return generator(SEED, "tests_paper_b", *parts)


# ----------------------------------------------------------------------------- projections
def random_rows():
    g = rng("rows")
    W = g.standard_normal((200, 12)) * g.exponential(1.0, (200, 1))
    radius = g.uniform(0.0, 1.5, 200) * np.abs(W).sum(axis=1)  # about 1/3 of rows inside
    return W, radius


def test_l1_projection_is_feasible_idempotent_and_optimal():
    W, radius = random_rows()
    P = project_l1(W, radius)
    assert np.all(np.abs(P).sum(axis=1) <= radius * (1 + 1e-12) + 1e-15)
    np.testing.assert_allclose(project_l1(P, radius), P, atol=1e-12)
    # Optimality (variational inequality) <v - p, q - p> <= 0 for every q in the ball; it is
    # linear in q, so the ball's vertices +-r e_j suffice: r ||v - p||_inf <= <v - p, p>.
    R = W - P
    lhs = radius * np.abs(R).max(axis=1)
    rhs = np.einsum("ij,ij->i", R, P)
    assert np.all(lhs <= rhs + 1e-10 * (1 + np.abs(W).sum(axis=1) ** 2))


def test_l1_projection_beats_random_feasible_points():
    W, radius = random_rows()
    P = project_l1(W, radius)
    g = rng("feasible")
    Q = g.standard_normal((500, *W.shape)) * g.exponential(1.0, (500, W.shape[0], 1))
    scale = radius[:, None] * g.uniform(0, 1, (500, W.shape[0], 1)) ** (1 / 12)
    Q *= scale / np.abs(Q).sum(axis=-1, keepdims=True)  # random points of the l1 ball
    best = np.linalg.norm(W - P, axis=1)
    assert np.all(np.linalg.norm(W - Q, axis=-1) >= best - 1e-12)


def test_l1_projection_leaves_inside_points_unchanged_and_handles_radius_zero():
    W, radius = random_rows()
    inside = np.abs(W).sum(axis=1) <= radius
    assert inside.any() and (~inside).any()
    P = project_l1(W, radius)
    np.testing.assert_array_equal(P[inside], W[inside])
    np.testing.assert_array_equal(project_l1(W, 0.0), np.zeros_like(W))


def test_l1_projection_broadcasts_over_leading_axes():
    W, radius = random_rows()
    stacked = project_l1(np.stack([W, 2 * W], axis=1), radius[:, None])
    np.testing.assert_allclose(stacked[:, 0], project_l1(W, radius))
    np.testing.assert_allclose(stacked[:, 1], project_l1(2 * W, radius))


def test_hard_thresholding_keeps_the_s_largest_entries():
    W, _ = random_rows()
    for s in (0, 1, 3, 12):
        P = project_l0(W, s)
        assert np.all(np.count_nonzero(P, axis=1) == s)
        kept = P != 0
        np.testing.assert_array_equal(P[kept], W[kept])
        if 0 < s < W.shape[1]:
            smallest_kept = np.where(kept, np.abs(W), np.inf).min(axis=1)
            largest_dropped = np.where(kept, -np.inf, np.abs(W)).max(axis=1)
            assert np.all(smallest_kept >= largest_dropped)


def test_hard_thresholding_is_the_nearest_sparse_point():
    W = rng("l0_brute").standard_normal((20, 7))
    for row in W:
        best = min(
            np.linalg.norm(row - np.where(np.isin(np.arange(7), idx), row, 0.0))
            for idx in itertools.combinations(range(7), 3)
        )
        assert np.linalg.norm(row - project_l0(row, 3)) == pytest.approx(best, abs=1e-14)


def test_hard_thresholding_ties_go_to_the_lower_index():
    w = np.array([0.5, -1.0, 1.0, -1.0, 0.25])
    np.testing.assert_array_equal(project_l0(w, 2), [0, -1.0, 1.0, 0, 0])
    np.testing.assert_array_equal(project_l0(np.ones((2, 4)), np.array([1, 3])), [[1, 0, 0, 0], [1, 1, 1, 0]])


def test_projection_for_uses_the_level_of_w_star():
    w_star = np.array([[0.0, 3.0, -1.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    V = np.array([[5.0, 4.0, 3.0, 2.0], [5.0, 4.0, 3.0, 2.0]])
    np.testing.assert_array_equal(projection_for("l0", w_star)(V), [[5, 4, 0, 0], [5, 4, 3, 2]])
    np.testing.assert_allclose(np.abs(projection_for("l1", w_star)(V)).sum(axis=1), [4.0, 4.0])
    both = projection_for("l1", w_star)(np.stack([V, -V], axis=1))  # an extra models axis
    np.testing.assert_allclose(both[:, 1], -projection_for("l1", w_star)(V))
    np.testing.assert_array_equal(projection_for("none", w_star)(V), V)
    assert set(PROJECTIONS) == {"none", "l0", "l1"} and PROJECTIONS["none"] is project_none
    with pytest.raises(ValueError, match="allowed"):
        projection_for("l2", w_star)


# ----------------------------------------------------------------------------- PGD
def small_problem(n=40, d=15, trials=3):
    g = rng("small", n, d, trials)
    X = g.standard_normal((trials, n, d))
    w_star = g.standard_normal((trials, d))
    return X, w_star / np.linalg.norm(w_star, axis=1, keepdims=True)


def relu_loss(X, y, w):
    return np.mean((np.maximum(X @ w, 0.0) - y) ** 2)


def test_relu_gradient_matches_finite_differences_away_from_kinks():
    X, w_star = small_problem()
    y = observe(X, w_star, "relu")
    W = rng("w").standard_normal(w_star.shape)
    G = gradient(X, W[:, None], y[:, None], ("relu",))[:, 0]
    h = 1e-6
    for t in range(X.shape[0]):
        fd = [
            (relu_loss(X[t], y[t], W[t] + h * e) - relu_loss(X[t], y[t], W[t] - h * e)) / (2 * h)
            for e in np.eye(X.shape[2])
        ]
        np.testing.assert_allclose(G[t], fd, rtol=1e-6, atol=1e-8)


def test_generalised_gradient_moves_from_zero_and_autograd_convention_does_not():
    X, w_star = small_problem(n=200)
    errors, diverged = run_pgd(X, w_star, project_none, 5, ("relu",))
    assert not diverged.any() and np.all(errors[:, 0, 1:] < 1.0)  # w_1 != 0, and it descends
    Y = observe(X, w_star, "relu")[:, None]
    G0 = gradient(X, np.zeros_like(w_star)[:, None], Y, ("relu",))[:, 0]
    np.testing.assert_allclose(-2 * G0, 2 * np.einsum("tn,tnd->td", Y[:, 0], X) / X.shape[1])
    stuck, _ = run_pgd(X, w_star, project_none, 5, ("relu", "linear"), relu_prime_at_zero=0.0)
    np.testing.assert_array_equal(stuck[:, 0], 1.0)  # ReLU'(0) = 0: w stays at 0
    assert np.all(stuck[:, 1, 1] < 1.0)  # the linear baseline does not care


def test_first_step_identity_for_a_fixed_w_star():
    """E[(2/n) sum y_i x_i] = w* (B.1); covariance (5 along w*, 2 across)/n (derived)."""
    trials, n, d = 2000, 100, 200
    g = rng("first_step")
    w_star = np.zeros(d)
    w_star[:10] = g.standard_normal(10)
    w_star /= np.linalg.norm(w_star)
    dev = np.empty((trials, d))
    for r in range(trials):
        X = g.standard_normal((n, d))
        dev[r] = 2 * X.T @ np.maximum(X @ w_star, 0.0) / n - w_star
    mom = first_step_moments(d, n)
    mean = dev.mean(axis=0)
    along = mean @ w_star
    assert abs(along) <= Z * math.sqrt(mom["along_var"] / trials)
    # T n ||mean||^2 / (2d + 3) has expectation 1 and sd sqrt(2 sum lambda^2) / sum lambda.
    q = trials * n * mean @ mean / (2 * d + 3)
    assert abs(q - 1) <= Z * math.sqrt(2 * (25 + 4 * (d - 1))) / (2 * d + 3)
    sq = np.einsum("td,td->t", dev, dev)
    assert abs(sq.mean() - mom["sq_dev_mean"]) <= Z * sq.std(ddof=1) / math.sqrt(trials)


def test_divergence_is_flagged_not_raised():
    X, w_star = small_problem(n=20, d=80)  # unconstrained, n << d: unit step overshoots
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow on the way either
        errors, diverged = run_pgd(X, w_star, project_none, 200, ("linear",))
    assert diverged.all()
    first_nan = np.argmax(np.isnan(errors[:, 0]), axis=1)
    assert np.all(first_nan > 0)
    assert all(np.isnan(errors[t, 0, k:]).all() for t, k in enumerate(first_nan))


def test_converged_runs_are_frozen():
    X, w_star = small_problem(n=2000, d=15)
    errors, diverged = run_pgd(X, w_star, project_none, 60, ("relu", "linear"))
    assert not diverged.any()
    for curve in errors.reshape(-1, errors.shape[-1]):
        k = np.argmax(curve <= 1e-12)
        assert curve[k] <= 1e-12 and np.all(curve[k:] == curve[k])


def test_trial_data_is_keyed_by_parameters_and_shared_across_constraints():
    w1, X1 = draw_trial(7, 3, 30, 20, 4)
    w2, X2 = draw_trial(7, 3, 30, 20, 4)
    np.testing.assert_array_equal(X1, X2)
    assert np.count_nonzero(w1) == 3 and np.linalg.norm(w1) == pytest.approx(1.0)
    a = run_trials("l0", 3, 30, 20, 5, 4, 7, chunk=1)
    b = run_trials("l0", 3, 30, 20, 5, 4, 7, chunk=3)
    c = run_trials("l1", 3, 30, 20, 5, 4, 7)
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(a["first_step_sq_dev"], c["first_step_sq_dev"])  # same data
    np.testing.assert_array_equal(a["errors_relu"][:, 0], 1.0)


def test_l0_pgd_converges_at_n_2500():
    out = run_trials("l0", 20, 1000, 2500, 10, 10, SEED)
    assert not out["diverged_relu"].any()
    assert np.all(out["errors_relu"][:, 10] < 1e-5)


@pytest.fixture(scope="module")
def reference_cells():
    """docs/theory.md B.3 reference: d = 1000, s = 20, l0, 20 trials, 30 iterations."""
    return {n: run_trials("l0", 20, 1000, n, 20, 30, SEED) for n in (625, 2500)}


def median_and_se(values):
    """Median and its large-sample SE, sqrt(pi/2) sd / sqrt(T) (normal approximation)."""
    values = values[np.isfinite(values)]
    return np.median(values), math.sqrt(math.pi / 2) * values.std(ddof=1) / math.sqrt(values.size)


def test_per_step_ratio_reference_points(reference_cells):
    """the reference quotes a median ratio of ~0.64 at n = 625; here it comes out at ~0.5 (trial
    spread ~0.4-0.64), so only "not faster than 1/2 beyond MC error" is asserted there."""
    slow, slow_se = median_and_se(per_step_ratio(reference_cells[625]["errors_relu"]))
    fast, fast_se = median_and_se(per_step_ratio(reference_cells[2500]["errors_relu"]))
    lin, lin_se = median_and_se(per_step_ratio(reference_cells[625]["errors_linear"]))
    print(
        f"median per-step ratio: relu n=625 {slow:.3f}+-{slow_se:.3f}, "
        f"n=2500 {fast:.3f}+-{fast_se:.3f}; linear n=625 {lin:.3f}+-{lin_se:.3f}"
    )
    assert fast + Z * fast_se < 0.5  # faster than 1/2 at n = 2500
    assert slow + Z * slow_se > 0.5  # not (demonstrably) faster than 1/2 at n = 625
    assert slow - Z * slow_se > fast + Z * fast_se  # slower with fewer samples
    assert slow - Z * slow_se > lin + Z * lin_se  # ReLU observations: slower than linear ones
    assert envelope_holds(reference_cells[2500]["errors_relu"]).all()
    assert envelope_holds(reference_cells[625]["errors_relu"]).mean() < 0.5


def test_first_step_outputs_of_a_cell(reference_cells):
    out, n, d = reference_cells[625], 625, 1000
    mom = first_step_moments(d, n)
    along, sq = out["first_step_along"], out["first_step_sq_dev"]
    assert abs(along.mean()) <= Z * math.sqrt(mom["along_var"] / along.size)
    assert abs(sq.mean() - mom["sq_dev_mean"]) <= Z * sq.std(ddof=1) / math.sqrt(sq.size)
    mean_dev = out["first_step_mean_dev"]
    q = along.size * n * mean_dev @ mean_dev / (2 * d + 3)
    assert abs(q - 1) <= Z * math.sqrt(2 * (25 + 4 * (d - 1))) / (2 * d + 3)


# ----------------------------------------------------------------------------- n0
def test_l1_statistical_dimension():
    assert delta_l1(20, 1000) == pytest.approx(104.2, abs=0.1)
    for s, d in [(20, 1000), (5, 500), (1, 10)]:  # B.2: = inf_t s(1 + t^2) + (d - s) E(|g| - t)_+^2
        grid = min(l1_width_bound(t, s, d) for t in np.linspace(0, 6, 60001))
        assert delta_l1(s, d) == pytest.approx(grid, rel=1e-6)
    assert delta_l1(0, 10) == 0.0 and delta_l1(10, 10) == 10.0
    assert n0("l1", 20, 1000) == (delta_l1(20, 1000), 0.0)


def test_unconstrained_n0_is_the_dimension_for_every_sparsity():
    """Without a constraint the descent cone is all of R^d, whose statistical dimension E||g||^2 is d:
    it must not depend on s, and must equal the l1 formula's value where that cone is also all of R^d."""
    for d in (7, 40, 1000):
        assert {n0("none", s, d) for s in (1, d // 2, d)} == {(float(d), 0.0)}
    assert n0("none", 10, 10)[0] == pytest.approx(delta_l1(10, 10))


def test_l0_n0_reference_value_within_monte_carlo_error():
    value, se = n0("l0", 20, 1000, samples=20000, master_seed=SEED)
    assert 0 < se < 0.5
    assert abs(value - 162) <= Z * se + 0.5  # the reference quotes an integer: +-0.5 rounding
    other, other_se = n0_l0(20, 1000, samples=20000, master_seed=SEED + 1)
    assert abs(value - other) <= Z * math.hypot(se, other_se)


def test_l0_n0_monte_carlo_against_a_closed_form():
    """With s = d the width is E||g|| = sqrt(2) Gamma((d+1)/2) / Gamma(d/2), exactly."""
    d = 10
    exact = 2 * math.exp(2 * (math.lgamma((d + 1) / 2) - math.lgamma(d / 2)))
    value, se = n0_l0(d, d, samples=20000, master_seed=SEED)
    assert abs(value - exact) <= Z * se


# ----------------------------------------------------------------------------- envelope, c50/c90
def test_envelope_holds():
    tau = np.arange(51)  # 0.5**40 < 1e-12: the floor matters
    half = 0.5**tau
    errors = np.stack(
        [half, half * (1 + 1e-9), np.where(tau > 3, np.nan, half), np.maximum(half, 1e-13), np.maximum(half, 1e-11)]
    )
    np.testing.assert_array_equal(envelope_holds(errors), [True, False, False, True, False])
    np.testing.assert_array_equal(envelope_holds(errors, horizon=3), [True, False, True, True, True])


def test_per_step_ratio_of_geometric_curves():
    tau = np.arange(31)
    errors = np.stack([0.3**tau, np.maximum(0.1**tau, 1e-13), np.where(tau > 2, np.nan, 0.8**tau)])
    np.testing.assert_allclose(per_step_ratio(errors), [0.3, 0.1, 0.8])
    assert np.isnan(per_step_ratio(np.full((1, 5), 1e-13)))[0]


def test_crossings_interpolate_and_report_never_reached():
    x = [0.5, 1, 2, 4, 8]
    f = [0.0, 0.2, 0.6, 0.9, 1.0]
    c50, c90 = crossing(x, f, 0.5, log=False), crossing(x, f, 0.9, log=False)
    assert c50 == pytest.approx(1 + 0.3 / 0.4) and c90 == 4.0
    assert crossing(x, f, 0.5) == pytest.approx(2 ** (math.log2(1) + 0.75))
    assert math.isnan(crossing(x, [0, 0.1, 0.2, 0.3, 0.4], 0.5))
    assert crossing(x[::-1], f[::-1], 0.9, log=False) == 4.0  # unsorted grid
