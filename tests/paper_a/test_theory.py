"""Theory functions against closed forms of docs/theory.md and independent Monte Carlo estimates."""

import math

import numpy as np
import pytest

from relu_lib.paper_a import theory
from relu_lib.paper_a.laws import constants, make_law
from relu_lib.paper_a.trainer import run_cell
from relu_lib.seeding import generator

Z = 5.0


def consts(law):
    return constants(make_law(law), 200_000, generator(0, "constants", make_law(law).describe()))


NORMAL = {"family": "normal", "d": 20, "sigma": 2.0}


def test_optimal_step_minimises_rho():
    c = consts(NORMAL)
    eta = theory.optimal_step(c, 8)
    grid = np.linspace(0.2, 1.8, 17) * eta
    assert min(theory.rho(c, e, 8) for e in grid) == pytest.approx(theory.rho(c, eta, 8))
    assert theory.rho(c, eta, 8) == pytest.approx(1 - c.lambda1**2 / (4 * theory.contraction_k(c, 8)))


def test_infinite_fourth_moment_has_no_optimal_step():
    c = consts({"family": "student_t", "d": 5, "nu": 3.0})
    assert theory.optimal_step(c, 4) == 0.0 and math.isinf(theory.rho(c, 0.1, 4))
    assert math.isinf(theory.iterations_to_epsilon(c, 0.1, 4, 0.01, 0.1, 1.0))


def test_iterations_to_epsilon_closed_form():
    c = consts(NORMAL)
    eta = theory.optimal_step(c, 4)
    t = theory.iterations_to_epsilon(c, eta, 4, 0.01, 0.1, 2.0)
    assert theory.rho(c, eta, 4) ** t * 2.0 == pytest.approx(0.01**2 * 0.1)


def test_aligned_bias_gaussian_closed_form():
    """2||Sigma^-1 c|| = 2 beta theta sqrt(2/pi) / sigma for N(0, sigma^2 I) (docs/theory.md A3)."""
    law = make_law(NORMAL)
    v = generator(1, "v").standard_normal(law.d)
    c, _ = theory.bias_vector(law, "aligned", 0.3, 0.7, v, 0, generator(2, "unused"))
    bias = np.linalg.norm(theory.limit_offset(consts(NORMAL).sigma, c))
    assert bias == pytest.approx(2 * 0.3 * 0.7 * math.sqrt(2 / math.pi) / 2.0)


@pytest.mark.parametrize(
    "law",
    [NORMAL, {"family": "laplace", "d": 6, "scale": 1.0}, {"family": "mixture", "d": 6, "mean_norm": 2.0}],
    ids=lambda spec: spec["family"],
)
def test_aligned_bias_monte_carlo_and_bound(law):
    """Monte Carlo c agrees with the Gaussian closed form and obeys ||c|| <= beta theta sqrt(lambda3)."""
    lw, c_all = make_law(law), consts(law)
    v = generator(3, "v").standard_normal(lw.d)
    x = lw.sample(generator(4, "x"), (200_000,))
    direct = 0.5 * np.sign(x @ v)[:, None] * x
    c, se = theory.bias_vector(lw, "aligned", 0.5, 1.0, v, 200_000, generator(5, "mc"))
    assert (np.abs(c - direct.mean(axis=0)) < Z * (se + direct.std(axis=0) / math.sqrt(len(x)))).all()
    assert np.linalg.norm(c) <= 0.5 * math.sqrt(c_all.lambda3)
    bias = np.linalg.norm(theory.limit_offset(c_all.sigma, c))
    assert bias <= theory.a3_bias_bound(c_all, 0.5, 1.0)


