"""Every bad config is one `UserError` naming the offending key and the allowed values, before anything runs
(in-process: `relu_lib.config.load` on the config as a mapping, `relu_lib.config.check_config_file` on a config
file). The Snakefile turns that error into its one `config error: ...` line; that wiring is proved by a handful
of real `snakemake --dry-run` cases in tests/workflow/test_bad_config.py.

The hand-written cases come first; then generated ones cover every class of issue 12 for every key: non-finite
values per number key, floats per integer key, near-duplicates per grid axis, oversized jobs, YAML duplicates and
encodings, law names.
"""

from __future__ import annotations

import copy

import pytest
import yaml
from conftest import SMOKE_CONFIG

from relu_lib import config as relu_config
from relu_lib.errors import UserError
from relu_lib.paper_a.laws import FAMILIES as FAMILY_NAMES

DELETE = object()
BASE = yaml.safe_load(SMOKE_CONFIG.read_text())
BS = "paper_a.experiments.batch_size"
AP = "paper_a.experiments.attack_probability"
AM = "paper_a.experiments.attack_magnitude"
MC = "paper_a.experiments.milder_conditions"
SC = "paper_b.experiments.sample_complexity"
TR = "paper_b.experiments.trajectories"
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
SCHEMA = relu_config.schema()
EXPERIMENT_A = SCHEMA["$defs"]["experiment_a"]
# the names a message must list, from the schema the validator reads (its registries filled in)
TOP_KEYS = "allowed keys: " + ", ".join(sorted(SCHEMA["properties"]))
PAPER_A_KEYS = "allowed keys: " + ", ".join(sorted(SCHEMA["properties"]["paper_a"]["properties"]))
EXPERIMENT_A_KEYS = "allowed keys: " + ", ".join(sorted(EXPERIMENT_A["properties"]))
EXPERIMENT_A_REQUIRED = "required keys: " + ", ".join(EXPERIMENT_A["required"])
FAMILIES = "allowed values: " + ", ".join(sorted(FAMILY_NAMES))
assert {"w_star_scale", "start_scale", "moment_samples", "experiments"} <= set(
    SCHEMA["properties"]["paper_a"]["required"]
)
assert set(EXPERIMENT_A["required"]) == {
    "laws",
    "batch_sizes",
    "attack",
    "betas",
    "thetas",
    "eta",
    "iterations",
    "runs",
}
assert {"checkpoints", "start", "sampler", "beta_threshold"} <= set(EXPERIMENT_A["properties"])


class Multi(dict):
    """Several dotted keys changed at once."""


class Raw(str):
    """A config file's raw text (YAML that yaml.safe_dump could not produce)."""


