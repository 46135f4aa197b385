"""Tail-index estimators on samples with a known index: exact Pareto and |Student-t|."""

import math

import numpy as np
import pytest

from relu_lib.errors import UserError
from relu_lib.paper_a.tails import estimators as te

Z = 4.0


def pareto(rng, alpha, n):
    return rng.pareto(alpha, n) + 1.0  # numpy's pareto is the Lomax law: shift to Pareto(alpha, x_m = 1)


def coverage_floor(level, reps):
    """Lowest acceptable coverage over `reps` independent intervals: nominal minus Z binomial SEs."""
    return level - Z * math.sqrt(level * (1 - level) / reps)


def test_hill_interval_at_fixed_k_has_exact_coverage_on_pareto():
    """alpha k H_k ~ Gamma(k, 1) exactly above the threshold: 400 intervals cover alpha at the nominal rate."""
    rng, reps, level = np.random.default_rng(21), 400, 0.9
    hits = [te.hill(pareto(rng, 3.0, 500), k=100, level=level) for _ in range(reps)]
    coverage = np.mean([h.lower <= 3.0 <= h.upper for h in hits])
    assert coverage_floor(level, reps) <= coverage <= level + Z * math.sqrt(level * (1 - level) / reps)


def test_hill_with_ks_choice_recovers_pareto_index():
    """With k chosen from the data the interval still covers alpha about as often as it says (100 samples),
    and the mean estimate is within 4 SE of alpha (SE from the spread of the estimates)."""
    rng, reps = np.random.default_rng(22), 100
    fits = [te.hill(pareto(rng, 7.0, 2000)) for _ in range(reps)]
    alphas = np.array([f.alpha for f in fits])
    assert abs(alphas.mean() - 7.0) < Z * alphas.std(ddof=1) / math.sqrt(reps)
    assert np.mean([f.lower <= 7.0 <= f.upper for f in fits]) >= coverage_floor(0.95, reps)
    assert all(f.method == "hill-ks" and f.n == 2000 and te.K_MIN <= f.k <= 1999 for f in fits)


def test_moment_estimator_recovers_student_t_index():
    """|t_nu| has tail index nu but is not Pareto above any threshold: the moment estimator's interval
    covers nu at its nominal rate (40 samples per nu)."""
    reps = 40
    for nu in (3.0, 4.0):
        rng = np.random.default_rng(int(23 + nu))
        fits = [te.moment_estimator(np.abs(rng.standard_t(nu, 5000))) for _ in range(reps)]
        assert np.mean([f.lower <= nu <= f.upper for f in fits]) >= coverage_floor(0.95, reps)


def test_moment_estimator_recovers_pareto_index():
    rng, reps = np.random.default_rng(24), 40
    fits = [te.moment_estimator(pareto(rng, 2.0, 3000)) for _ in range(reps)]
    assert np.mean([f.lower <= 2.0 <= f.upper for f in fits]) >= coverage_floor(0.95, reps)


def test_hill_on_student_t_is_biased_low():
    """A documented limitation, kept as a test so that a change of k rule that fixes (or worsens) it shows:
    |t_4| has a second-order term x^-2 in its tail that Hill reads as a heavier tail."""
    rng = np.random.default_rng(25)
    fit = te.hill(np.abs(rng.standard_t(4.0, 20000)))
    assert fit.upper < 4.0


def test_bootstrap_is_deterministic_and_covers():
    x = pareto(np.random.default_rng(26), 5.0, 1000)
    first = te.hill_bootstrap(x, np.random.default_rng(7), n_boot=60)
    again = te.hill_bootstrap(x, np.random.default_rng(7), n_boot=60)
    assert first == again and first.method == "hill-ks-bootstrap"
    assert first.lower <= 5.0 <= first.upper
    assert first.alpha == te.hill(x).alpha  # the point estimate is the plain one


def test_hill_path_and_select_k_agree_with_hill():
    x = pareto(np.random.default_rng(27), 4.0, 800)
    k = te.select_k(x)
    assert te.hill(x).k == k and te.hill_path(x)[k - 1] == pytest.approx(te.hill(x).alpha)
    assert te.hill(x[::-1]) == te.hill(x)  # order of the sample does not matter


@pytest.mark.parametrize(
    "bad",
    [
        np.ones(te.MIN_SAMPLES - 1) + np.arange(te.MIN_SAMPLES - 1),
        np.r_[np.arange(1.0, 50.0), 0.0],
        np.r_[np.arange(1.0, 50.0), -2.0],
        np.r_[np.arange(1.0, 50.0), np.nan],
        np.r_[np.arange(1.0, 50.0), np.inf],
    ],
)
def test_bad_samples_are_user_errors(bad):
    for estimator in (te.hill, te.moment_estimator, te.select_k):
        with pytest.raises(UserError):
            estimator(bad)
    with pytest.raises(ValueError):
        te.hill(bad)


def test_bad_k_is_a_user_error():
    x = np.arange(1.0, 101.0)
    for k in (te.K_MIN - 1, 100, 10.5):
        with pytest.raises(UserError, match="k = "):
            te.hill(x, k=k)


def test_hill_at_is_hill_at_that_k():
    """The partial-sort Hill at a fixed k equals the full-sort one (estimators.hill with k given)."""
    rng = np.random.default_rng(17)
    for _ in range(20):
        n = int(rng.integers(50, 3000))
        x = rng.pareto(rng.uniform(1, 8), n) + 0.01
        k = int(rng.integers(te.K_MIN, n - 1))
        assert te.hill_at(x, k) == pytest.approx(te.hill(x, k=k).alpha, rel=1e-12)
    with pytest.raises(te.TailSampleError):
        te.hill_at(np.ones(10), 10)
