"""The workflow end to end through real Snakemake: the default grid's plan, and a real run of
the tiny config asserting on the Parquet it wrote, the figures, and a rerun that does nothing."""

import re
import shutil

import pyarrow.parquet as pq
import pytest
import yaml

from conftest import REPO, SMOKE_CONFIG, snakemake
from relu_lib import config as relu_config
from relu_lib.io import TRAJECTORY_COLUMNS, read_table
from relu_lib.train import RUNS, checkpoints

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def job_counts(output: str) -> dict:
    table = output.split("Job stats:")[1]
    return {m[0]: int(m[1]) for m in re.findall(r"^(\w+)\s+(\d+)$", table, re.M)}


def test_default_config_dry_run_plans_one_train_job_per_cell(tmp_path):
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    result = snakemake(tmp_path, "--dry-run", "--cores", "2")
    assert result.returncode == 0, result.stderr
    cells = relu_config.paper_a_cells(relu_config.load(yaml.safe_load((REPO / "config.yaml").read_text())))
    counts = job_counts(result.stdout)
    assert counts["train_a"] == sum(len(c) for c in cells.values())
    assert counts["law_constants"] == 6
    assert not (tmp_path / "results").exists()


def smoke_cells():
    config = relu_config.load(yaml.safe_load(SMOKE_CONFIG.read_text()))
    return [(exp, cell, spec) for exp, cells in relu_config.paper_a_cells(config).items()
            for cell, spec in cells.items()]


@pytest.mark.parametrize("experiment,cell,spec", smoke_cells(), ids=[f"{e}/{c}" for e, c, _ in smoke_cells()])
def test_cell_parquet_content(smoke_run, experiment, cell, spec):
    path = smoke_run / "results" / "trajectories" / experiment / cell / "data.parquet"
    table, meta = read_table(path, required=TRAJECTORY_COLUMNS)
    steps = checkpoints(meta["iterations"], spec["checkpoints"])
    if spec["iterations"] != "auto":
        assert meta["iterations"] == spec["iterations"]
    assert table.num_rows == len(steps) * len(RUNS) * spec["seeds"]
    assert table.schema.field("error").type == "double"
    rows = table.to_pandas()
    assert set(rows["step"]) == set(steps.tolist())
    assert not rows["diverged"].any() and rows["error"].notna().all()
    assert (rows.loc[rows["step"] == 0, "error"] > 0).all()
    assert meta["cell"] == spec
    assert meta["eta"] > 0 and len(meta["w_star"]) == spec["law"]["d"]
    assert set(meta["constants"]) >= {"lambda1", "lambda2", "lambda3", "e_norm", "e_norm2"}
    prov = meta["provenance"]
    assert prov["code_fingerprint"] and prov["config_hash"] and prov["version"]
    assert set(prov["libraries"]) >= {"numpy", "pandas", "pyarrow", "snakemake"}


def test_trajectories_read_as_one_hive_table(smoke_run):
    table = pq.read_table(smoke_run / "results" / "trajectories" / "poisoning")
    assert {"law", "b", "adv", "beta", "theta"} <= set(table.column_names)
    assert set(table.column("adv").to_pylist()) == {"random_sign", "aligned"}


def test_summary_has_quantiles_per_cell(smoke_run):
    summary, _ = read_table(smoke_run / "results" / "summary" / "realizable.parquet")
    frame = summary.to_pandas()
    assert {"median", "q10", "q90", "rms", "diverged_fraction", "mean_error"} <= set(frame.columns)
    assert (frame["q10"] <= frame["median"]).all() and (frame["median"] <= frame["q90"]).all()


@pytest.mark.parametrize("name", ["A1_realizable", "A5_tron_vs_sgd", "A3_poisoned_random_sign",
                                  "A3_poisoned_aligned"])
def test_figures_are_written(smoke_run, name):
    png = smoke_run / "figures" / f"{name}.png"
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 20_000
    assert (smoke_run / "figures" / f"{name}.pdf").read_bytes()[:4] == b"%PDF"


def test_second_invocation_has_nothing_to_do(smoke_run):
    result = snakemake(smoke_run, "--dry-run", "--cores", "2")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr

