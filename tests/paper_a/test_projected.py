"""The projected sampler (relu_lib.paper_a.projected): the numba kernel against its NumPy reference on one
stream (to rounding), and in law against plain full draws of the inputs, with a planted fault that the
same test must catch; determinism and divergence.

Equality in law is tested on the means of |Delta_t|^2 at three checkpoints, per algorithm, by Welch's
two-sample z = (mean_projected - mean_full) / sqrt(var_p / R_p + var_f / R_f), at the level |z| < Z = 4
(two-sided p = 6e-5 per comparison; 7 settings x 3 checkpoints x 2 algorithms = 42 comparisons, a false
alarm about once in 400 seeds, and the seeds are fixed).

The first run in a fresh checkout compiles the kernel (about 10 s on one core); later runs use numba's cache.
"""

import numpy as np
import pytest

from relu_lib.paper_a import projected
from relu_lib.paper_a.kernel import ALTERNATING, RANDOM_SIGN, SILENT

Z = 4.0
DIVERGED_SQ = 1e12


def generator(seed):
    return np.random.Generator(np.random.SFC64(seed))


def problem(n, seed):
    g = np.random.default_rng(seed)
    return g.standard_normal(n), g.standard_normal(n)  # w*, w_1


def same_stream(a, b):
    """Whether two Generators are in the same state (their next draws agree)."""
    return np.array_equal(a.random(8), b.random(8))


# -- the kernel against the NumPy reference, on one stream --------------------------------------------

EVERYWHERE = {"beta_threshold": -np.inf}  # beta(x) = beta for every x
REFERENCE_CASES = {
    "realizable": {"attack": SILENT, "beta": 0.0, "theta": 0.0, **EVERYWHERE},
    "alternating": {"attack": ALTERNATING, "beta": 0.4, "theta": 0.7, **EVERYWHERE},
    "random_sign": {"attack": RANDOM_SIGN, "beta": 0.4, "theta": 0.7, **EVERYWHERE},
    "random_sign_threshold": {"attack": RANDOM_SIGN, "beta": 0.6, "theta": 0.5, "beta_threshold": 0.3},
    "alternating_threshold_b1": {"attack": ALTERNATING, "beta": 0.6, "theta": 0.5, "beta_threshold": -0.2, "b": 1},
    "planted_fault": {"attack": ALTERNATING, "beta": 0.4, "theta": 0.7, **EVERYWHERE, "_remainder_scale": 1.1},
    "zero_w_star": {"attack": RANDOM_SIGN, "beta": 0.4, "theta": 0.3, **EVERYWHERE, "zero_w_star": True},
    # eta too large: both diverge, at different steps (the NaN bookkeeping compared too)
    "diverging": {"attack": ALTERNATING, "beta": 0.4, "theta": 0.7, **EVERYWHERE, "eta": 2.0, "diverged_sq": 1e6},
}


@pytest.mark.parametrize("case", REFERENCE_CASES)
def test_kernel_matches_reference(case):
    options = dict(REFERENCE_CASES[case])
    n = 12
    w_star, w_start = problem(n, 3)
    if options.pop("zero_w_star", False):
        w_star = np.zeros(n)
    b = options.pop("b", 5)
    eta = options.pop("eta", 0.15)
    diverged_sq = options.pop("diverged_sq", DIVERGED_SQ)
    scale = options.pop("_remainder_scale", 1.0)
    iterations = 200
    steps = np.array([0, 1, 2, 7, 30, 31, 100, 199, 200])
    args = (w_star, w_start, b, eta, options["beta"], options["theta"], options["attack"])
    rest = (options["beta_threshold"], iterations, steps, diverged_sq)
    rng_fast, rng_slow = generator(21), generator(21)
    fast = projected.run(rng_fast, *args, *rest, _remainder_scale=scale)
    slow = projected.run_reference(rng_slow, *args, *rest, _remainder_scale=scale)
    assert same_stream(rng_fast, rng_slow), "the two consumed different draws"
    np.testing.assert_array_equal(fast[2], slow[2])
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-10, atol=0.0)
    # components of Delta are accurate relative to |Delta|, not to themselves
    np.testing.assert_allclose(fast[1], slow[1], rtol=0.0, atol=1e-10 * np.nanmax(slow[0]))
    norms = np.broadcast_to(slow[0][:, :, None], slow[1].shape)
    recorded = ~np.isnan(slow[1])
    assert np.all(np.abs(fast[1] - slow[1])[recorded] <= 1e-10 * norms[recorded])
    if case == "diverging":
        assert np.all(fast[2] >= 0)
    else:
        assert np.all(fast[2] == -1) and np.all(np.isfinite(fast[0]))


