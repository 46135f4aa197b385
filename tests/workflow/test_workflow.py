"""The workflow end to end through real Snakemake: the default grid's plan, and a real run of
the tiny config asserting on the Parquet it wrote, the figures, and a rerun that does nothing."""

import math
import re
import shutil

import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REPO, SMOKE_CONFIG, snakemake

from relu_lib import config as relu_config
from relu_lib.io import read_json, read_table
from relu_lib.paper_a import grid as paper_a_grid
from relu_lib.paper_a.trainer import RUNS, checkpoints
from relu_lib.paper_a.trainer import TRAJECTORY_COLUMNS as A_COLUMNS
from relu_lib.paper_b import grid as paper_b_grid
from relu_lib.paper_b.trainer import TRAJECTORY_COLUMNS as B_COLUMNS
from relu_lib.provenance import fingerprint
from relu_lib.verdicts import VERDICTS, CheckRow

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def job_counts(output: str) -> dict:
    table = output.split("Job stats:")[1]
    return {m[0]: int(m[1]) for m in re.findall(r"^(\w+)\s+(\d+)$", table, re.M)}


def test_default_config_dry_run_plans_one_train_job_per_cell(tmp_path):
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    result = snakemake(tmp_path, "--dry-run", "--cores", "2")
    assert result.returncode == 0, result.stderr
    cells = paper_a_grid.cells(relu_config.load(yaml.safe_load((REPO / "config.yaml").read_text())))
    counts = job_counts(result.stdout)
    assert counts["train_a"] == sum(len(c) for c in cells.values())
    assert counts["law_constants"] == 7  # six laws and normal_small_step (eta = 0.01, figure A7)
    cells_b = paper_b_grid.cells(relu_config.load(yaml.safe_load((REPO / "config.yaml").read_text())))
    assert counts["train_b"] == sum(len(c) for c in cells_b.values())
    assert counts["n0_b"] == 6  # {l0, l1} x three (s, d); B1's (l0, 20, 1000) is shared
    assert counts["check_b"] == 2 and counts["figure_b1"] == counts["figure_b2"] == 1
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("paper", ["paper_a", "paper_b"])
def test_a_config_with_one_paper_plans_only_its_jobs(tmp_path, paper):
    config = yaml.safe_load(SMOKE_CONFIG.read_text())
    del config[paper]
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "--dry-run", "--cores", "2")
    assert result.returncode == 0, result.stderr
    counts = job_counts(result.stdout)
    assert ("train_a" in counts) == (paper == "paper_b") and ("train_b" in counts) == (paper == "paper_a")


def smoke_cells(expand=paper_a_grid.cells):
    """(experiment, cell id, spec) of every cell of the tiny config, for one paper's expansion."""
    config = relu_config.load(yaml.safe_load(SMOKE_CONFIG.read_text()))
    return [(exp, cell, spec) for exp, cells in expand(config).items() for cell, spec in cells.items()]


@pytest.mark.parametrize("experiment,cell,spec", smoke_cells(), ids=[f"{e}/{c}" for e, c, _ in smoke_cells()])
def test_cell_parquet_content(smoke_run, experiment, cell, spec):
    path = smoke_run / "results" / "trajectories" / experiment / cell / "data.parquet"
    table, meta = read_table(path, required=A_COLUMNS)
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


@pytest.mark.parametrize(
    "name",
    [
        "A1_realizable",
        "A5_tron_vs_sgd",
        "A3_poisoned_random_sign",
        "A3_poisoned_aligned",
        "B1_trajectories",
        "B2_sample_complexity",
    ],
)
def test_figures_are_written(smoke_run, name):
    png = smoke_run / "figures" / f"{name}.png"
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 20_000
    assert (smoke_run / "figures" / f"{name}.pdf").read_bytes()[:4] == b"%PDF"


def smoke_cells_b():
    return smoke_cells(paper_b_grid.cells)


