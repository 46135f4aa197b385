"""Every bad config fails before any job starts, names the offending key and the allowed values,
prints no traceback, and leaves nothing under results/ (real Snakemake dry runs).

Each case is a real `snakemake --dry-run` invocation (about 1-2 s, nearly all of it Snakemake's
start-up); a module fixture runs the selected cases on a small thread pool, and each case stays its
own test. The hand-written cases come first; then generated ones cover every class of issue 12 for
every key: non-finite values per number key, floats per integer key, near-duplicates per grid axis,
oversized jobs, YAML duplicates and encodings, law names.
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

TAILS = "paper_a.experiments.tails"
TAILS_OK = {  # a valid tails block on the smoke config's laws (figure A6)
    "laws": ["normal"],
    "batch_sizes": [1],
    "edge_fractions": [0.5],
    "adversary": "random_sign",
    "beta": 0.5,
    "theta": 1.0,
    "seeds": 40,
    "samples": 2,
    "thin_factor": 12,
    "burn_in_lags": 8,
    "bootstrap": 20,
}

# (case id, dotted key to change ("" = the whole config), new value or DELETE,
#  text naming the key, text giving the allowed values)
CASES = [
    # types
    ("seed-type", "seed", "abc", "'seed'", "an integer >= 0"),
    ("dimension-float", "laws.normal.d", 2.5, "'laws.normal.d'", "an integer >= 1"),
    ("sigma-type", "laws.normal.sigma", "one", "'laws.normal.sigma'", "a finite number > 0"),
    ("iterations-type", f"{REAL}.iterations", "many", f"'{REAL}.iterations'", "or 'auto'"),
    ("fail-on-violation-type", "checks.fail_on_violation", "yes", "'checks.fail_on_violation'", "true or false"),
    # ranges
    ("seed-negative", "seed", -1, "'seed'", "an integer >= 0"),
    ("cells-per-job-zero", "cells_per_job", 0, "'cells_per_job'", "an integer >= 1"),
    ("dimension-zero", "laws.normal.d", 0, "'laws.normal.d'", ">= 1 and <= 100000"),
    ("dimension-too-large", "laws.normal.d", 10**6, "'laws.normal.d'", ">= 1 and <= 100000"),
    ("law-param-negative", "laws.normal.sigma", -1.0, "'laws.normal.sigma'", "a finite number > 0"),
    ("step-factor-zero", "paper_a.step_factor", 0, "'paper_a.step_factor'", "a finite number > 0"),
    ("moment-samples-too-few", "paper_a.moment_samples", 10, "'paper_a.moment_samples'", "an integer >= 1000"),
    ("batch-size-zero", f"{REAL}.batch_sizes", [0], f"'{REAL}.batch_sizes[0]'", "an integer >= 1"),
    ("checkpoints-one", f"{REAL}.checkpoints", 1, f"'{REAL}.checkpoints'", "an integer >= 2"),
    (
        "beta-above-one",
        f"{POISON}.attacks",
        [{"beta": [1.5], "theta": [1.0]}],
        f"'{POISON}.attacks[0].beta[0]'",
        "a finite number >= 0 and <= 1",
    ),
    (
        "theta-negative",
        f"{POISON}.attacks",
        [{"beta": [0.5], "theta": [-1.0]}],
        f"'{POISON}.attacks[0].theta[0]'",
        "a finite number >= 0",
    ),
    ("delta-one", "checks.delta", 1.0, "'checks.delta'", "a finite number > 0 and < 1"),
    ("epsilon-zero", "checks.epsilon", 0, "'checks.epsilon'", "a finite number > 0"),
    ("z-negative", "checks.z", -3, "'checks.z'", "a finite number > 0"),
    # seeds <= 0 (and 1: a standard error needs two)
    ("seeds-zero", f"{REAL}.seeds", 0, f"'{REAL}.seeds'", "an integer >= 2"),
    ("seeds-negative", f"{REAL}.seeds", -4, f"'{REAL}.seeds'", "an integer >= 2"),
    ("seeds-one", f"{REAL}.seeds", 1, f"'{REAL}.seeds'", "an integer >= 2"),
    # unknown names
    (
        "unknown-top-key",
        "extra",
        1,
        "'extra'",
        "allowed keys: cells_per_job, checks, figures, laws, limits, paper_a, paper_b, seed",
    ),
    (
        "unknown-family",
        "laws.normal.family",
        "gaussian",
        "'laws.normal.family'",
        "allowed values: laplace, mixture, normal",
    ),
    ("law-param-foreign", "laws.normal.scale", 1.0, "'laws.normal.scale'", "allowed keys: d, eta, family, sigma"),
    (
        "law-name-not-snake-case",
        "laws.Normal",
        {"family": "normal", "d": 3, "sigma": 1.0},
        "'Normal'",
        "lower_case_with_underscores",
    ),
    (
        "unknown-adversary",
        f"{POISON}.adversaries",
        ["evil"],
        f"'{POISON}.adversaries[0]'",
        "allowed values: aligned, alternating, none, random_sign",
    ),
    (
        "unknown-law-in-grid",
        f"{REAL}.laws",
        ["normal", "cauchy"],
        f"'{REAL}.laws[1]'",
        "allowed values: normal, student_t, mixture",
    ),
    (
        "unknown-experiment",
        "paper_a.experiments.warmup",
        {},
        "'paper_a.experiments.warmup'",
        "allowed keys: batch_scaling, poisoning, realizable",
    ),
    (
        "experiment-key-typo",
        f"{REAL}.batchsizes",
        [4],
        f"'{REAL}.batchsizes'",
        "allowed keys: adversaries, algorithms, attacks",
    ),
    (
        "attack-key-typo",
        f"{POISON}.attacks",
        [{"beta": [0.5], "theta": [0.5], "gamma": [1]}],
        f"'{POISON}.attacks[0].gamma'",
        "allowed keys: beta, theta",
    ),
    ("unknown-check-key", "checks.alpha", 0.1, "'checks.alpha'", "allowed keys: delta, epsilon, fail_on_violation, z"),
    # missing keys
    ("empty-config", "", {}, "the config is empty", "--configfile FILE"),
    ("missing-laws", "laws", DELETE, "'laws'", "required keys: seed, laws, checks"),
    ("missing-seed", "seed", DELETE, "'seed'", "required keys: seed, laws, checks"),
    ("missing-dimension", "laws.normal.d", DELETE, "'laws.normal.d'", "required keys: family, d"),
    ("law-param-missing", "laws.normal.sigma", DELETE, "'laws.normal.sigma'", "family normal: family, d, sigma"),
    ("iterations-missing", f"{REAL}.iterations", DELETE, f"'{REAL}.iterations'", "required keys: laws, batch_sizes"),
    ("missing-epsilon", "checks.epsilon", DELETE, "'checks.epsilon'", "required keys: z, epsilon, delta"),
    (
        "auto-without-cap",
        f"{SCALING}.max_iterations",
        DELETE,
        f"'{SCALING}.max_iterations'",
        "requires the keys iterations_factor and max_iterations",
    ),
    # empty grid axes
    ("laws-empty", "laws", {}, "'laws'", "a mapping with at least one entry"),
    ("experiments-empty", "paper_a.experiments", {}, "'paper_a.experiments'", "a mapping with at least one entry"),
    ("grid-laws-empty", f"{REAL}.laws", [], f"'{REAL}.laws'", "a non-empty list without duplicates"),
    ("batch-sizes-empty", f"{REAL}.batch_sizes", [], f"'{REAL}.batch_sizes'", "a non-empty list without duplicates"),
    ("adversaries-empty", f"{POISON}.adversaries", [], f"'{POISON}.adversaries'", "a non-empty list"),
    ("attacks-empty", f"{POISON}.attacks", [], f"'{POISON}.attacks'", "a non-empty list"),
    (
        "theta-empty",
        f"{POISON}.attacks",
        [{"beta": [0.5], "theta": []}],
        f"'{POISON}.attacks[0].theta'",
        "a non-empty list without duplicates",
    ),
    # duplicate values
    ("batch-sizes-duplicate", f"{REAL}.batch_sizes", [4, 4], f"'{REAL}.batch_sizes'", "without duplicates"),
    ("grid-laws-duplicate", f"{REAL}.laws", ["normal", "normal"], f"'{REAL}.laws'", "without duplicates"),
    (
        "theta-duplicate",
        f"{POISON}.attacks",
        [{"beta": [0.5], "theta": [0.5, 0.5]}],
        f"'{POISON}.attacks[0].theta'",
        "without duplicates",
    ),
    # laws: moments and dimensions
    ("no-second-moment", "laws.student_t.nu", 2.0, "'laws.student_t.nu'", "allowed values: nu > 2"),
    (
        "infinite-m4-without-eta",
        "laws.student_t.eta",
        DELETE,
        "'laws.student_t.eta'",
        "allowed values: nu > 4, or an explicit step eta > 0",
    ),
    ("mixture-in-one-dimension", "laws.mixture.d", 1, "'laws.mixture.d'", "allowed values: d >= 2"),
    # cross-key rules
    (
        "auto-with-explicit-eta",
        f"{SCALING}.laws",
        ["student_t"],
        f"'{SCALING}.laws[0]'",
        "allowed values: laws without eta",
    ),
    (
        "none-adversary-attacked",
        f"{POISON}.adversaries",
        ["none"],
        f"'{POISON}.adversaries'",
        "allowed values: adversaries without 'none'",
    ),
    # figures and the tails experiment (figure A6)
    ("figures-width-too-wide", "figures", {"width": 30}, "'figures.width'", "a finite number >= 2 and <= 20"),
    (
        "tails-edge-fraction-at-the-edge",
        TAILS,
        {**TAILS_OK, "edge_fractions": [0.5, 1.0]},
        f"'{TAILS}.edge_fractions[1]'",
        "a finite number > 0 and < 1",
    ),
    (
        "tails-law-not-gaussian",
        TAILS,
        {**TAILS_OK, "laws": ["student_t"]},
        f"'{TAILS}.laws[0]'",
        "allowed values: laws of family normal",
    ),
    # paper B
    (
        "b-unknown-constraint",
        f"{SC}.constraints",
        ["l0", "l2"],
        f"'{SC}.constraints[1]'",
        "allowed values: l0, l1, none",
    ),
    ("b-s-above-d", f"{SC}.sizes", [{"s": 70, "d": 60}], f"'{SC}.sizes[0].s'", "allowed values: 1 <= s <= d"),
    ("b-s-zero", f"{SC}.sizes", [{"s": 0, "d": 60}], f"'{SC}.sizes[0].s'", "an integer >= 1"),
    ("b-ratios-empty", f"{SC}.ratios", [], f"'{SC}.ratios'", "a non-empty list"),
    ("b-ratio-negative", f"{SC}.ratios", [2, -1], f"'{SC}.ratios[1]'", "a finite number > 0"),
    ("b-trials-one", f"{SC}.trials", 1, f"'{SC}.trials'", "an integer >= 2"),
    ("b-n-and-ratios", f"{TR}.ratios", [1, 2], f"'{TR}'", "give exactly one of 'n'"),
    (
        "b-unknown-experiment",
        "paper_b.experiments.warmup",
        {},
        "'paper_b.experiments.warmup'",
        "allowed keys: sample_complexity, trajectories",
    ),
    (
        "b-success-threshold",
        "paper_b.success_threshold",
        0,
        "'paper_b.success_threshold'",
        "a finite number > 0 and < 1",
    ),
]


class Multi(dict):
    """Several dotted keys changed at once."""


class Raw(str):
    """A config file's raw text (YAML that yaml.safe_dump could not produce)."""


