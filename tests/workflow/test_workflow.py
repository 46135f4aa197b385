"""The workflow end to end through real Snakemake: the default grid's plan, and a real run of
the tiny config asserting on the Parquet it wrote, the figures, and a rerun that does nothing."""

import math
import re
import shutil

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REPO, SMOKE_CONFIG, snakemake

from relu_lib import config as relu_config
from relu_lib.io import read_json, read_table
from relu_lib.paper_a import checks as paper_a_checks
from relu_lib.paper_a.cell import ALGORITHMS, CellSpec
from relu_lib.paper_a.study import FIGURES as A_FIGURES
from relu_lib.paper_a.summary import SUMMARY_COLUMNS
from relu_lib.paper_a.trainer import COLUMNS as A_COLUMNS
from relu_lib.paper_a.trainer import recorded_steps
from relu_lib.paper_b.trainer import TRAJECTORY_COLUMNS as B_COLUMNS
from relu_lib.provenance import fingerprint
from relu_lib.verdicts import VERDICTS, CheckRow

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EXPERIMENTS_A = ("batch_size", "attack_probability", "attack_magnitude", "milder_conditions")


def job_counts(output: str) -> dict:
    table = output.split("Job stats:")[1]
    return {m[0]: int(m[1]) for m in re.findall(r"^(\w+)\s+(\d+)$", table, re.M)}


def study_cells(path, study: str) -> dict:
    """{experiment: {cell id: spec}} of one study of a config file."""
    return relu_config.cells(relu_config.load(yaml.safe_load(path.read_text())))[study]


def test_default_config_dry_run_plans_one_train_job_per_cell(tmp_path):
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    result = snakemake(tmp_path, "--dry-run", "--cores", "2")
    assert result.returncode == 0, result.stderr
    counts = job_counts(result.stdout)
    cells = study_cells(REPO / "config.yaml", "paper_a")
    assert set(cells) == set(EXPERIMENTS_A)
    assert counts["train_a"] == sum(len(c) for c in cells.values())
    assert counts["summarize_a"] == counts["check_a"] == len(EXPERIMENTS_A)
    for figure in A_FIGURES:  # one rule per declared figure, each planned once
        assert counts[f"figure_a_{figure.id}"] == 1, figure.id
    cells_b = study_cells(REPO / "config.yaml", "paper_b")
    assert counts["train_b"] == sum(len(c) for c in cells_b.values())
    assert counts["n0_b"] == 6  # {l0, l1} x three (s, d); B1's (l0, 20, 1000) is shared
    assert counts["check_b"] == 2 and counts["figure_b1"] == counts["figure_b2"] == 1
    assert counts["tails_train"] == len(study_cells(REPO / "config.yaml", "tails")["tails"])
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
    assert any(rule.startswith("figure_a_") for rule in counts) == (paper == "paper_b")


def smoke_cells(study: str = "paper_a"):
    """(experiment, cell id, spec) of every cell of one study of the tiny config."""
    return [
        (exp, cell, spec) for exp, cells in study_cells(SMOKE_CONFIG, study).items() for cell, spec in cells.items()
    ]


@pytest.mark.parametrize("experiment,cell,spec", smoke_cells(), ids=[f"{e}/{c}" for e, c, _ in smoke_cells()])
def test_cell_parquet_content(smoke_run, experiment, cell, spec):
    path = smoke_run / "results" / "trajectories" / experiment / cell / "data.parquet"
    table, meta = read_table(path, required=A_COLUMNS)
    assert table.column_names == list(A_COLUMNS)
    steps = recorded_steps(CellSpec.from_json(spec))
    assert steps[0] == 0 and steps[-1] == spec["iterations"] and len(steps) <= spec["checkpoints"]
    assert table.num_rows == len(steps) * len(ALGORITHMS) * spec["runs"]
    for column in ("error", "along_u", "along_v", "w_star_norm"):
        assert table.schema.field(column).type == "double", column
    rows = table.to_pandas()
    assert set(rows["algorithm"].astype(str)) == set(ALGORITHMS)
    assert set(rows["run"]) == set(range(spec["runs"]))
    assert set(rows["step"]) == set(steps.tolist())
    assert not rows["diverged"].any() and rows["error"].notna().all()
    first = rows[rows["step"] == 0]
    assert (first["error"] > 0).all() and (rows["w_star_norm"] > 0).all()
    # both algorithms start from the same w_1; at the start Delta lies in the plane of u and v
    by_algorithm = {a: g.sort_values("run") for a, g in first.groupby(first["algorithm"].astype(str))}
    for column in ("error", "along_u", "along_v", "w_star_norm"):
        np.testing.assert_array_equal(by_algorithm["alg2"][column].to_numpy(), by_algorithm["sgd"][column].to_numpy())
    np.testing.assert_allclose(first["error"] ** 2, first["along_u"] ** 2 + first["along_v"] ** 2, rtol=1e-9)
    assert (rows["error"] ** 2 >= (rows["along_u"] ** 2 + rows["along_v"] ** 2) * (1 - 1e-9)).all()
    if spec["start"] == "fixed":  # the runs share one (w*, w_1)
        assert first["error"].nunique() == 1 and rows["w_star_norm"].nunique() == 1
    else:
        assert first["error"].nunique() == spec["runs"]
    assert meta["study"] == "paper_a" and meta["cell"] == spec
    assert list(meta["recorded_steps"]) == steps.tolist()
    assert {"start", "algorithms", "labels", "attack", "sampler", "law"} <= set(meta["conventions"])
    prov = meta["provenance"]
    assert prov["code_fingerprint"] == fingerprint("relu_lib.paper_a.trainer") and prov["config_hash"]
    assert prov["version"] and set(prov["libraries"]) >= {"numpy", "pandas", "pyarrow", "snakemake"}