@pytest.mark.parametrize("experiment,cell,spec", smoke_cells_b(), ids=[f"{e}/{c}" for e, c, _ in smoke_cells_b()])
def test_paper_b_cell_parquet_content(smoke_run, experiment, cell, spec):
    path = smoke_run / "results" / "trajectories" / experiment / cell / "data.parquet"
    table, meta = read_table(path, required=B_COLUMNS)
    assert table.num_rows == 2 * spec["trials"] * (spec["iterations"] + 1)
    assert table.schema.field("error").type == "double"
    rows = table.to_pandas()
    assert set(rows["observation"].astype(str)) == {"relu", "linear"}
    assert set(rows["step"]) == set(range(spec["iterations"] + 1))
    assert (rows.loc[rows["step"] == 0, "error"] == 1.0).all()  # w_0 = 0, ||w*|| = 1
    assert meta["cell"] == spec
    n0 = read_json(
        smoke_run / "results" / "n0" / f"constraint={spec['constraint']}" / f"s={spec['s']}" / f"d={spec['d']}.json"
    )
    assert meta["n0"] == n0["n0"] and meta["n0_se"] == n0["n0_se"]
    expected_n = spec["n"] if spec["n"] is not None else math.floor(spec["ratio"] * n0["n0"] + 0.5)
    assert meta["n"] == expected_n and (rows["n"] == expected_n).all()
    assert meta["ratio"] == pytest.approx(expected_n / n0["n0"])
    assert len(meta["first_step"]["along"]) == spec["trials"]
    assert meta["provenance"]["code_fingerprint"] == fingerprint("relu_lib.paper_b.trainer")


def test_paper_b_trajectories_read_as_one_hive_table(smoke_run):
    table = pq.read_table(smoke_run / "results" / "trajectories" / "sample_complexity")
    assert {"constraint", "s", "d", "ratio", "n", "observation", "seed", "step", "error"} <= set(table.column_names)
    assert set(table.column("constraint").to_pylist()) == {"l0", "l1"}
    b1 = pq.read_table(smoke_run / "results" / "trajectories" / "trajectories")
    assert set(b1.column("samples").to_pylist()) == {"40", "80"} or set(b1.column("samples").to_pylist()) == {40, 80}


def test_c50_c90_table(smoke_run):
    table, _ = read_table(smoke_run / "results" / "summary" / "sample_complexity_c50_c90.parquet")
    frame = table.to_pandas()
    assert {"constraint", "s", "d", "n0", "observation", "criterion", "c50", "c90", "c50_note", "c90_note"} <= set(
        frame
    )
    assert len(frame) == 2 * 2 * 2  # constraint x observation x criterion, one (s, d)
    text = (smoke_run / "figures" / "B_sample_complexity.md").read_text()
    assert text.startswith("# Paper B") and "| l0 | 3 | 60 |" in text and "| l1 | 3 | 60 |" in text


@pytest.mark.parametrize("experiment", ["trajectories", "sample_complexity"])
def test_paper_b_bound_rows(smoke_run, experiment):
    table, meta = read_table(smoke_run / "results" / "bounds" / f"{experiment}.parquet")
    frame = table.to_pandas()
    assert list(frame.columns) == [f for f in CheckRow.__dataclass_fields__ if f != "extra"]
    cells = [c for e, c, _ in smoke_cells_b() if e == experiment]
    assert len(frame) == 4 * len(cells) and set(frame["cell"]) == set(cells)
    assert frame.groupby("check").size().to_dict() == {
        "B envelope": len(cells),
        "B first step": 2 * len(cells),
        "B rate": len(cells),
    }
    assert (frame["paper"] == "B").all() and set(frame["verdict"].astype(str)) <= set(VERDICTS)
    assert frame["observed"].notna().all() and (frame["reason"] != "").all()
    assert (frame.loc[frame["check"] == "B first step", "verdict"] != "not_applicable").all()
    if experiment == "sample_complexity":  # n/n0 = 32 is at or above the measured c90: judged rows
        applicable = frame[(frame["check"] == "B rate") & (frame["verdict"] != "not_applicable")]
        assert not applicable.empty and applicable["cell"].str.endswith("ratio=32").all()
        assert applicable["reason"].str.contains("the largest measured c90").all()


def test_second_invocation_has_nothing_to_do(smoke_run):
    result = snakemake(smoke_run, "--dry-run", "--cores", "2")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr
