"""Issue 12's guarantees through real runs of the tiny config: a checkout path with spaces, two runs
byte-identical, a corrupt or deleted result file rebuilt (and only what depends on it), a grid grown by a
near-duplicate value rejected with the existing cells untouched, an oversized cell refused with its estimate.

Two full runs in folders whose names contain a space share the work of every test here.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import SMOKE_CONFIG, snakemake

SKIP = {".snakemake", "logs", "benchmarks"}  # Snakemake's own state, logs and timings are not outputs
CELL = "results/trajectories/attack_probability/law=normal/b=4/adv=alternating/beta=0/theta=0.5/data.parquet"
SUMMARY = "results/summary/milder_conditions.parquet"  # of another experiment than CELL
N0 = "results/n0/constraint=l1/s=3/d=60.json"  # paper B's input constants of its two l1 cells


def outputs(workdir: Path) -> dict[str, str]:
    """sha256 of every output file (figures and results, hidden files excluded)."""
    out = {}
    for path in sorted(workdir.rglob("*")):
        rel = path.relative_to(workdir)
        if path.is_file() and rel.parts[0] not in SKIP and not any(p.startswith(".") for p in rel.parts):
            out[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("guarantees")
    dirs = []
    for name in ("run one", "run two"):  # a space in every path the jobs see
        workdir = root / name
        workdir.mkdir()
        shutil.copy(SMOKE_CONFIG, workdir / "config.yaml")
        result = snakemake(workdir, "--cores", "2")
        assert result.returncode == 0, result.stderr[-3000:]
        dirs.append(workdir)
    return dirs


def test_a_checkout_path_with_a_space_runs_the_tiny_config(runs):
    assert (runs[0] / "figures" / "paper_a" / "fig1_batch_size.png").exists()
    assert (runs[0] / "figures" / "B1_trajectories.png").exists()


def test_two_runs_are_byte_identical_html_included(runs):
    one, two = outputs(runs[0]), outputs(runs[1])
    assert one.keys() == two.keys()
    assert "figures/bound_checks.html" in one
    assert [k for k in one if one[k] != two[k]] == []


def jobs_run(result) -> list[str]:
    """The rules of the jobs that ran, from Snakemake's "Finished jobid: N (Rule: name)" lines."""
    return re.findall(r"Finished jobid: \d+ \(Rule: (\w+)\)", result.stdout + result.stderr)


def test_a_flipped_bit_is_named_and_rebuilt(runs):
    workdir = runs[0]
    before = (workdir / CELL).read_bytes()
    data = bytearray(before)
    data[200] ^= 1  # inside the first data page
    (workdir / CELL).write_bytes(bytes(data))
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"integrity: {CELL}: corrupt" in result.stderr
    assert (workdir / CELL).read_bytes() == before
    assert "train_a" in jobs_run(result) and jobs_run(result).count("train_a") == 1


def test_deleted_cell_summary_and_n0_files_are_rebuilt_and_no_unrelated_cell_trains(runs):
    """The deleted paper-A cell, a paper-A summary and paper B's n0 of the l1 cells are rebuilt byte-identical.
    Snakemake reruns every consumer of a file that a job of this run produced ("updated by another job"), so
    the two l1 cells of paper B retrain too (identically); no other cell trains."""
    workdir = runs[0]
    before = {path: (workdir / path).read_bytes() for path in (CELL, SUMMARY, N0)}
    for path in before:
        (workdir / path).unlink()
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    ran = jobs_run(result)
    assert ran.count("train_a") == 1 and ran.count("n0_b") == 1 and ran.count("train_b") == 2, ran
    assert ran.count("summarize_a") == 2  # CELL's experiment and the deleted summary
    for path, data in before.items():
        assert (workdir / path).read_bytes() == data, path


def test_growing_the_grid_by_a_near_duplicate_is_rejected_and_cells_untouched(runs):
    workdir = runs[1]
    before = outputs(workdir)
    config = yaml.safe_load(SMOKE_CONFIG.read_text())
    config["paper_a"]["experiments"]["attack_magnitude"]["thetas"].append(0.2500001)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    try:
        result = snakemake(workdir, "--cores", "2")
    finally:
        shutil.copy(SMOKE_CONFIG, workdir / "config.yaml")
    assert result.returncode != 0 and "config error:" in result.stderr and "0.2500001" in result.stderr
    assert outputs(workdir) == before


OTHER_CELL = CELL.replace("/beta=0/", "/beta=0.5/")  # the same experiment's other cell
MILDER_CELL = "results/trajectories/milder_conditions/law=shifted/b=4/adv=none/beta=0/theta=0/data.parquet"


