"""Sharded train jobs (config key cells_per_job, relu_lib/shards.py), through real Snakemake runs.

A shard's job writes the same cell files, byte for byte, as one job per cell; adding a grid value
reruns only the shards the new cells fall into, and leaves every existing file as it was; a shard that
reruns keeps the files of its current cells instead of recomputing them."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import snakemake

from relu_lib import config as relu_config
from relu_lib import shards

CONFIG = {
    "seed": 5,
    "laws": {
        "normal": {"family": "normal", "d": 4, "sigma": 1.0},
        "laplace": {"family": "laplace", "d": 3, "scale": 1.0},
    },
    "paper_a": {
        "w_star_scale": 1.0,
        "start_scale": 1.0,
        "moment_samples": 1000,
        "experiments": {
            "milder_conditions": {
                "laws": ["normal", "laplace"],
                "batch_sizes": [2, 4],
                "attack": "none",
                "betas": [0],
                "thetas": [0],
                "eta": 0.05,
                "iterations": 60,
                "runs": 3,
                "checkpoints": 6,
                "start": "fixed",
            },
            "attack_magnitude": {
                "laws": ["normal"],
                "batch_sizes": [4],
                "attack": "alternating",
                "betas": [0.25, 0.5],
                "thetas": [0.25, 0.5, 1.0],
                "eta": 0.05,
                "iterations": 60,
                "runs": 3,
                "checkpoints": 6,
            },
        },
    },
    "paper_b": {
        "n0_samples": 1000,
        "success_threshold": 1e-6,
        "experiments": {
            "trajectories": {
                "constraints": ["l1"],
                "sizes": [{"s": 2, "d": 20}],
                "n": [30, 40],
                "trials": 2,
                "iterations": 4,
            }
        },
    },
    "checks": {"z": 3, "epsilon": 0.05, "delta": 0.1, "fail_on_violation": False},
}
SHARDED = {**CONFIG, "cells_per_job": 3}


def extended(config: dict) -> dict:
    out = json.loads(json.dumps(config))
    out["paper_a"]["experiments"]["attack_magnitude"]["thetas"] = [0.25, 0.5, 1.0, 2.0]
    return out


def targets(config: dict) -> list[str]:
    cells = relu_config.cells(relu_config.load(config))
    return [
        f"results/trajectories/{exp}/{cell}/data.parquet"
        for paper in cells.values()
        for exp, by_id in paper.items()
        for cell in by_id
    ]


def run(workdir: Path, config: dict, *args) -> str:
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = snakemake(workdir, "--cores", "2", *args, *targets(config))
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result.stdout + result.stderr


def files(workdir: Path) -> dict[str, tuple[str, int]]:
    """{trajectory file: (sha256, mtime_ns)}."""
    return {
        str(p.relative_to(workdir)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted((workdir / "results" / "trajectories").rglob("*.parquet"))
    }


@pytest.fixture(scope="module")
def per_cell(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("per_cell")
    run(workdir, extended(CONFIG))
    return workdir


@pytest.fixture(scope="module")
def sharded(tmp_path_factory) -> dict:
    workdir = tmp_path_factory.mktemp("sharded")
    first = run(workdir, SHARDED)
    before = files(workdir)
    plan = run(workdir, extended(SHARDED), "--dry-run")
    second = run(workdir, extended(SHARDED))
    after = files(workdir)
    rule = sorted(job_counts(first))[-1]  # a shard of the first run, forced to rerun
    forced = run(workdir, extended(SHARDED), f"--forcerun={rule}")
    return {
        "workdir": workdir,
        "before": before,
        "after": after,
        "first": first,
        "plan": plan,
        "second": second,
        "forced_rule": rule,
        "forced": forced,
        "after_forced": files(workdir),
    }


def job_counts(output: str) -> dict:
    """{rule: number of jobs} from Snakemake's "Job stats" table, train shards only."""
    table = output.split("Job stats:")[1].split("total")[0]
    return {m[0]: int(m[1]) for m in re.findall(r"^(train_\w+)\s+(\d+)$", table, re.M)}


def test_shards_are_stable_and_cover_every_cell_once():
    cells = relu_config.cells(relu_config.load(CONFIG))["paper_a"]["attack_magnitude"]
    bigger = relu_config.cells(relu_config.load(extended(CONFIG)))["paper_a"]["attack_magnitude"]
    old, new = shards.partition(cells, 3, "attack_magnitude"), shards.partition(bigger, 3, "attack_magnitude")
    assert sorted(c for ids in old.values() for c in ids) == sorted(cells)
    added = set(bigger) - set(cells)
    # a shard without a new cell keeps its name and its cells
    for name, ids in new.items():
        if not added & set(ids) and name in old:
            assert old[name] == ids
    assert sum(1 for name, ids in old.items() if new.get(name) == ids) >= len(old) - len(added)


