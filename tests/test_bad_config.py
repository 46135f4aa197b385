"""Every bad config fails before any job starts, names the offending key and the allowed
values, prints no traceback, and leaves nothing under results/ (real Snakemake runs)."""

import copy

import pytest
import yaml

from conftest import SMOKE_CONFIG, snakemake

DELETE = object()
BASE = yaml.safe_load(SMOKE_CONFIG.read_text())
REAL = "paper_a.experiments.realizable"
POISON = "paper_a.experiments.poisoning"
SC = "paper_b.experiments.sample_complexity"
TR = "paper_b.experiments.trajectories"

# (case id, dotted key to change, new value or DELETE, text the error must contain)
CASES = [
    ("seed-type", "seed", "abc", "'seed'"),
    ("seed-negative", "seed", -1, "'seed'"),
    ("unknown-top-key", "extra", 1, "'extra'"),
    ("missing-laws", "laws", DELETE, "'laws'"),
    ("missing-seed", "seed", DELETE, "'seed'"),
    ("unknown-family", "laws.normal.family", "gaussian", "allowed values: laplace, mixture, normal"),
    ("dimension-zero", "laws.normal.d", 0, "'laws.normal.d'"),
    ("dimension-float", "laws.normal.d", 2.5, "'laws.normal.d'"),
    ("law-param-missing", "laws.normal.sigma", DELETE, "'laws.normal.sigma'"),
    ("law-param-foreign", "laws.normal.scale", 1.0, "'laws.normal.scale'"),
    ("law-param-negative", "laws.normal.sigma", -1.0, "'laws.normal.sigma'"),
    ("no-second-moment", "laws.student_t.nu", 2.0, "'laws.student_t.nu'"),
    ("infinite-m4-without-eta", "laws.student_t.eta", DELETE, "'laws.student_t.eta'"),
    ("mixture-in-one-dimension", "laws.mixture.d", 1, "'laws.mixture.d'"),
    ("step-factor-zero", "paper_a.step_factor", 0, "'paper_a.step_factor'"),
    ("batch-size-zero", f"{REAL}.batch_sizes", [0], f"'{REAL}.batch_sizes[0]'"),
    ("batch-sizes-empty", f"{REAL}.batch_sizes", [], f"'{REAL}.batch_sizes'"),
    ("batch-sizes-duplicate", f"{REAL}.batch_sizes", [4, 4], f"'{REAL}.batch_sizes'"),
    ("seeds-zero", f"{REAL}.seeds", 0, f"'{REAL}.seeds'"),
    ("iterations-type", f"{REAL}.iterations", "many", f"'{REAL}.iterations'"),
    ("iterations-missing", f"{REAL}.iterations", DELETE, f"'{REAL}.iterations'"),
    ("beta-above-one", f"{POISON}.attacks", [{"beta": [1.5], "theta": [1.0]}], f"'{POISON}.attacks[0].beta[0]'"),
    ("theta-negative", f"{POISON}.attacks", [{"beta": [0.5], "theta": [-1.0]}], f"'{POISON}.attacks[0].theta[0]'"),
    ("unknown-adversary", f"{POISON}.adversaries", ["evil"], "allowed values: aligned, alternating, none, random_sign"),
    ("unknown-law-in-grid", f"{REAL}.laws", ["normal", "cauchy"], f"'{REAL}.laws[1]'"),
    ("unknown-experiment", "paper_a.experiments.warmup", {}, "'paper_a.experiments.warmup'"),
    ("none-adversary-attacked", f"{POISON}.adversaries", ["none"], f"'{POISON}.adversaries'"),
    ("b-unknown-constraint", f"{SC}.constraints", ["l0", "l2"], "allowed values: l0, l1, none"),
    ("b-s-above-d", f"{SC}.sizes", [{"s": 70, "d": 60}], f"'{SC}.sizes[0].s'"),
    ("b-s-zero", f"{SC}.sizes", [{"s": 0, "d": 60}], f"'{SC}.sizes[0].s'"),
    ("b-ratios-empty", f"{SC}.ratios", [], f"'{SC}.ratios'"),
    ("b-ratio-negative", f"{SC}.ratios", [2, -1], f"'{SC}.ratios[1]'"),
    ("b-trials-one", f"{SC}.trials", 1, f"'{SC}.trials'"),
    ("b-n-and-ratios", f"{TR}.ratios", [1, 2], f"'{TR}'"),
    ("b-unknown-experiment", "paper_b.experiments.warmup", {}, "'paper_b.experiments.warmup'"),
    ("b-success-threshold", "paper_b.success_threshold", 0, "'paper_b.success_threshold'"),
]


def mutate(config, dotted, value):
    *parents, last = dotted.split(".")
    node = config
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return config


@pytest.mark.parametrize("case,key,value,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_config_is_rejected_before_any_job(tmp_path, case, key, value, expected):
    config = mutate(copy.deepcopy(BASE), key, value)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "--cores", "1")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "config error:" in output and expected in output, output
    assert "Traceback" not in output
    assert not (tmp_path / "results").exists()


def test_at_least_twenty_distinct_cases():
    assert len({c[0] for c in CASES}) >= 20