@pytest.mark.parametrize("adversary", ["none", "random_sign", "alternating", "aligned"])
def test_bias_vector_matches_the_adversarys_own_noise(adversary):
    """c = E[alpha xi x] estimated from the adversary's actual noise (as the trainer draws it, mini-batches
    of b = 4) agrees with theory.bias_vector within Z Monte Carlo SE per coordinate; so a zero-mean
    adversary whose noise were not zero mean would fail here, and the aligned one (c != 0) passes."""
    from relu_lib.paper_a.adversaries import make_adversary

    law, direction = make_law(NORMAL), np.ones(NORMAL["d"])
    c, _ = theory.bias_vector(law, adversary, 0.5, 1.0, direction, 100_000, generator(6, "x"))
    rng = generator(8, "noise")
    x = law.sample(rng, (50_000, 4))
    noise = make_adversary(adversary, 0.5, 1.0, direction).noise(rng, x)
    terms = (noise[..., None] * x).reshape(-1, law.d)
    se = terms.std(axis=0) / math.sqrt(len(terms))
    assert np.all(np.abs(terms.mean(axis=0) - c) <= Z * se + 1e-12)
    assert (adversary == "aligned") == bool(np.linalg.norm(c) > 0.1)


def test_attack_second_moment_against_simulation():
    """s2 = E[alpha xi^2 ||x||^2] = beta theta^2 E||x||^2 (|xi| = theta for every adversary)."""
    law, c = make_law(NORMAL), consts(NORMAL)
    rng = generator(7, "s2")
    x = law.sample(rng, (200_000,))
    values = (rng.random(len(x)) < 0.3) * 0.5**2 * np.einsum("nd,nd->n", x, x)
    assert abs(values.mean() - theory.attack_second_moment(c, 0.3, 0.5)) < Z * values.std() / math.sqrt(len(x))


def test_a4_needs_a_smaller_step_than_a2():
    """At eta*(b), rho_p > 1; at eta*(b)/4, (A4)'s simplified-floor condition holds."""
    c = consts(NORMAL)
    eta = theory.optimal_step(c, 16)
    assert theory.a4_rho(c, eta, 16) > 1
    small = eta / 4
    assert small**2 * (2 * c.lambda2 / 16 + (1 - 1 / 16) * c.lambda3**2 / 2) <= small * c.lambda1 / 4
    assert np.isfinite(theory.a4_bound(c, small, 16, 0.0, 1.0, 1.0, [0, 10])).all()


def test_a2_bound_holds_in_simulation():
    law = {"family": "normal", "d": 10, "sigma": 1.0}
    spec = {
        "law": law,
        "b": 4,
        "seeds": 400,
        "iterations": 60,
        "checkpoints": 8,
        "master_seed": 5,
        "step_factor": 1.0,
        "eta": None,
        "w_star_norm": 1.0,
        "start_norm": 1.0,
        "adversary": "none",
        "beta": 0.0,
        "theta": 0.0,
    }
    c = consts(law)
    result = run_cell(spec, c)
    observed = (result.error[:, 0, :] ** 2).mean(axis=1)
    se = (result.error[:, 0, :] ** 2).std(axis=1) / math.sqrt(400)
    bound = theory.a2_bound(c, result.eta, 4, 1.0, result.steps)
    assert (observed - Z * se <= bound).all()


def test_batch_scaling_law():
    """Iterations to epsilon fall like 1/b well below b = 4 lambda2 / lambda3^2 (= 28 here) and
    flatten well above it (docs/theory.md A3, mini-batch scaling)."""
    law = {"family": "normal", "d": 5, "sigma": 1.0}
    c = consts(law)
    assert 4 * c.lambda2 / c.lambda3**2 == pytest.approx(28)
    median = {}
    for b in (1, 4, 256, 1024):
        spec = {
            "law": law,
            "b": b,
            "seeds": 64,
            "iterations": "auto",
            "iterations_factor": 2.0,
            "max_iterations": 5000,
            "checkpoints": 10,
            "master_seed": 3,
            "step_factor": 1.0,
            "eta": None,
            "w_star_norm": 1.0,
            "start_norm": 1.0,
            "adversary": "none",
            "beta": 0.0,
            "theta": 0.0,
            "epsilon": 0.05,
            "delta": 0.1,
        }
        hits = run_cell(spec, c).hit_step[0]
        assert (hits > 0).all()
        median[b] = np.median(hits)
    assert median[1] / median[4] > 2.5  # ~ 1/b: 4 x the batch, about 4 x fewer steps
    assert median[256] / median[1024] < 1.5  # flat: 4 x the batch buys (almost) nothing