def test_start_is_recorded_at_step_zero():
    w_star, w_start = problem(9, 4)
    error, along, diverged_at = projected.run(
        generator(0), w_star, w_start, 4, 0.1, 0.3, 0.5, ALTERNATING, -np.inf, 10, np.array([0, 10]), DIVERGED_SQ
    )
    delta, u = w_start - w_star, w_star / np.linalg.norm(w_star)
    np.testing.assert_allclose(error[0], np.linalg.norm(delta), rtol=1e-14)
    np.testing.assert_allclose(along[0, :, 0], delta @ u, rtol=1e-13)
    np.testing.assert_allclose(along[0, :, 1], np.linalg.norm(delta - (delta @ u) * u), rtol=1e-13)
    assert np.all(diverged_at == -1) and not np.array_equal(error[1, 0], error[1, 1])


# -- equality in law against full draws ---------------------------------------------------------------


def full_draws(rng, w_star, w_start, b, eta, beta, theta, attack, beta_threshold, iterations, steps, runs):
    """|Delta_t|^2 at the checkpoints (K, 2, runs) of `runs` independent runs with every input drawn in full:
    the model and both updates as written, vectorised over the runs."""
    n = w_star.size
    w = np.broadcast_to(w_start, (2, runs, n)).copy()
    out = np.empty((len(steps), 2, runs))
    xi_alternating = np.where(np.arange(b) % 2 == 0, -theta, theta)  # -theta at odd 1-based positions
    k = 0
    for t in range(iterations + 1):
        if t > 0:
            x = rng.standard_normal((runs, b, n))
            s = x @ w_star
            y = np.maximum(s, 0.0)
            if attack != SILENT:
                alpha = rng.random((runs, b)) < np.where(s > beta_threshold, beta, 0.0)
                xi = theta * (2.0 * rng.integers(0, 2, (runs, b)) - 1.0) if attack == RANDOM_SIGN else xi_alternating
                y = y + alpha * xi
            for a in range(2):
                pred = np.matmul(x, w[a][:, :, None])[:, :, 0]
                keep = y > theta if a == 0 else pred > 0.0
                residual = np.where(keep, y - pred, 0.0)
                w[a] += (eta / b) * np.matmul(residual[:, None, :], x)[:, 0, :]
        if t == steps[k]:
            out[k] = np.sum((w - w_star) ** 2, axis=-1)
            k += 1
    return out


def projected_draws(rng, w_star, w_start, b, eta, beta, theta, attack, beta_threshold, iterations, steps, runs, **kw):
    """The same from `runs` calls of the kernel on one stream (independent runs)."""
    out = np.empty((len(steps), 2, runs))
    for r in range(runs):
        error, _, diverged_at = projected.run(
            rng, w_star, w_start, b, eta, beta, theta, attack, beta_threshold, iterations, steps, DIVERGED_SQ, **kw
        )
        assert np.all(diverged_at == -1)
        out[:, :, r] = error**2
    return out


def welch_z(a, b):
    """Welch's z of the means of a and b over their last axis."""
    se = np.sqrt(a.var(axis=-1, ddof=1) / a.shape[-1] + b.var(axis=-1, ddof=1) / b.shape[-1])
    return (a.mean(axis=-1) - b.mean(axis=-1)) / se


# name: (n, b, eta, attack, beta, theta, beta_threshold, iterations, runs). Steps near the fastest stable
# one, b / (n + b): short runs, and the remainder's variance a large share of every step (power).
LAW_SETTINGS = {
    "realizable_n8_b1": (8, 1, 0.1, SILENT, 0.0, 0.0, -np.inf, 200, 2000),
    "alternating_n8_b1": (8, 1, 0.1, ALTERNATING, 0.3, 0.5, -np.inf, 200, 2000),
    "realizable_n8_b16": (8, 16, 0.5, SILENT, 0.0, 0.0, -np.inf, 60, 2000),
    "random_sign_threshold_n8_b16": (8, 16, 0.5, RANDOM_SIGN, 0.5, 0.8, 0.4, 60, 2000),
    "alternating_n8_b64": (8, 64, 0.7, ALTERNATING, 0.3, 0.5, -np.inf, 60, 1000),
    "realizable_n100_b1": (100, 1, 0.01, SILENT, 0.0, 0.0, -np.inf, 200, 1000),
    "alternating_n100_b16": (100, 16, 0.14, ALTERNATING, 0.3, 0.5, -np.inf, 100, 1000),
}
FAULT_SETTING = "alternating_n100_b16"
_full_cache = {}


