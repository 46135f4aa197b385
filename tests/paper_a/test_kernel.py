"""The compiled kernel (relu_lib.paper_a.kernel) against the laws' and adversaries' NumPy draws (bit for bit)
and the readable reference step (relu_lib.paper_a.update_rule.step): the same trajectories to rounding,
the same divergence and epsilon-hitting steps; its cache across processes.

The first test run in a fresh checkout compiles the kernel (about 10 s on one core); the
compiled code is cached next to the module (or under NUMBA_CACHE_DIR) for later runs.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from relu_lib.paper_a import kernel
from relu_lib.paper_a import trainer as train
from relu_lib.paper_a.adversaries import make_adversary
from relu_lib.paper_a.laws import constants, make_law
from relu_lib.paper_a.update_rule import step
from relu_lib.seeding import generator, generators

ROOT = Path(__file__).resolve().parents[2]
LAWS = {
    "normal": {"family": "normal", "d": 7, "sigma": 1.0},
    "normal_wide": {"family": "normal", "d": 6, "sigma": 2.5},
    "laplace": {"family": "laplace", "d": 5, "scale": 1.5},
    "uniform": {"family": "uniform", "d": 6, "half_width": 1.7320508075688772},
    "student_t": {"family": "student_t", "d": 5, "nu": 4.0},
    "mixture": {"family": "mixture", "d": 6, "mean_norm": 2.0},
}
ATTACKS = {
    "none": {"adversary": "none", "beta": 0.0, "theta": 0.0},
    "random_sign": {"adversary": "random_sign", "beta": 0.5, "theta": 0.7},
    "alternating": {"adversary": "alternating", "beta": 0.4, "theta": 0.5},
    "aligned": {"adversary": "aligned", "beta": 0.3, "theta": 0.6},
}
# Trajectories agree to 1e-12 relative; where an error has converged to the rounding floor of
# numbers of order 1 (no attack: w_t -> w* exactly) both sides are ~1e-17 and only an absolute
# comparison means anything, so 1e-14 (about 100 ulp of the problem's scale) is allowed too.
RTOL, ATOL = 1e-12, 1e-14


def spec(law, **overrides):
    base = {
        "law": law,
        "b": 3,
        "seeds": 5,
        "iterations": 300,
        "checkpoints": 25,
        "master_seed": 11,
        "step_factor": 1.0,
        "eta": None,
        "w_star_norm": 1.0,
        "start_norm": 1.0,
        "epsilon": None,
        **ATTACKS["none"],
    }
    if law["family"] == "student_t":
        base["eta"] = 0.02  # infinite fourth moment: an explicit step, as in config.yaml
    return {**base, **overrides}


def law_constants(law):
    return constants(make_law(law), 20_000, generator(0, "constants", make_law(law).describe()))


def assert_same_cell(fast, slow):
    np.testing.assert_array_equal(fast.steps, slow.steps)
    np.testing.assert_array_equal(fast.diverged_at, slow.diverged_at)
    np.testing.assert_array_equal(fast.hit_step, slow.hit_step)
    for name in ("error", "mean_error", "mean_spread"):
        np.testing.assert_allclose(getattr(fast, name), getattr(slow, name), rtol=RTOL, atol=ATOL, err_msg=name)
    assert fast.eta == slow.eta
    np.testing.assert_array_equal(fast.w_star, slow.w_star)
    np.testing.assert_array_equal(fast.w_start, slow.w_start)


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 23 steps, so that a run crosses many chunk boundaries (both trainers read it)."""

    def set_for(law, b):
        monkeypatch.setattr(train, "CHUNK_FLOATS", 23 * b * law["d"])

    return set_for


# every law at b = 1 and b > 1, every adversary with some law at both, on small chunks
CELLS = [
    (law, b, attack)
    for law, attack in zip(
        LAWS, ["none", "aligned", "alternating", "random_sign", "random_sign", "aligned"], strict=False
    )
    for b in (1, 4)
]
CELLS += [("normal", b, attack) for attack in ("random_sign", "alternating") for b in (1, 2)]