def test_trajectories_read_as_one_hive_table(smoke_run):
    table = pq.read_table(smoke_run / "results" / "trajectories" / "milder_conditions")
    assert {"law", "b", "adv", "beta", "theta", *A_COLUMNS} <= set(table.column_names)
    assert set(table.column("law").to_pylist()) == {"shifted", "student_t"}
    assert set(table.column("adv").to_pylist()) == {"none"}
    probability = pq.read_table(smoke_run / "results" / "trajectories" / "attack_probability")
    assert set(probability.column("adv").to_pylist()) == {"alternating"}


@pytest.mark.parametrize("experiment", EXPERIMENTS_A)
def test_summary_has_the_mean_error_and_its_band_per_cell(smoke_run, experiment):
    summary, meta = read_table(smoke_run / "results" / "summary" / f"{experiment}.parquet")
    frame = summary.to_pandas()
    assert list(frame.columns) == list(SUMMARY_COLUMNS)
    cells = study_cells(SMOKE_CONFIG, "paper_a")[experiment]
    assert meta["cells"] == len(cells)
    steps = {len(recorded_steps(CellSpec.from_json(spec))) for spec in cells.values()}
    assert len(frame) == len(cells) * len(ALGORITHMS) * steps.pop() and not steps
    assert set(frame["algorithm"].astype(str)) == set(ALGORITHMS)
    assert (frame["runs"] == 32).all() and (frame["diverged_fraction"] == 0).all()
    assert (frame["q10"] <= frame["q90"]).all() and (frame["mean_error"] > 0).all()
    assert (frame["mean_sq"] >= frame["mean_error"] ** 2 * (1 - 1e-12)).all()
    later = frame[frame["step"] > 0]  # at step 0 the runs of a fixed start agree: a standard error of 0
    assert (later["mean_error_se"] > 0).all() and (frame["mean_error_se"] >= 0).all()


@pytest.mark.parametrize("experiment", EXPERIMENTS_A)
def test_paper_a_bound_rows(smoke_run, experiment):
    """Every cell has its verdict rows: the exact Gaussian recursion (N(0, I) cells) or the any-law recursion
    (the non-Gaussian laws of milder_conditions, realizable with a fixed start); and its theory curve."""
    table, meta = read_table(smoke_run / "results" / "bounds" / f"{experiment}.parquet")
    frame = table.to_pandas()
    assert list(frame.columns) == [f for f in CheckRow.__dataclass_fields__ if f != "extra"]
    cells = study_cells(SMOKE_CONFIG, "paper_a")[experiment]
    assert set(frame["cell"]) == set(cells) and (frame["paper"] == "A").all()
    assert (frame["experiment"] == experiment).all() and set(frame["verdict"].astype(str)) <= set(VERDICTS)
    gaussian = experiment != "milder_conditions"
    families = (
        {paper_a_checks.EXACT, paper_a_checks.EXACT_U, paper_a_checks.EXACT_V}
        if gaussian
        else {paper_a_checks.ANY_MEAN, paper_a_checks.ANY_SECOND}
    )
    for cell in cells:
        assert families <= set(frame.loc[frame["cell"] == cell, "check"]), cell
    moments = frame[frame["check"].isin(families)]  # the moment rows: Algorithm 2's, every one judged
    assert (moments["run"] == "alg2").all() and moments["observed"].notna().all()
    assert (moments["verdict"].astype(str) != "not_applicable").all()
    assert (frame.loc[frame["verdict"].astype(str) == "not_applicable", "reason"] != "").all()
    curves = read_table(smoke_run / "results" / "curves" / f"{experiment}.parquet")[0].to_pandas()
    assert set(curves["cell"]) == set(cells) and (curves["exact_rms"] > 0).all()


@pytest.mark.parametrize("figure", A_FIGURES, ids=[f.stem for f in A_FIGURES])
def test_paper_a_figures_are_written(smoke_run, figure):
    folder = smoke_run / "figures" / "paper_a"
    if figure.kind == "table":  # a Markdown table (the paper's values against the simulation and the theory)
        assert (folder / f"{figure.stem}.md").read_text().lstrip().startswith(("#", "|")), figure.stem
        return
    png = folder / f"{figure.stem}.png"
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 20_000
    assert (folder / f"{figure.stem}.pdf").read_bytes()[:4] == b"%PDF"


@pytest.mark.parametrize("name", ["B1_trajectories", "B2_sample_complexity"])
def test_figures_are_written(smoke_run, name):
    png = smoke_run / "figures" / f"{name}.png"
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 20_000
    assert (smoke_run / "figures" / f"{name}.pdf").read_bytes()[:4] == b"%PDF"


def smoke_cells_b():
    return smoke_cells("paper_b")


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
    whole = table.to_pandas()
    assert list(whole.columns) == [f for f in CheckRow.__dataclass_fields__ if f != "extra"]
    on_fresh = whole["quantity"].str.contains("fresh trials")
    frame, fresh = whole[~on_fresh], whole[on_fresh]
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
        # one (s, d) per constraint: its envelope and rate on fresh trials at the smallest grid n/n0 >= c
        assert sorted(fresh["check"]) == ["B envelope", "B envelope", "B rate", "B rate"]
        assert set(fresh["cell"]) <= set(cells) and (fresh["verdict"] != "not_applicable").all()
        in_sample = frame[(frame["check"] == "B envelope") & frame["cell"].isin(set(fresh["cell"]))]
        assert (in_sample["verdict"] == "not_applicable").all() and in_sample["reason"].str.contains("in sample").all()
    else:
        assert fresh.empty


def test_second_invocation_has_nothing_to_do(smoke_run):
    result = snakemake(smoke_run, "--dry-run", "--cores", "2")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr
