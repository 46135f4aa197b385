"""Every bad config fails before any job starts, names the offending key and the allowed values,
prints no traceback, and leaves nothing under results/ (real Snakemake runs).

Each case is a real `snakemake` invocation (about 1-2 s, nearly all of it Snakemake's start-up);
a module fixture runs the selected cases on a small thread pool, and each case stays its own test.
"""

import copy
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from conftest import SMOKE_CONFIG, snakemake

DELETE = object()
BASE = yaml.safe_load(SMOKE_CONFIG.read_text())
REAL = "paper_a.experiments.realizable"
POISON = "paper_a.experiments.poisoning"
SCALING = "paper_a.experiments.batch_scaling"
SC = "paper_b.experiments.sample_complexity"
TR = "paper_b.experiments.trajectories"
TEST_NAME = "test_bad_config_is_rejected_before_any_job"

# (case id, dotted key to change ("" = the whole config), new value or DELETE,
#  text naming the key, text giving the allowed values)
CASES = [
    # types
    ("seed-type", "seed", "abc", "'seed'", "an integer >= 0"),
    ("dimension-float", "laws.normal.d", 2.5, "'laws.normal.d'", "an integer >= 1"),
    ("sigma-type", "laws.normal.sigma", "one", "'laws.normal.sigma'", "a number > 0"),
    ("iterations-type", f"{REAL}.iterations", "many", f"'{REAL}.iterations'", "or 'auto'"),
    ("fail-on-violation-type", "checks.fail_on_violation", "yes", "'checks.fail_on_violation'", "true or false"),
    # ranges
    ("seed-negative", "seed", -1, "'seed'", "an integer >= 0"),
    ("dimension-zero", "laws.normal.d", 0, "'laws.normal.d'", ">= 1 and <= 100000"),
    ("dimension-too-large", "laws.normal.d", 10**6, "'laws.normal.d'", ">= 1 and <= 100000"),
    ("law-param-negative", "laws.normal.sigma", -1.0, "'laws.normal.sigma'", "a number > 0"),
    ("step-factor-zero", "paper_a.step_factor", 0, "'paper_a.step_factor'", "a number > 0"),
    ("moment-samples-too-few", "paper_a.moment_samples", 10, "'paper_a.moment_samples'", "an integer >= 1000"),
    ("batch-size-zero", f"{REAL}.batch_sizes", [0], f"'{REAL}.batch_sizes[0]'", "an integer >= 1"),
    ("checkpoints-one", f"{REAL}.checkpoints", 1, f"'{REAL}.checkpoints'", "an integer >= 2"),
    ("beta-above-one", f"{POISON}.attacks", [{"beta": [1.5], "theta": [1.0]}], f"'{POISON}.attacks[0].beta[0]'",
     "a number >= 0 and <= 1"),
    ("theta-negative", f"{POISON}.attacks", [{"beta": [0.5], "theta": [-1.0]}], f"'{POISON}.attacks[0].theta[0]'",
     "a number >= 0"),
    ("delta-one", "checks.delta", 1.0, "'checks.delta'", "a number > 0 and < 1"),
    ("epsilon-zero", "checks.epsilon", 0, "'checks.epsilon'", "a number > 0"),
    ("z-negative", "checks.z", -3, "'checks.z'", "a number > 0"),
    # seeds <= 0 (and 1: a standard error needs two)
    ("seeds-zero", f"{REAL}.seeds", 0, f"'{REAL}.seeds'", "an integer >= 2"),
    ("seeds-negative", f"{REAL}.seeds", -4, f"'{REAL}.seeds'", "an integer >= 2"),
    ("seeds-one", f"{REAL}.seeds", 1, f"'{REAL}.seeds'", "an integer >= 2"),
    # unknown names
    ("unknown-top-key", "extra", 1, "'extra'", "allowed keys: checks, laws, paper_a, paper_b, seed"),
    ("unknown-family", "laws.normal.family", "gaussian", "'laws.normal.family'",
     "allowed values: laplace, mixture, normal"),
    ("law-param-foreign", "laws.normal.scale", 1.0, "'laws.normal.scale'", "allowed keys: d, eta, family, sigma"),
    ("law-name-not-snake-case", "laws.Normal", {"family": "normal", "d": 3, "sigma": 1.0}, "'Normal'",
     "lower_case_with_underscores"),
    ("unknown-adversary", f"{POISON}.adversaries", ["evil"], f"'{POISON}.adversaries[0]'",
     "allowed values: aligned, alternating, none, random_sign"),
    ("unknown-law-in-grid", f"{REAL}.laws", ["normal", "cauchy"], f"'{REAL}.laws[1]'",
     "allowed values: normal, student_t, mixture"),
    ("unknown-experiment", "paper_a.experiments.warmup", {}, "'paper_a.experiments.warmup'",
     "allowed keys: batch_scaling, poisoning, realizable"),
    ("experiment-key-typo", f"{REAL}.batchsizes", [4], f"'{REAL}.batchsizes'", "allowed keys: adversaries, attacks"),
    ("attack-key-typo", f"{POISON}.attacks", [{"beta": [0.5], "theta": [0.5], "gamma": [1]}],
     f"'{POISON}.attacks[0].gamma'", "allowed keys: beta, theta"),
    ("unknown-check-key", "checks.alpha", 0.1, "'checks.alpha'", "allowed keys: delta, epsilon, fail_on_violation, z"),
    # missing keys
    ("empty-config", "", {}, "the config is empty", "--configfile FILE"),
    ("missing-laws", "laws", DELETE, "'laws'", "required keys: seed, laws, checks"),
    ("missing-seed", "seed", DELETE, "'seed'", "required keys: seed, laws, checks"),
    ("missing-dimension", "laws.normal.d", DELETE, "'laws.normal.d'", "required keys: family, d"),
    ("law-param-missing", "laws.normal.sigma", DELETE, "'laws.normal.sigma'", "family normal: family, d, sigma"),
    ("iterations-missing", f"{REAL}.iterations", DELETE, f"'{REAL}.iterations'", "required keys: laws, batch_sizes"),
    ("missing-epsilon", "checks.epsilon", DELETE, "'checks.epsilon'", "required keys: z, epsilon, delta"),
    ("auto-without-cap", f"{SCALING}.max_iterations", DELETE, f"'{SCALING}.max_iterations'",
     "requires the keys iterations_factor and max_iterations"),
    # empty grid axes
    ("laws-empty", "laws", {}, "'laws'", "a mapping with at least one entry"),
    ("experiments-empty", "paper_a.experiments", {}, "'paper_a.experiments'", "a mapping with at least one entry"),
    ("grid-laws-empty", f"{REAL}.laws", [], f"'{REAL}.laws'", "a non-empty list without duplicates"),
    ("batch-sizes-empty", f"{REAL}.batch_sizes", [], f"'{REAL}.batch_sizes'", "a non-empty list without duplicates"),
    ("adversaries-empty", f"{POISON}.adversaries", [], f"'{POISON}.adversaries'", "a non-empty list"),
    ("attacks-empty", f"{POISON}.attacks", [], f"'{POISON}.attacks'", "a non-empty list"),
    ("theta-empty", f"{POISON}.attacks", [{"beta": [0.5], "theta": []}], f"'{POISON}.attacks[0].theta'",
     "a non-empty list without duplicates"),
    # duplicate values
    ("batch-sizes-duplicate", f"{REAL}.batch_sizes", [4, 4], f"'{REAL}.batch_sizes'", "without duplicates"),
    ("grid-laws-duplicate", f"{REAL}.laws", ["normal", "normal"], f"'{REAL}.laws'", "without duplicates"),
    ("theta-duplicate", f"{POISON}.attacks", [{"beta": [0.5], "theta": [0.5, 0.5]}], f"'{POISON}.attacks[0].theta'",
     "without duplicates"),
    # laws: moments and dimensions
    ("no-second-moment", "laws.student_t.nu", 2.0, "'laws.student_t.nu'", "allowed values: nu > 2"),
    ("infinite-m4-without-eta", "laws.student_t.eta", DELETE, "'laws.student_t.eta'",
     "allowed values: nu > 4, or an explicit step eta > 0"),
    ("mixture-in-one-dimension", "laws.mixture.d", 1, "'laws.mixture.d'", "allowed values: d >= 2"),
    # cross-key rules
    ("auto-with-explicit-eta", f"{SCALING}.laws", ["student_t"], f"'{SCALING}.laws[0]'",
     "allowed values: laws without eta"),
    ("none-adversary-attacked", f"{POISON}.adversaries", ["none"], f"'{POISON}.adversaries'",
     "allowed values: adversaries without 'none'"),
    # paper B
    ("b-unknown-constraint", f"{SC}.constraints", ["l0", "l2"], f"'{SC}.constraints[1]'",
     "allowed values: l0, l1, none"),
    ("b-s-above-d", f"{SC}.sizes", [{"s": 70, "d": 60}], f"'{SC}.sizes[0].s'", "allowed values: 1 <= s <= d"),
    ("b-s-zero", f"{SC}.sizes", [{"s": 0, "d": 60}], f"'{SC}.sizes[0].s'", "an integer >= 1"),
    ("b-ratios-empty", f"{SC}.ratios", [], f"'{SC}.ratios'", "a non-empty list"),
    ("b-ratio-negative", f"{SC}.ratios", [2, -1], f"'{SC}.ratios[1]'", "a number > 0"),
    ("b-trials-one", f"{SC}.trials", 1, f"'{SC}.trials'", "an integer >= 2"),
    ("b-n-and-ratios", f"{TR}.ratios", [1, 2], f"'{TR}'", "give exactly one of 'n'"),
    ("b-unknown-experiment", "paper_b.experiments.warmup", {}, "'paper_b.experiments.warmup'",
     "allowed keys: sample_complexity, trajectories"),
    ("b-success-threshold", "paper_b.success_threshold", 0, "'paper_b.success_threshold'", "a number > 0 and < 1"),
]
IDS = [c[0] for c in CASES]