# (case id, dotted key to change ("" = the whole config), new value or DELETE,
#  text naming the key, text giving the allowed values)
CASES = [
    # types
    ("seed-type", "seed", "abc", "'seed'", "an integer >= 0"),
    ("dimension-float", "laws.normal.d", 2.5, "'laws.normal.d'", "an integer >= 1"),
    ("sigma-type", "laws.normal.sigma", "one", "'laws.normal.sigma'", "a finite number > 0"),
    ("iterations-type", f"{AP}.iterations", "many", f"'{AP}.iterations'", "an integer >= 1 and <= 10000000"),
    ("runs-type", f"{AP}.runs", "many", f"'{AP}.runs'", "an integer >= 2 and <= 100000"),
    ("eta-type", f"{AP}.eta", "small", f"'{AP}.eta'", "a finite number > 0 and <= 1000000"),
    ("attack-type", f"{AP}.attack", 1, f"'{AP}.attack'", "allowed values: none, alternating, random_sign"),
    ("betas-not-a-list", f"{AP}.betas", 0.5, f"'{AP}.betas'", "a non-empty list without duplicates"),
    ("thetas-not-a-list", f"{AM}.thetas", "1", f"'{AM}.thetas'", "a non-empty list without duplicates"),
    ("laws-item-type", f"{AP}.laws", [1], f"'{AP}.laws[0]'", "a string"),
    ("w-star-scale-type", "paper_a.w_star_scale", "one", "'paper_a.w_star_scale'", "a finite number > 0"),
    ("fail-on-violation-type", "checks.fail_on_violation", "yes", "'checks.fail_on_violation'", "true or false"),
    # ranges
    ("seed-negative", "seed", -1, "'seed'", "an integer >= 0"),
    ("cells-per-job-zero", "cells_per_job", 0, "'cells_per_job'", "an integer >= 1"),
    ("dimension-zero", "laws.normal.d", 0, "'laws.normal.d'", ">= 1 and <= 100000"),
    ("dimension-too-large", "laws.normal.d", 10**6, "'laws.normal.d'", ">= 1 and <= 100000"),
    ("law-param-negative", "laws.normal.sigma", -1.0, "'laws.normal.sigma'", "a finite number > 0"),
    ("shift-negative", "laws.shifted.shift", -1.5, "'laws.shifted.shift'", "a finite number >= 0"),
    ("w-star-scale-zero", "paper_a.w_star_scale", 0, "'paper_a.w_star_scale'", "a finite number > 0"),
    ("start-scale-huge", "paper_a.start_scale", 1e7, "'paper_a.start_scale'", "<= 1000000"),
    ("moment-samples-too-few", "paper_a.moment_samples", 10, "'paper_a.moment_samples'", "an integer >= 1000"),
    ("moment-samples-too-many", "paper_a.moment_samples", 10**10, "'paper_a.moment_samples'", "<= 100000000"),
    ("batch-size-zero", f"{AP}.batch_sizes", [0], f"'{AP}.batch_sizes[0]'", "an integer >= 1"),
    ("batch-size-too-large", f"{AP}.batch_sizes", [10**7], f"'{AP}.batch_sizes[0]'", "<= 1000000"),
    ("checkpoints-one", f"{AP}.checkpoints", 1, f"'{AP}.checkpoints'", "an integer >= 2"),
    ("iterations-zero", f"{AP}.iterations", 0, f"'{AP}.iterations'", "an integer >= 1"),
    ("iterations-too-many", f"{AP}.iterations", 10**8, f"'{AP}.iterations'", "<= 10000000"),
    ("beta-above-one", f"{AP}.betas", [0, 1.5], f"'{AP}.betas[1]'", "a finite number >= 0 and <= 1"),
    ("beta-negative", f"{AP}.betas", [-0.5], f"'{AP}.betas[0]'", "a finite number >= 0 and <= 1"),
    ("theta-negative", f"{AM}.thetas", [-1.0], f"'{AM}.thetas[0]'", "a finite number >= 0"),
    ("eta-zero", f"{AP}.eta", 0, f"'{AP}.eta'", "a finite number > 0"),
    ("eta-negative", f"{BS}.eta", -0.05, f"'{BS}.eta'", "a finite number > 0"),
    ("beta-threshold-huge", f"{AP}.beta_threshold", -1e7, f"'{AP}.beta_threshold'", ">= -1000000"),
    ("delta-one", "checks.delta", 1.0, "'checks.delta'", "a finite number > 0 and < 1"),
    ("epsilon-zero", "checks.epsilon", 0, "'checks.epsilon'", "a finite number >= 1e-06"),
    # before: accepted, and the theorems' step counts (~ 1/epsilon^2) overflowed downstream
    ("epsilon-tiny", "checks.epsilon", 1e-300, "'checks.epsilon'", "a finite number >= 1e-06"),
    ("z-negative", "checks.z", -3, "'checks.z'", "a finite number >= 1"),
    ("z-tiny", "checks.z", 1e-300, "'checks.z'", "a finite number >= 1"),  # before: exit 0, false `violated` rows
    ("z-huge", "checks.z", 31, "'checks.z'", "<= 30"),
    ("level-zero", "checks.level", 0, "'checks.level'", "a finite number >= 1e-06 and <= 0.5"),
    ("level-tiny", "checks.level", 1e-300, "'checks.level'", "a finite number >= 1e-06 and <= 0.5"),
    ("level-above-half", "checks.level", 0.9, "'checks.level'", "a finite number >= 1e-06 and <= 0.5"),
    ("level-type", "checks.level", "5%", "'checks.level'", "a finite number"),
    ("scope-unknown", "checks.scope", "experiment", "'checks.scope'", "allowed values: table, family"),
    # runs <= 1 (a standard error needs two)
    ("runs-zero", f"{AP}.runs", 0, f"'{AP}.runs'", "an integer >= 2"),
    ("runs-negative", f"{AP}.runs", -4, f"'{AP}.runs'", "an integer >= 2"),
    ("runs-one", f"{AP}.runs", 1, f"'{AP}.runs'", "an integer >= 2"),
    # unknown names
    ("unknown-top-key", "extra", 1, "'extra'", TOP_KEYS),
    ("unknown-family", "laws.normal.family", "gaussian", "'laws.normal.family'", FAMILIES),
    ("law-param-foreign", "laws.normal.scale", 1.0, "'laws.normal.scale'", "allowed keys: d, family, sigma"),
    (
        "law-name-not-snake-case",
        "laws.Normal",
        {"family": "normal", "d": 3, "sigma": 1.0},
        "'Normal'",
        "lower_case_with_underscores",
    ),
    ("unknown-attack", f"{AP}.attack", "evil", f"'{AP}.attack'", "allowed values: none, alternating, random_sign"),
    ("unknown-start", f"{MC}.start", "random", f"'{MC}.start'", "allowed values: per_run, fixed"),
    ("unknown-sampler", f"{AP}.sampler", "exact", f"'{AP}.sampler'", "allowed values: auto, full, projected"),
    (
        "unknown-law-in-grid",
        f"{AP}.laws",
        ["normal", "cauchy"],
        f"'{AP}.laws[1]'",
        "allowed values: normal, shifted, student_t",
    ),
    (
        "unknown-paper-a-key",  # the old schema's step factor
        "paper_a.step_factor",
        1.0,
        "'paper_a.step_factor'",
        PAPER_A_KEYS,
    ),
    ("experiment-key-typo", f"{AP}.batchsizes", [4], f"'{AP}.batchsizes'", EXPERIMENT_A_KEYS),
    ("old-experiment-key", f"{AP}.seeds", 4, f"'{AP}.seeds'", EXPERIMENT_A_KEYS),
    (
        "experiment-name-not-snake-case",
        "paper_a.experiments.BatchSize",
        {},
        "'paper_a.experiments'",
        "lower_case_with_underscores",
    ),
    (  # any other name is an experiment of its own, and must be complete
        "new-experiment-incomplete",
        "paper_a.experiments.warmup",
        {},
        "'paper_a.experiments.warmup.laws'",
        EXPERIMENT_A_REQUIRED,
    ),
    (
        "unknown-check-key",
        "checks.alpha",
        0.1,
        "'checks.alpha'",
        "allowed keys: delta, epsilon, fail_on_violation, level, scope, z",
    ),
    # missing keys
    ("empty-config", "", {}, "the config is empty", "--configfile FILE"),
    ("missing-laws", "laws", DELETE, "'laws'", "required keys: seed, laws, checks"),
    ("missing-seed", "seed", DELETE, "'seed'", "required keys: seed, laws, checks"),
    ("missing-dimension", "laws.normal.d", DELETE, "'laws.normal.d'", "required keys: family, d"),
    ("law-param-missing", "laws.normal.sigma", DELETE, "'laws.normal.sigma'", "family normal: family, d, sigma"),
    ("iterations-missing", f"{AP}.iterations", DELETE, f"'{AP}.iterations'", EXPERIMENT_A_REQUIRED),
    ("eta-missing", f"{AP}.eta", DELETE, f"'{AP}.eta'", EXPERIMENT_A_REQUIRED),
    ("attack-missing", f"{MC}.attack", DELETE, f"'{MC}.attack'", EXPERIMENT_A_REQUIRED),
    ("runs-missing", f"{BS}.runs", DELETE, f"'{BS}.runs'", EXPERIMENT_A_REQUIRED),
    ("betas-missing", f"{AM}.betas", DELETE, f"'{AM}.betas'", EXPERIMENT_A_REQUIRED),
    (
        "w-star-scale-missing",
        "paper_a.w_star_scale",
        DELETE,
        "'paper_a.w_star_scale'",
        "required keys: w_star_scale, start_scale, moment_samples, experiments",
    ),
    (
        "missing-epsilon",
        "checks.epsilon",
        DELETE,
        "'checks.epsilon'",
        "required keys: epsilon, delta, fail_on_violation",
    ),
    # empty grid axes
    ("laws-empty", "laws", {}, "'laws'", "a mapping with at least one entry"),
    ("experiments-empty", "paper_a.experiments", {}, "'paper_a.experiments'", "a mapping with at least one entry"),
    ("grid-laws-empty", f"{AP}.laws", [], f"'{AP}.laws'", "a non-empty list without duplicates"),
    ("batch-sizes-empty", f"{AP}.batch_sizes", [], f"'{AP}.batch_sizes'", "a non-empty list without duplicates"),
    ("betas-empty", f"{AP}.betas", [], f"'{AP}.betas'", "a non-empty list without duplicates"),
    ("thetas-empty", f"{AM}.thetas", [], f"'{AM}.thetas'", "a non-empty list without duplicates"),
    # duplicate values
    ("batch-sizes-duplicate", f"{BS}.batch_sizes", [4, 4], f"'{BS}.batch_sizes'", "without duplicates"),
    ("grid-laws-duplicate", f"{AP}.laws", ["normal", "normal"], f"'{AP}.laws'", "without duplicates"),
    ("beta-duplicate", f"{AP}.betas", [0.5, 0.5], f"'{AP}.betas'", "without duplicates"),
    ("theta-duplicate", f"{AM}.thetas", [0.5, 0.5], f"'{AM}.thetas'", "without duplicates"),
    # laws: moments and dimensions
    ("student-t-nu-four", "laws.student_t.nu", 4.0, "'laws.student_t.nu'", "allowed values: nu > 4"),
    ("student-t-no-second-moment", "laws.student_t.nu", 2.0, "'laws.student_t.nu'", "allowed values: nu > 4"),
    (
        "mixture-in-one-dimension",
        "laws.mix",
        {"family": "mixture", "d": 1, "mean_norm": 2.0},
        "'laws.mix.d'",
        "allowed values: d >= 2",
    ),
    # cross-key rules
    (
        "projected-sampler-non-gaussian-law",
        f"{MC}.sampler",
        "projected",
        f"'{MC}.sampler' = projected, but law 'shifted' is not N(0, I)",
        "allowed values: auto or full for this law",
    ),
    (
        "projected-sampler-scaled-normal",
        "",
        Multi({"laws.normal.sigma": 2.0, f"{AP}.sampler": "projected"}),
        f"'{AP}.sampler' = projected, but law 'normal' is not N(0, I)",
        "allowed values: auto or full for this law",
    ),
    (
        "attack-none-with-betas-and-thetas",
        f"{AP}.attack",
        "none",
        f"'{AP}.attack' = none but '{AP}.betas' and '{AP}.thetas' have values > 0",
        "allowed values: attack alternating or random_sign, or betas/thetas of 0",
    ),
    (
        "beta-threshold-without-attack",
        f"{MC}.beta_threshold",
        0.5,
        f"'{MC}.beta_threshold' is set but '{MC}.attack' = none",
        "allowed values: an attack",
    ),
    (
        "checkpoints-above-iterations",
        f"{AP}.checkpoints",
        102,
        f"'{AP}.checkpoints' = 102 is more than the 101 steps of a run",
        "allowed values: 2 .. 101",
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
    # before: the grid was built until memory ran out (b = 10^12), or a traceback (||w*|| = 1e-300)
    ("tails-batch-size-huge", TAILS, {**TAILS_OK, "batch_sizes": [10**12]}, f"'{TAILS}.batch_sizes[0]'", "<= 64"),
    (
        "tails-filter-too-deep",
        TAILS,
        {**TAILS_OK, "w_star_norm": 1e-300},
        f"'{TAILS}.theta' / (sigma of 'normal'",
        "allowed values: theta / (sigma ||w*||) <= 10",
    ),
    (
        "tails-edge-fractions-near-duplicate",
        TAILS,
        {**TAILS_OK, "edge_fractions": [0.5, 0.5000001]},
        f"'{TAILS}.edge_fractions'",
        "differ by less than a relative 1e-06",
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
    ("b-fresh-trials-one", "paper_b.fresh_trials", 1, "'paper_b.fresh_trials'", "an integer >= 2"),
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

SMOKE_TEXT = SMOKE_CONFIG.read_text()
FLOAT_KEYS = [
    "laws.normal.sigma",
    "laws.shifted.shift",
    "laws.student_t.nu",
    "paper_a.w_star_scale",
    "paper_a.start_scale",
    f"{BS}.eta",
    f"{AP}.eta",
    f"{AP}.beta_threshold",
    f"{MC}.eta",
    "paper_b.success_threshold",
    "checks.z",
    "checks.level",
    "checks.epsilon",
    "checks.delta",
]
INT_KEYS = [
    "seed",
    "cells_per_job",
    "laws.normal.d",
    "laws.shifted.d",
    "paper_a.moment_samples",
    f"{BS}.iterations",
    f"{BS}.runs",
    f"{BS}.checkpoints",
    f"{AP}.iterations",
    f"{AP}.runs",
    f"{AP}.checkpoints",
    f"{MC}.runs",
    "paper_b.n0_samples",
    "paper_b.fresh_trials",
    f"{SC}.trials",
    f"{SC}.iterations",
    f"{TR}.trials",
    f"{TR}.iterations",
]
# list items: (case stem, dotted key of the list, the list with one bad item, key text of that item, integer?)
LIST_ITEMS = [
    ("batch-size", f"{BS}.batch_sizes", lambda v: [4, v], f"'{BS}.batch_sizes[1]'", True),
    ("beta", f"{AP}.betas", lambda v: [0, v], f"'{AP}.betas[1]'", False),
    ("theta", f"{AM}.thetas", lambda v: [v], f"'{AM}.thetas[0]'", False),
    ("b-n", f"{TR}.n", lambda v: [40, v], f"'{TR}.n[1]'", True),
    ("b-ratio", f"{SC}.ratios", lambda v: [2, v], f"'{SC}.ratios[1]'", False),
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
        CASES.append((f"integral-float-{stem}", key, make(16.0), key_text, "must be an integer"))
CASES += [
    # near-duplicates on every float axis (ids are injective; values within 1e-6 relative are a typo)
    ("theta-near-duplicate", f"{AM}.thetas", [0.1, 0.1000001], f"'{AM}.thetas'", "at least a relative 1e-06 apart"),
    ("beta-near-duplicate", f"{AP}.betas", [0.2, 0.2000000001], f"'{AP}.betas'", "at least a relative 1e-06 apart"),
    (  # one ulp apart: two cells no figure could tell apart
        "theta-one-ulp-apart",
        f"{AM}.thetas",
        [1, 1.0000000000000002],
        f"'{AM}.thetas'",
        "at least a relative 1e-06 apart",
    ),
    ("ratio-near-duplicate", f"{SC}.ratios", [2, 2.000001], f"'{SC}.ratios'", "at least a relative 1e-06 apart"),
    # sizes: each job's cost model against the limits
    (  # a huge mini-batch: the projected sampler's time grows with b
        "huge-batch",
        "",
        Multi({f"{AP}.batch_sizes": [10**6], f"{AP}.iterations": 10**6}),
        "'limits.max_runtime_min'",
        "raise 'limits.max_runtime_min'",
    ),
    (  # every recorded row of every run is held in memory: 2 x 10^5 runs x 10^5 checkpoints
        "huge-runs",
        "",
        Multi({f"{AP}.runs": 100000, f"{AP}.iterations": 10**6, f"{AP}.checkpoints": 100000}),
        "'limits.max_mem_mb'",
        "raise 'limits.max_mem_mb'",
    ),
    (
        "decades-of-runtime",
        "",
        Multi({f"{MC}.runs": 100000, f"{MC}.iterations": 10**7}),
        "'limits.max_runtime_min'",
        "raise 'limits.max_runtime_min'",
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
    # laws: parameters far from the ends of double precision, overflowing parameters
    ("sigma-underflows", "laws.normal.sigma", 1e-200, "'laws.normal.sigma'", "allowed values: 0 or 1e-50 .. 1e50"),
    ("sigma-m4-underflows", "laws.normal.sigma", 1e-60, "'laws.normal.sigma'", "allowed values: 0 or 1e-50 .. 1e50"),
    ("sigma-huge", "laws.normal.sigma", 1e300, "'laws.normal.sigma'", "<= 1000000"),
    ("eta-huge", f"{AP}.eta", 1e308, f"'{AP}.eta'", "<= 1000000"),
    ("theta-huge", f"{AM}.thetas", [1e300], f"'{AM}.thetas[0]'", "<= 1000000"),
    ("seed-bool", "seed", True, "'seed'", "an integer >= 0"),
    ("runs-bool", f"{AP}.runs", True, f"'{AP}.runs'", "an integer >= 2"),
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
    (
        "yaml-duplicate-experiment-key",
        "",
        Raw(SMOKE_TEXT.replace("      runs: 32\n", "      runs: 32\n      runs: 64\n", 1)),
        "duplicate key 'runs'",
        "each key once",
    ),
    ("yaml-latin-1", "", Raw("# caf\xe9\n" + SMOKE_TEXT), "config.yaml: byte", "a UTF-8 text file"),
    ("yaml-invalid", "", Raw("seed: [1\n" + SMOKE_TEXT), "config.yaml: not valid YAML", "a YAML or JSON mapping"),
    ("yaml-tab-indent", "", Raw(SMOKE_TEXT.replace("  z: 3", "\tz: 3")), "not valid YAML", "a YAML or JSON mapping"),
]
IDS = [c[0] for c in CASES]
assert len(set(IDS)) == len(IDS), "duplicate case ids"


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


def error_of(case, tmp_path) -> str:
    """The message of the UserError the case raises (a file-level case through a config file on disk)."""
    _, key, value, _, _ = case
    if isinstance(value, Raw):
        path = tmp_path / "config.yaml"
        path.write_bytes(value.encode("latin-1"))
        with pytest.raises(UserError) as caught:
            relu_config.check_config_file(path)
    else:
        config = mutate(copy.deepcopy(BASE), key, value)
        with pytest.raises(UserError) as caught:
            relu_config.load(config)
    return str(caught.value)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_bad_config_is_one_error_naming_the_key(case, tmp_path):
    _, _, _, key_text, allowed_text = case
    message = error_of(case, tmp_path)
    assert key_text in message and allowed_text in message, message
    assert "\n" not in message, message  # one line


def test_the_base_config_is_valid():
    """The cases change one thing each: without it, the smoke config loads (and so do its file's bytes)."""
    relu_config.check_config_file(SMOKE_CONFIG)
    relu_config.load(copy.deepcopy(BASE))


def test_without_checkpoints_a_short_run_records_every_step():
    """The default of 200 recorded steps is capped at the run's own steps: a 100-iteration experiment without
    `checkpoints` is no config error and records its 101 steps."""
    config = mutate(copy.deepcopy(BASE), f"{BS}.checkpoints", DELETE)
    specs = relu_config.cells(relu_config.load(config))["paper_a"]["batch_size"]
    assert {spec["checkpoints"] for spec in specs.values()} == {
        config["paper_a"]["experiments"]["batch_size"]["iterations"] + 1
    }