def law_inputs(name):
    n, b, eta, attack, beta, theta, beta_threshold, iterations, runs = LAW_SETTINGS[name]
    w_star, w_start = problem(n, 100 + n + b)
    steps = np.array([iterations // 10, iterations // 2, iterations])
    return (w_star, w_start, b, eta, beta, theta, attack, beta_threshold, iterations, steps, runs)


def full_sample(name):
    if name not in _full_cache:
        _full_cache[name] = full_draws(generator(1000 + len(_full_cache)), *law_inputs(name))
    return _full_cache[name]


@pytest.mark.parametrize("name", LAW_SETTINGS)
def test_same_law_as_full_draws(name):
    full = full_sample(name)
    fast = projected_draws(generator(2000 + list(LAW_SETTINGS).index(name)), *law_inputs(name))
    z = welch_z(fast, full)
    assert np.all(np.isfinite(full)) and np.all(np.abs(z) < Z), f"Welch z (checkpoint x algorithm):\n{z}"


def test_planted_fault_fails_the_law_test():
    """The remainder's variance 5 % too large (its Cholesky factor times sqrt(1.05)): the test above, on
    the same full draws, must reject it; at n = 100 the remainder carries most of every step."""
    full = full_sample(FAULT_SETTING)
    faulty = projected_draws(generator(3000), *law_inputs(FAULT_SETTING), _remainder_scale=np.sqrt(1.05))
    z = welch_z(faulty, full)
    assert np.all(z[-1] > Z), f"Welch z (checkpoint x algorithm):\n{z}"


# -- determinism and divergence -----------------------------------------------------------------------


def test_same_rng_same_numbers():
    w_star, w_start = problem(30, 5)
    args = (w_star, w_start, 8, 0.2, 0.4, 0.6, RANDOM_SIGN, 0.1, 300, np.array([0, 5, 150, 300]), DIVERGED_SQ)
    first_rng, second_rng = generator(9), generator(9)
    first, second = projected.run(first_rng, *args), projected.run(second_rng, *args)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert same_stream(first_rng, second_rng)
    other = projected.run(generator(10), *args)
    assert not np.array_equal(first[0][1:], other[0][1:])


def test_divergence_is_reported_and_the_other_algorithm_goes_on():
    """Past the stable step both algorithms diverge, here SGD first (step 60 of 150) while Algorithm 2,
    whose filter y > 6 passes few samples, is still below the bound at step 150 and keeps moving."""
    w_star, w_start = problem(10, 6)
    steps = np.arange(151)
    args = (w_star, w_start, 4, 1.0, 0.0, 6.0, SILENT, -np.inf, 150, steps, 1e6)
    error, along, diverged_at = projected.run(generator(11), *args)
    assert diverged_at[0] == -1 and 0 < diverged_at[1] < 150
    t = diverged_at[1]
    assert error[t, 1] ** 2 > 1e6 and np.all(error[:t, 1] ** 2 <= 1e6)  # the diverging step recorded as it is
    assert np.all(np.isnan(error[t + 1 :, 1])) and np.all(np.isnan(along[t + 1 :, 1]))
    assert np.all(np.isfinite(error[:, 0])) and np.all(np.isfinite(along[:, 0]))
    assert np.count_nonzero(np.diff(error[t:, 0])) > 10
    reference = projected.run_reference(generator(11), *args)
    np.testing.assert_array_equal(reference[2], diverged_at)
    np.testing.assert_allclose(reference[0], error, rtol=1e-10)

    error, along, diverged_at = projected.run(
        generator(12), w_star, w_start, 4, 50.0, 0.4, 0.7, ALTERNATING, -np.inf, 150, steps[::10], 1e6
    )
    assert np.all(diverged_at >= 0)
    for a in range(2):
        assert np.all(np.isnan(error[steps[::10] > diverged_at[a], a]))
        assert np.all(np.isfinite(error[steps[::10] <= diverged_at[a], a]))


def test_bad_steps_are_refused():
    w_star, w_start = problem(4, 7)
    for steps in ([0, 5, 5], [3, 1], [0, 11]):
        with pytest.raises(ValueError, match="steps"):
            projected.run(generator(0), w_star, w_start, 2, 0.1, 0.0, 0.0, SILENT, -np.inf, 10, steps, 1e6)
