"""A cell re-simulated from its Parquet file alone (relu_lib.resimulate) reproduces its rows bit for bit."""

import subprocess
import sys

import pytest
from conftest import REPO

from relu_lib.io import read_metadata, write_json
from relu_lib.paper_a.cell import CellSpec
from relu_lib.paper_a.trainer import recorded_steps
from relu_lib.paper_a.trainer import train_to_parquet as train_a
from relu_lib.paper_b.trainer import train_to_parquet as train_b
from relu_lib.resimulate import compare


def paper_a_spec(law: dict, sampler: str) -> dict:
    return CellSpec(
        experiment="attack_probability",
        law_name=law["family"],
        law=law,
        b=4,
        attack="alternating",
        beta=0.5,
        theta=0.5,
        beta_threshold=float("-inf"),
        eta=0.05,
        iterations=120,
        runs=5,
        checkpoints=10,
        start="per_run",
        sampler=sampler,
        master_seed=3,
        w_star_scale=1.0,
        start_scale=1.0,
    ).to_json()


@pytest.mark.parametrize(
    "law, sampler",
    [
        ({"family": "mixture", "d": 6, "mean_norm": 2.0}, "full"),
        ({"family": "normal", "d": 8, "sigma": 1.0}, "projected"),
    ],
    ids=["full-sampler", "projected-sampler"],
)
def test_paper_a_cell_is_reproduced(tmp_path, law, sampler):
    spec = paper_a_spec(law, sampler)
    path = tmp_path / "cell.parquet"
    train_a(spec, path)
    meta = read_metadata(path)
    assert meta["study"] == "paper_a" and meta["cell"] == spec  # the file alone says how to rerun it
    steps = recorded_steps(CellSpec.from_json(spec))
    assert list(meta["recorded_steps"]) == steps.tolist() and steps[-1] == 120
    assert meta["conventions"]["sampler"].startswith(f"{sampler}:") and meta["conventions"]["law"]
    result = compare(path)
    assert result.paper == "A" and result.identical, result.detail
    assert result.rows == 2 * 5 * len(steps)
    if sampler == "projected":
        return  # the script once is enough (a fresh interpreter: about a second)
    out = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "resimulate.py"), "--no-config", str(path)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0 and "bit-identical" in out.stdout, out.stderr


def test_paper_b_cell_is_reproduced(tmp_path):
    spec = {
        "experiment": "sample_complexity",
        "constraint": "l1",
        "s": 3,
        "d": 40,
        "n": None,
        "ratio": 4.0,
        "trials": 3,
        "iterations": 8,
        "master_seed": 5,
    }
    n0 = tmp_path / "n0.json"
    write_json(n0, {"constraint": "l1", "s": 3, "d": 40, "n0": 20.5, "n0_se": 0.0, "method": "exact"})
    path = tmp_path / "cell.parquet"
    train_b(spec, n0, path)
    meta = read_metadata(path)
    assert len(meta["w_star_support"]) == 3 and len(meta["l1_radius"]) == 3
    result = compare(path)
    assert result.identical, result.detail


def resimulate(*args: str) -> subprocess.CompletedProcess:
    script = REPO / "scripts" / "resimulate.py"
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=60)


def test_resimulate_help_prints_the_usage():
    out = resimulate("--help")  # before: taken as a file name ("error: --help: not a readable Parquet file")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: resimulate.py [-h] [--config FILE] [--no-config]"), out.stdout
    assert "Exit status 0 if every file is reproduced bit-identically" in out.stdout


def test_resimulate_without_a_file_is_a_usage_error():
    out = resimulate()  # before: exit status 0 and no output
    assert out.returncode == 2 and out.stdout == "", (out.returncode, out.stdout)
    assert out.stderr.startswith("usage: resimulate.py") and "the following arguments are required: CELL_FILE" in (
        out.stderr
    ), out.stderr


def smoke_run_with_a_misplaced_cell(tmp_path):
    """A run folder of the tiny config holding one paper-A cell written for another cell's spec at its path."""
    import shutil

    from conftest import SMOKE_CONFIG

    from relu_lib import config as relu_config
    from relu_lib.paper_a.study import STUDY
    from relu_lib.results import load_config

    shutil.copy(SMOKE_CONFIG, tmp_path / "config.yaml")
    grid = relu_config.cells(load_config(tmp_path / "config.yaml"))["paper_a"]["attack_probability"]
    (one, spec_one), (two, _) = list(grid.items())[:2]
    train_a(spec_one, tmp_path / STUDY.file_of("attack_probability", one))
    misplaced = tmp_path / STUDY.file_of("attack_probability", two)
    misplaced.parent.mkdir(parents=True)
    shutil.copy(tmp_path / STUDY.file_of("attack_probability", one), misplaced)
    return tmp_path / STUDY.file_of("attack_probability", one), misplaced


def test_resimulate_refuses_a_misplaced_cell_and_a_file_outside_the_run(tmp_path):
    """Before: a file copied over another cell's path was reported "bit-identical" (it is, to itself)."""
    good, misplaced = smoke_run_with_a_misplaced_cell(tmp_path)
    from relu_lib.errors import UserError
    from relu_lib.resimulate import expected_cell

    assert compare(good, expected_cell(good, tmp_path / "config.yaml", tmp_path)).identical
    with pytest.raises(UserError, match="stale: written for another cell spec"):
        compare(misplaced, expected_cell(misplaced, tmp_path / "config.yaml", tmp_path))
    stray = tmp_path / "results" / "elsewhere.parquet"
    stray.write_bytes(good.read_bytes())
    with pytest.raises(UserError, match="not a cell file of this config"):
        expected_cell(stray, tmp_path / "config.yaml", tmp_path)
    out = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "resimulate.py"), str(misplaced.relative_to(tmp_path))],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert out.returncode == 2 and out.stderr.startswith("error: ") and "stale" in out.stderr, out.stderr