def mutate(config, dotted, value):
    if not dotted:
        return value
    *parents, last = dotted.split(".")
    node = config
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return config


def run_case(workdir, case):
    _, key, value, _, _ = case
    workdir.mkdir()
    (workdir / "config.yaml").write_text(yaml.safe_dump(mutate(copy.deepcopy(BASE), key, value), sort_keys=False))
    return snakemake(workdir, "--cores", "1", timeout=300)


@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory):
    """{case id: (workdir, completed process)} of every case selected in this session, run
    concurrently: each run is mostly Snakemake's start-up, so three at a time fill two cores."""
    selected = {item.callspec.id for item in request.session.items
                if getattr(item, "originalname", "") == TEST_NAME and hasattr(item, "callspec")}
    root = tmp_path_factory.mktemp("bad_config")
    cases = [c for c in CASES if c[0] in selected]
    with ThreadPoolExecutor(max_workers=min(4, (os.cpu_count() or 1) + 1)) as pool:
        results = pool.map(lambda c: (root / c[0], run_case(root / c[0], c)), cases)
        return dict(zip((c[0] for c in cases), results))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_bad_config_is_rejected_before_any_job(outcomes, case):
    case_id, _, _, key_text, allowed_text = case
    workdir, result = outcomes[case_id]
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "config error:" in output and key_text in output and allowed_text in output, output
    assert "Traceback" not in output
    assert not (workdir / "results").exists()
    assert "Job stats" not in output  # nothing was even planned


def test_at_least_twenty_distinct_cases():
    assert len(set(IDS)) == len(IDS) >= 20