@pytest.mark.parametrize("law", list(LAWS))
def test_inputs_are_the_law_fillers_draws(law):
    """Chunk after chunk, the compiled sampler draws exactly what law.filler draws from the same
    per-seed Generator(SFC64) stream, and leaves the generator in the same state."""
    law = make_law(LAWS[law])
    ours, theirs = (
        generators(3, "inputs", law.describe(), 2, count=2, bit_generator=train.BIT_GENERATOR) for _ in range(2)
    )
    for rng_ours, rng_theirs in zip(ours, theirs, strict=False):
        fill = law.filler(rng_theirs)
        for size in (5, 17, 1):
            expected = np.empty((size, 2, law.d))
            fill(expected)
            np.testing.assert_array_equal(kernel.draw_inputs(law, rng_ours, np.empty((size, 2, law.d))), expected)
        assert str(rng_ours.bit_generator.state) == str(rng_theirs.bit_generator.state)
        assert rng_ours.random() == rng_theirs.random()


@pytest.mark.parametrize("attack", ["random_sign", "alternating", "aligned"])
def test_attack_noise_is_the_adversarys(attack):
    rng = generator(5, "x")
    x = rng.standard_normal((40, 3, 4))
    adversary = make_adversary(attack, 0.5, 0.8, rng.standard_normal(4))
    ours, theirs = (generator(5, "attack", attack, bit_generator=train.BIT_GENERATOR) for _ in range(2))
    for chunk in (x[:13], x[13:]):
        np.testing.assert_array_equal(kernel.draw_noise(adversary, ours, chunk), adversary.noise(theirs, chunk))
    assert str(ours.bit_generator.state) == str(theirs.bit_generator.state)


@pytest.mark.parametrize("b", [1, 4])
def test_seeds_do_not_depend_on_the_seed_count_or_the_chunk(b, monkeypatch):
    law = LAWS["normal"]
    consts = law_constants(law)
    cell = spec(law, b=b, epsilon=0.5, **ATTACKS["random_sign"])
    many = train.run_cell({**cell, "seeds": 6}, consts)
    one = train.run_cell({**cell, "seeds": 1}, consts)
    np.testing.assert_array_equal(one.error[:, :, 0], many.error[:, :, 0])
    np.testing.assert_array_equal(one.hit_step[:, 0], many.hit_step[:, 0])
    # a normal law without attack draws the same numbers whatever the chunk: same bits
    silent = {**cell, **ATTACKS["none"], "seeds": 3}
    before = train.run_cell(silent, consts)
    monkeypatch.setattr(train, "CHUNK_FLOATS", 7 * b * law["d"])
    after = train.run_cell(silent, consts)
    np.testing.assert_array_equal(before.error, after.error)
    np.testing.assert_array_equal(before.mean_spread, after.mean_spread)


