"""A cell re-simulated from its Parquet file alone (relu_lib.resimulate) reproduces its rows bit for bit."""

import subprocess
import sys

from conftest import REPO

from relu_lib.io import read_metadata, write_json
from relu_lib.paper_a.laws import constants, make_law
from relu_lib.paper_a.trainer import train_to_parquet as train_a
from relu_lib.paper_b.trainer import train_to_parquet as train_b
from relu_lib.resimulate import compare
from relu_lib.seeding import generator


def test_paper_a_cell_with_the_authors_variant_is_reproduced(tmp_path):
    law = {"family": "mixture", "d": 6, "mean_norm": 2.0}
    spec = {
        "experiment": "poisoning",
        "law_name": "mixture",
        "law": law,
        "b": 4,
        "adversary": "alternating",
        "beta": 0.5,
        "theta": 0.5,
        "iterations": 120,
        "seeds": 5,
        "checkpoints": 10,
        "master_seed": 3,
        "step_factor": 0.25,
        "eta": None,
        "w_star_norm": 1.0,
        "start_norm": 1.0,
        "epsilon": 0.05,
        "delta": 0.1,
        "algorithms": ["tron", "sgd", "sgd_first_sample"],
    }
    path = tmp_path / "cell.parquet"
    train_a(spec, constants(make_law(law), 2000, generator(0, "c")), path)
    meta = read_metadata(path)
    assert isinstance(meta["constants"]["lambda2"], float) and len(meta["law_parameters"]["mu"]) == 6
    assert meta["requested_checkpoints"] == 10 and meta["recorded_steps"][-1] == 120
    assert meta["conventions"]["alpha"].startswith("drawn per sample") and len(meta["v"]) == 6
    result = compare(path)
    assert result.identical, result.detail
    out = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "resimulate.py"), str(path)], capture_output=True, text=True
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
    assert out.stdout.startswith("usage: resimulate.py [-h] CELL_FILE [CELL_FILE ...]"), out.stdout
    assert "Exit status 0 if every file is reproduced bit-identically" in out.stdout


def test_resimulate_without_a_file_is_a_usage_error():
    out = resimulate()  # before: exit status 0 and no output
    assert out.returncode == 2 and out.stdout == "", (out.returncode, out.stdout)
    assert out.stderr.startswith("usage: resimulate.py") and "the following arguments are required: CELL_FILE" in (
        out.stderr
    ), out.stderr