def test_sharded_run_writes_the_same_files_as_one_job_per_cell(sharded, per_cell):
    got = {path: digest for path, (digest, _) in sharded["after"].items()}
    expected = {path: digest for path, (digest, _) in files(per_cell).items()}
    assert got == expected and len(got) == len(targets(extended(CONFIG)))
    stats = sharded["first"].split("Job stats:")[1].split("total")[0]
    assert "train_a_attack_magnitude_" in stats and re.search(r"^shard_manifest\s+\d+$", stats, re.M), stats


def changed_shards(config: dict, grown: dict) -> set[str]:
    """The train rules of the shards of `grown` that the grid growing from `config` changes: a shard that gained
    a cell, or was cut at a new cell (the others keep their name and cells)."""
    out = set()
    for experiment, cells in relu_config.cells(relu_config.load(grown))["paper_a"].items():
        old = shards.partition(relu_config.cells(relu_config.load(config))["paper_a"][experiment], 3, experiment)
        new = shards.partition(cells, 3, experiment)
        out |= {f"train_a_{name}" for name, ids in new.items() if old.get(name) != ids}
    return out


def test_adding_a_grid_value_leaves_every_existing_file_untouched(sharded):
    """Every existing file keeps its bytes; a file of a shard that did not change is not even touched (a shard
    that gained a cell reruns, keeps its current files, and Snakemake touches a finished job's outputs)."""
    before, after = sharded["before"], sharded["after"]
    assert len(after) == len(before) + 2  # theta = 2 for both betas
    # only the shards that gained a cell (or were cut at a new cell) run
    reran = job_counts(sharded["plan"])
    assert set(reran) == changed_shards(SHARDED, extended(SHARDED)), reran
    assert 0 < len(reran) <= 2 and all(name.startswith("train_a_attack_magnitude_") for name in reran), reran
    manifests = {
        name: json.loads((sharded["workdir"] / f"results/shards/{name[8:]}.json").read_text()) for name in reran
    }
    in_reran = {cell["out"] for manifest in manifests.values() for cell in manifest["cells"]}
    untouched = [path for path in before if path not in in_reran]
    assert len(untouched) >= len(before) // 2  # most files are in shards that did not change
    for path, (digest, mtime) in before.items():
        assert after[path][0] == digest, f"{path} was rewritten"
        if path in untouched:
            assert after[path][1] == mtime, f"{path} was touched, but its shard did not change"


def test_a_rerun_shard_keeps_its_current_files(sharded):
    """A shard job that reruns (here forced) recomputes and rewrites none of its current cells: the bytes
    stay (Snakemake touches a finished job's outputs, so their modification time moves)."""
    bytes_only = {path: digest for path, (digest, _) in sharded["after_forced"].items()}
    assert bytes_only == {path: digest for path, (digest, _) in sharded["after"].items()}
    name = sharded["forced_rule"].split("_", 2)[2]
    log = (sharded["workdir"] / "logs" / "train" / "shards" / f"{name}.log").read_text()
    cells, kept = map(int, re.search(r"cells=(\d+) kept=(\d+)", log).groups())
    assert cells == kept > 0


def test_a_changed_law_reruns_the_shards_of_its_cells(sharded):
    """A changed law changes its cells' specs, so the shard manifests, plain inputs of the shards: every shard
    holding one of its cells reruns (attack_magnitude is all `normal`)."""
    changed = extended(SHARDED)
    changed["laws"]["normal"]["sigma"] = 1.5
    plan = job_counts(run(sharded["workdir"], changed, "--dry-run"))
    magnitude = relu_config.cells(relu_config.load(changed))["paper_a"]["attack_magnitude"]
    assert {f"train_a_{name}" for name in shards.partition(magnitude, 3, "attack_magnitude")} <= set(plan)


def test_a_misplaced_cell_in_a_shard_is_rebuilt_by_its_shard(sharded, per_cell):
    """A cell file copied over another cell's path in a sharded run is set aside as stale; its shard rebuilds it
    (keeping its current cells), byte-identical to the one-job-per-cell run."""
    workdir = sharded["workdir"]
    one, two = sorted(sharded["after"])[:2]
    shutil.copy(workdir / two, workdir / one)
    output = run(workdir, extended(SHARDED))
    assert f"integrity: {one}: stale: written for another cell spec" in output
    assert files(workdir)[one][0] == files(per_cell)[one][0]
    assert {p: d for p, (d, _) in files(workdir).items()} == {p: d for p, (d, _) in files(per_cell).items()}