SMOKE_TEXT = SMOKE_CONFIG.read_text()
FLOAT_KEYS = [
    "laws.normal.sigma",
    "laws.student_t.nu",
    "laws.student_t.eta",
    "laws.mixture.mean_norm",
    "paper_a.step_factor",
    "paper_a.w_star_norm",
    "paper_a.start_norm",
    f"{SCALING}.iterations_factor",
    f"{POISON}.step_factor",
    "paper_b.success_threshold",
    "checks.z",
    "checks.epsilon",
    "checks.delta",
]
INT_KEYS = [
    "seed",
    "cells_per_job",
    "laws.normal.d",
    "laws.mixture.d",
    "paper_a.moment_samples",
    f"{REAL}.iterations",
    f"{REAL}.seeds",
    f"{REAL}.checkpoints",
    f"{SCALING}.max_iterations",
    f"{SCALING}.seeds",
    f"{POISON}.iterations",
    f"{POISON}.seeds",
    "paper_b.n0_samples",
    f"{SC}.trials",
    f"{SC}.iterations",
    f"{TR}.trials",
    f"{TR}.iterations",
]
# list items: (case stem, dotted key of the list, the list with one bad item, key text of that item)
LIST_ITEMS = [
    ("batch-size", f"{REAL}.batch_sizes", lambda v: [v], f"'{REAL}.batch_sizes[0]'", True),
    ("b-n", f"{TR}.n", lambda v: [40, v], f"'{TR}.n[1]'", True),
    ("b-ratio", f"{SC}.ratios", lambda v: [2, v], f"'{SC}.ratios[1]'", False),
    ("beta", f"{POISON}.attacks", lambda v: [{"beta": [v], "theta": [0.5]}], f"'{POISON}.attacks[0].beta[0]'", False),
    ("theta", f"{POISON}.attacks", lambda v: [{"beta": [0.5], "theta": [v]}], f"'{POISON}.attacks[0].theta[0]'", False),
    ("b-size-s", f"{SC}.sizes", lambda v: [{"s": v, "d": 60}], f"'{SC}.sizes[0].s'", True),
    ("b-size-d", f"{SC}.sizes", lambda v: [{"s": 3, "d": v}], f"'{SC}.sizes[0].d'", True),
]
NON_FINITE = {"nan": float("nan"), "inf": float("inf"), "minus-inf": float("-inf")}