def test_matches_the_reference_step_on_explicit_draws():
    """algorithms.step, one step and one error check at a time, on inputs and labels drawn here
    explicitly (law.sample and adversary.noise on the cell's streams, chunk by chunk)."""
    law_spec, b, seeds, iterations = LAWS["mixture"], 3, 4, 120
    cell = spec(
        law_spec, b=b, seeds=seeds, iterations=iterations, checkpoints=iterations, epsilon=0.4, **ATTACKS["random_sign"]
    )
    consts = law_constants(law_spec)
    fast = train.run_cell(cell, consts)

    law = make_law(law_spec)
    key = law.describe()
    inputs = generators(11, "inputs", key, b, count=seeds, bit_generator=train.BIT_GENERATOR)
    attacks = generators(11, "attack", key, b, "random_sign", 0.5, 0.7, count=seeds, bit_generator=train.BIT_GENERATOR)
    adversary = make_adversary("random_sign", 0.5, 0.7, fast.w_star)
    chunk = train.chunk_steps(b, law.d)
    w = np.stack([np.broadcast_to(fast.w_start if s == "common" else 0.0, (seeds, law.d)) for _, s in train.RUNS])
    w = w.copy()
    gated = np.array([name == "sgd" for name, _ in train.RUNS])
    errors = [np.linalg.norm(w - fast.w_star, axis=-1)]
    for first in range(0, iterations, chunk):
        size = min(chunk, iterations - first)
        x = np.stack([law.sample(rng, (size, b)) for rng in inputs])
        y = np.maximum(x @ fast.w_star, 0.0) + np.stack([adversary.noise(rng, x[r]) for r, rng in enumerate(attacks)])
        for k in range(size):
            step(w, gated, x[:, k], y[:, k], fast.eta)
            errors.append(np.linalg.norm(w - fast.w_star, axis=-1))
    errors = np.array(errors)
    # the reference computes <w, x> directly, the kernel <w - w*, x> + <w*, x>: rounding apart
    np.testing.assert_allclose(fast.error, errors[fast.steps], rtol=1e-9, atol=1e-12)
    hit = np.where((errors <= 0.4).any(axis=0), (errors <= 0.4).argmax(axis=0), -1)
    np.testing.assert_array_equal(fast.hit_step, hit)
    assert (hit > 0).any()
    mean = np.linalg.norm((w - fast.w_star).mean(axis=1), axis=-1)
    np.testing.assert_allclose(fast.mean_error[-1], mean, rtol=1e-9)


CHILD = """
import hashlib, json
from relu_lib.paper_a.laws import constants, make_law
from relu_lib.paper_a import kernel, trainer as train
from relu_lib.seeding import generator

def digest():
    out = []
    for b in (1, 3):
        law = {"family": "normal", "d": 5, "sigma": 1.0}
        cell = {"law": law, "b": b, "seeds": 3, "iterations": 50, "checkpoints": 10, "master_seed": 1,
                "step_factor": 1.0, "eta": None, "w_star_norm": 1.0, "start_norm": 1.0, "epsilon": 0.5,
                "adversary": "random_sign", "beta": 0.5, "theta": 0.5}
        consts = constants(make_law(law), 1000, generator(0, "c"))
        result = train.run_cell(cell, consts)
        out.append(result.error.tobytes() + result.mean_spread.tobytes() + result.hit_step.tobytes())
    return hashlib.sha256(b"".join(out)).hexdigest()

if __name__ == "__main__":
    value = digest()
    stats = kernel.run_seed.stats
    print(json.dumps({"digest": value, "hits": sum(stats.cache_hits.values()),
                      "misses": sum(stats.cache_misses.values())}))
"""


def child(env=None):
    return subprocess.Popen(
        [sys.executable, "-c", CHILD], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def result_of(proc):
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-2000:]
    return json.loads(out)


def test_a_fresh_process_loads_the_cache_and_gets_the_same_bytes():
    """This process has compiled (or loaded) the kernel, so its cache exists: another process
    loads it without compiling and computes the same bytes."""
    namespace = {"__name__": "child"}
    exec(CHILD, namespace)
    here = namespace["digest"]()
    there = result_of(child())
    assert there["misses"] == 0 and there["hits"] > 0
    assert there["digest"] == here


@pytest.mark.skipif(
    os.environ.get("RELU_KERNEL_CACHE_TEST") != "1",
    reason="compiles twice in parallel (about 30 s on 2 cores): set RELU_KERNEL_CACHE_TEST=1",
)
def test_cache_is_safe_in_parallel_and_results_do_not_depend_on_it(tmp_path):
    """Two processes compile at once into an empty NUMBA_CACHE_DIR (as parallel jobs on a fresh
    clone do), then a third loads the cache without compiling: all three give the same bytes."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    cold = [child(env), child(env)]
    results = [result_of(proc) for proc in cold]
    results.append(result_of(child(env)))
    assert all(r["misses"] > 0 for r in results[:2])
    assert results[2]["hits"] > 0 and results[2]["misses"] == 0
    assert len({r["digest"] for r in results}) == 1