def run_with(workdir: Path, config: dict, *args: str):
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    try:
        result = snakemake(workdir, "--cores", "2", *args)
    finally:
        shutil.copy(SMOKE_CONFIG, workdir / "config.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_a_cell_copied_over_another_cells_path_is_set_aside_and_rebuilt(runs):
    """Before: the copy was trusted (its checksum is intact), the summary dropped a cell and later runs said
    "Nothing to be done". Now its stored spec is compared with the config's spec for its path."""
    workdir = runs[0]
    before = (workdir / CELL).read_bytes()
    shutil.copy(workdir / OTHER_CELL, workdir / CELL)
    plan = snakemake(workdir, "--dry-run")
    assert f"integrity: {CELL}: stale: written for another cell spec" in plan.stderr and "a real run" in plan.stderr
    assert (workdir / CELL).read_bytes() == (workdir / OTHER_CELL).read_bytes()  # a dry run moves nothing
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"integrity: {CELL}: stale: written for another cell spec" in result.stderr
    assert (workdir / CELL).read_bytes() == before and jobs_run(result).count("train_a") == 1
    assert (workdir / CELL).with_name(".data.parquet.stale").is_file()  # kept for inspection


def test_a_cell_of_another_config_is_rebuilt_even_without_snakemakes_records(runs):
    """A cell written under `shift: 2.0` copied into a `shift: 1.5` run, after `rm -rf .snakemake`: rebuilt
    (before: kept, and its consumers rerun on it). The cell's path does not name the law's parameters."""
    workdir = runs[0]
    original = (workdir / MILDER_CELL).read_bytes()
    config = yaml.safe_load(SMOKE_CONFIG.read_text())
    config["laws"]["shifted"]["shift"] = 2.0
    changed = run_with(workdir, config)
    assert jobs_run(changed).count("train_a") == 1 and f"integrity: {MILDER_CELL}: stale" in changed.stderr
    other_config_cell = (workdir / MILDER_CELL).read_bytes()
    assert other_config_cell != original
    shutil.rmtree(workdir / ".snakemake")
    back = snakemake(workdir, "--cores", "2")
    assert back.returncode == 0 and jobs_run(back).count("train_a") == 1, back.stderr[-3000:]
    (workdir / MILDER_CELL).write_bytes(other_config_cell)
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"integrity: {MILDER_CELL}: stale: written for another cell spec" in result.stderr
    assert (workdir / MILDER_CELL).read_bytes() == original and jobs_run(result).count("train_a") == 1


def test_a_checks_change_without_snakemakes_records_rebuilds_the_verdicts(runs):
    """`checks.z` changed after `rm -rf .snakemake`: every experiment's aggregates are rebuilt (before: nothing
    reran, and the table kept the old z); set back, they are rebuilt again, byte-identical to the first run."""
    workdir = runs[0]
    bounds = workdir / "results" / "bounds" / "milder_conditions.parquet"
    original = bounds.read_bytes()
    shutil.rmtree(workdir / ".snakemake")
    config = yaml.safe_load(SMOKE_CONFIG.read_text())
    config["checks"]["z"] = 2.5
    changed = run_with(workdir, config)
    ran = jobs_run(changed)
    assert "train_a" not in ran and "train_b" not in ran and ran.count("check_a") == 4, ran
    assert "integrity: results/bounds/milder_conditions.parquet: stale: built under another config" in changed.stderr
    assert bounds.read_bytes() != original
    shutil.rmtree(workdir / ".snakemake")
    back = snakemake(workdir, "--cores", "2")
    assert back.returncode == 0, back.stderr[-3000:]
    assert bounds.read_bytes() == original


def test_an_oversized_cell_is_refused_with_its_estimate(tmp_path):
    config = yaml.safe_load(SMOKE_CONFIG.read_text())
    config["limits"] = {"max_mem_mb": 200}  # below what any job declares (the interpreter alone is 250 MB)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "--cores", "1", "--dry-run")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "is estimated to need" in result.stderr and "MB of memory" in result.stderr
    assert "'limits.max_mem_mb'" in result.stderr and not (tmp_path / "results").exists()
    config = yaml.safe_load(SMOKE_CONFIG.read_text())
    config["paper_a"]["experiments"]["batch_size"]["batch_sizes"] = [10**6]  # years of compute at 10^6 steps
    config["paper_a"]["experiments"]["batch_size"]["iterations"] = 10**6
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "--cores", "1", "--dry-run")
    assert result.returncode != 0 and "Traceback" not in result.stderr and "is estimated to need" in result.stderr
    assert "'limits.max_runtime_min'" in result.stderr and not (tmp_path / "results").exists()