for key in FLOAT_KEYS + INT_KEYS:
    for name, value in NON_FINITE.items():
        CASES.append((f"{name}-{key}", key, value, f"'{key}'", "is not a finite number"))
for key in INT_KEYS:
    CASES.append((f"integral-float-{key}", key, 8.0, f"'{key}'", "must be an integer"))
for stem, key, make, key_text, integer in LIST_ITEMS:
    CASES.append((f"nan-{stem}", key, make(float("nan")), key_text, "is not a finite number"))
    CASES.append((f"inf-{stem}", key, make(float("inf")), key_text, "is not a finite number"))
    if integer:
        CASES.append((f"integral-float-{stem}", key, make(4.0), key_text, "must be an integer"))
CASES += [
    # near-duplicates on every float axis (ids are injective; values within 1e-6 relative are a typo)
    (
        "theta-near-duplicate",
        f"{POISON}.attacks",
        [{"beta": [0.5], "theta": [0.1, 0.1000001]}],
        f"'{POISON}.attacks[*].theta'",
        "at least a relative 1e-06 apart",
    ),
    (
        "theta-near-duplicate-across-blocks",
        f"{POISON}.attacks",
        [{"beta": [0.5], "theta": [0.5]}, {"beta": [0.1], "theta": [0.5000001]}],
        f"'{POISON}.attacks[*].theta'",
        "at least a relative 1e-06 apart",
    ),
    (
        "beta-near-duplicate",
        f"{POISON}.attacks",
        [{"beta": [0.2, 0.2000000001], "theta": [0.5]}],
        f"'{POISON}.attacks[*].beta'",
        "at least a relative 1e-06 apart",
    ),
    ("ratio-near-duplicate", f"{SC}.ratios", [2, 2.000001], f"'{SC}.ratios'", "at least a relative 1e-06 apart"),
    # sizes: each job's cost model against the limits
    ("huge-batch", f"{REAL}.batch_sizes", [10**9], "'limits.max_mem_mb'", "raise 'limits.max_mem_mb'"),
    (
        "decades-of-runtime",
        "",
        Multi({f"{REAL}.seeds": 100000, f"{REAL}.iterations": 10**7}),
        "'limits.max_runtime_min'",
        "raise 'limits.max_runtime_min'",
    ),
    (
        "huge-moment-samples",
        "",
        Multi({"paper_a.moment_samples": 10**10, "limits": {"max_runtime_min": 30}}),
        "'limits.max_runtime_min'",
        "constants of law 'mixture'",
    ),
    ("tight-memory-limit", "limits", {"max_mem_mb": 10}, "'limits.max_mem_mb' = 10", "estimated to need"),
    (  # every cell fits (2 min each), but a shard runs its cells one after another
        "shard-over-runtime-limit",
        "",
        Multi({"cells_per_job": 100, "limits": {"max_runtime_min": 5}}),
        "'limits.max_runtime_min' = 5",
        "'cells_per_job' = 100: a smaller value makes shorter shards",
    ),
    ("tight-runtime-limit", "limits", {"max_runtime_min": 1}, "'limits.max_runtime_min' = 1", "estimated to need"),
    ("limit-float", "limits", {"max_mem_mb": 1000.0}, "'limits.max_mem_mb'", "must be an integer"),
    ("limit-unknown-key", "limits", {"max_disk_mb": 1}, "'limits.max_disk_mb'", "allowed keys: max_mem_mb"),
    # laws: degenerate Sigma, overflowing parameters
    ("sigma-underflows", "laws.normal.sigma", 1e-200, "'laws.normal.sigma'", "numerically degenerate"),
    ("sigma-m4-underflows", "laws.normal.sigma", 1e-60, "'laws.normal.sigma'", "numerically degenerate"),
    ("sigma-huge", "laws.normal.sigma", 1e300, "'laws.normal.sigma'", "<= 1000000"),
    ("eta-huge", "laws.student_t.eta", 1e308, "'laws.student_t.eta'", "<= 1000000"),
    (
        "theta-huge",
        f"{POISON}.attacks",
        [{"beta": [0.5], "theta": [1e300]}],
        f"'{POISON}.attacks[0].theta[0]'",
        "<= 1000000",
    ),
    ("seed-bool", "seed", True, "'seed'", "an integer >= 0"),
    # law names: a full match, at most 64 characters
    (
        "law-name-too-long",
        "laws." + "n" * 300,
        {"family": "normal", "d": 3, "sigma": 1.0},
        "'laws'",
        "at most 64 characters",
    ),
    ("law-name-trailing-newline", "laws.normal\n", None, "'laws'", "lower_case_with_underscores"),
    # the config file itself: duplicate keys, encodings, YAML syntax
    (
        "yaml-duplicate-law",
        "",
        Raw(SMOKE_TEXT.replace("laws:\n", "laws:\n  normal:    {family: normal, d: 3, sigma: 2.0}\n", 1)),
        "duplicate key 'normal'",
        "each key once per mapping",
    ),
    ("yaml-duplicate-top-key", "", Raw(SMOKE_TEXT + "seed: 8\n"), "duplicate key 'seed'", "each key once"),
    (
        "yaml-duplicate-nested",
        "",
        Raw(SMOKE_TEXT.replace("  z: 3\n", "  z: 3\n  z: 4\n")),
        "duplicate key 'z'",
        "each key once",
    ),
    ("yaml-latin-1", "", Raw("# caf\xe9\n" + SMOKE_TEXT), "config.yaml: byte", "a UTF-8 text file"),
    ("yaml-invalid", "", Raw("seed: [1\n" + SMOKE_TEXT), "config.yaml: not valid YAML", "a YAML or JSON mapping"),
    ("yaml-tab-indent", "", Raw(SMOKE_TEXT.replace("  z: 3", "\tz: 3")), "not valid YAML", "a YAML or JSON mapping"),
]
IDS = [c[0] for c in CASES]


def mutate(config, dotted, value):
    if isinstance(value, Multi):
        for key, item in value.items():
            config = mutate(config, key, item)
        return config
    if not dotted:
        return value
    if dotted.endswith("\n"):  # a law name with a trailing newline: `normal\n` (YAML "normal\n")
        name = dotted[len("laws.") : -1]
        config["laws"][name + "\n"] = config["laws"].pop(name)
        return config
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
    if isinstance(value, Raw):
        (workdir / "config.yaml").write_bytes(value.encode("latin-1"))
    else:
        text = yaml.safe_dump(mutate(copy.deepcopy(BASE), key, value), sort_keys=False)
        (workdir / "config.yaml").write_text(text)
    return snakemake(workdir, "--cores", "1", "--dry-run", timeout=300)


@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory):
    """{case id: (workdir, completed process)} of every case selected in this session, run
    concurrently: each run is mostly Snakemake's start-up, so three at a time fill two cores."""
    selected = {
        item.callspec.id
        for item in request.session.items
        if getattr(item, "originalname", "") == TEST_NAME and hasattr(item, "callspec")
    }
    root = tmp_path_factory.mktemp("bad_config")
    cases = [c for c in CASES if c[0] in selected]
    with ThreadPoolExecutor(max_workers=min(4, (os.cpu_count() or 1) + 1)) as pool:
        results = pool.map(lambda c: (root / c[0], run_case(root / c[0], c)), cases)
        return dict(zip((c[0] for c in cases), results, strict=False))


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
