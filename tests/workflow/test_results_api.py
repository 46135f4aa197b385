"""relu_lib.results on the tiny run: only the current config's cells, numeric grid columns of one type in
every experiment, a clear error naming the missing cells of an incomplete run, a config given as a file, a list
of files or a mapping, and the numbers behind each of paper A's figures."""

from __future__ import annotations

import copy
import shutil

import pandas as pd
import pytest
import yaml
from conftest import SMOKE_CONFIG

from relu_lib import results
from relu_lib.errors import UserError
from relu_lib.paper_a.study import FIGURES

EXPERIMENTS = [
    "batch_size",
    "attack_probability",
    "attack_magnitude",
    "milder_conditions",
    "trajectories",
    "sample_complexity",
]
CELL = "law=normal/b=4/adv=alternating/beta=0.5/theta=0.25"
LEFTOVER = "law=normal/b=4/adv=alternating/beta=0.5/theta=0.75"  # a θ of an earlier config


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load(SMOKE_CONFIG.read_text())


@pytest.fixture(scope="module")
def run(smoke_run, tmp_path_factory):
    """A copy of the tiny run's results with one cell file of an earlier config left in the folder."""
    root = tmp_path_factory.mktemp("results-api")
    shutil.copytree(smoke_run / "results", root / "results")
    shutil.copytree(
        root / "results/trajectories/attack_magnitude" / CELL, root / "results/trajectories/attack_magnitude" / LEFTOVER
    )
    return root


def test_trajectories_are_the_config_cells_only(run, config):
    raw = pd.read_parquet(run / "results/trajectories/attack_magnitude")  # the trap: the leftover cell is in
    assert (raw["theta"].astype(str) == "0.75").any()
    frame = results.trajectories("attack_magnitude", config, run)
    cells = results.cell_ids("attack_magnitude", config)
    assert LEFTOVER not in cells and len(cells) == 2
    assert set(zip(frame["law"], frame["b"], frame["adversary"], frame["beta"], frame["theta"], strict=False)) == {
        (c["law"], c["b"], c["adv"], float(c["beta"]), float(c["theta"])) for c in map(_parse, cells)
    }
    assert 0.75 not in set(frame["theta"])
    assert len(frame) == len(raw) - len(raw[raw["theta"].astype(str) == "0.75"])
    assert {"algorithm", "run", "step", "error", "along_u", "along_v", "w_star_norm", "diverged"} <= set(frame)
    assert set(frame["algorithm"]) == {"alg2", "sgd"}  # plain strings, not the file's dictionary codes


def _parse(cell):
    from relu_lib.cells import parse_cell_id

    return parse_cell_id(cell)


@pytest.mark.parametrize("loader", [results.trajectories, results.summaries, results.verdicts])
def test_grid_columns_are_numeric_and_of_one_type_in_every_experiment(run, config, loader):
    types = {}
    for experiment in EXPERIMENTS:
        frame = loader(experiment, config, run)
        assert len(frame) and frame["cell" if "cell" in frame else frame.columns[0]].notna().all()
        for column in ("b", "beta", "theta", "s", "d", "samples", "ratio"):
            if column in frame:
                assert pd.api.types.is_numeric_dtype(frame[column]), (experiment, column, frame[column].dtype)
                types.setdefault(column, set()).add(str(frame[column].dtype))
    assert all(len(found) == 1 for found in types.values()), types
    assert types["beta"] == {"float64"} and types["b"] == {"int64"}


def test_a_smaller_config_reads_fewer_cells(run, config):
    smaller = copy.deepcopy(config)
    smaller["paper_a"]["experiments"]["milder_conditions"]["laws"] = ["shifted"]
    for loader in (results.trajectories, results.summaries, results.verdicts):
        frame = loader("milder_conditions", smaller, run)
        assert set(frame["law"]) == {"shifted"}, loader.__name__


def test_a_missing_cell_is_named(run, config):
    grown = copy.deepcopy(config)
    grown["paper_a"]["experiments"]["attack_magnitude"]["batch_sizes"] = [4, 8]
    grown["paper_a"]["experiments"]["attack_magnitude"]["thetas"].append(0.9)
    for loader in (results.trajectories, results.summaries, results.verdicts):
        with pytest.raises(UserError, match=r"4 cell\(s\) of experiment 'attack_magnitude'.*theta=0\.9.*incomplete"):
            loader("attack_magnitude", grown, run)
    with pytest.raises(UserError, match="experiment 'nope' is not in the config"):
        results.trajectories("nope", config, run)


def test_a_config_file_path_is_accepted(run):
    frame = results.verdicts("sample_complexity", SMOKE_CONFIG, run)
    assert set(frame["constraint"]) == {"l0", "l1"} and frame["ratio"].dtype == "float64"


def test_a_list_of_config_files_is_merged_as_the_workflow_merges_them(run, tmp_path):
    """config.yaml, then an overlay as `--configfile` would give it: mappings merge, lists are replaced."""
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("paper_a:\n  experiments:\n    attack_probability:\n      betas: [0.5]\n")
    frame = results.verdicts("attack_probability", [SMOKE_CONFIG, overlay], run)
    assert set(frame["beta"]) == {0.5} and set(frame["law"]) == {"normal"}
    assert results.cell_ids("batch_size", [SMOKE_CONFIG, overlay]) == results.cell_ids("batch_size", SMOKE_CONFIG)
    with pytest.raises(UserError, match="no such config file"):
        results.verdicts("attack_probability", [SMOKE_CONFIG, tmp_path / "missing.yaml"], run)
    overlay.write_text("paper_a:\n  experiments:\n    attack_probability:\n      runs: 1\n")  # validated as merged
    with pytest.raises(UserError, match=r"'paper_a\.experiments\.attack_probability\.runs' = 1"):
        results.verdicts("attack_probability", [SMOKE_CONFIG, overlay], run)


FIGURE_COLUMNS = ["figure", "experiment", "algorithm", "parameter", "value", "step", "mean_error", "mean_error_se"]


@pytest.mark.parametrize(
    "figure, experiments, algorithms, parameter",
    [
        ("fig1", {"batch_size"}, {"alg2"}, "b"),
        ("fig2", {"attack_probability"}, {"alg2"}, "beta"),
        ("fig3", {"attack_magnitude"}, {"alg2"}, "theta"),
        ("fig4", {"attack_probability"}, {"sgd"}, "beta"),
        ("fig5", {"attack_magnitude"}, {"sgd"}, "theta"),
        ("alg2_vs_sgd", {"attack_probability", "attack_magnitude"}, {"alg2", "sgd"}, None),
    ],
)
def test_figure_data_is_the_summary_behind_each_figure(run, config, figure, experiments, algorithms, parameter):
    frame = results.figure_data(figure, config, run)
    assert set(FIGURE_COLUMNS) | {"runs"} <= set(frame.columns)
    assert set(frame["figure"]) == {figure} and set(frame["experiment"]) == experiments
    assert set(frame["algorithm"]) == algorithms and (frame["runs"] == 32).all()
    if parameter is not None:
        assert set(frame["parameter"]) == {parameter}
    for experiment in experiments:  # the same numbers as the experiment's summary
        summary = results.summaries(experiment, config, run)
        part = frame[frame["experiment"] == experiment]
        swept = part["parameter"].iloc[0]
        merged = part.merge(
            summary.rename(columns={swept: "value"}), on=["algorithm", "value", "step"], suffixes=("", "_summary")
        )
        assert len(merged) == len(part) > 0
        assert (merged["mean_error"] == merged["mean_error_summary"]).all()


def test_figure_data_names_an_unknown_figure(run, config):
    with pytest.raises(UserError, match="unknown figure 'A1'; paper A's figures: fig1"):
        results.figure_data("A1", config, run)
    assert {f.id for f in FIGURES} >= {"fig1", "fig2", "fig3", "fig4", "fig5", "alg2_vs_sgd", "milder"}


def test_the_api_refuses_a_flipped_bit_a_misplaced_cell_and_a_stale_summary(smoke_run, config, tmp_path):
    """Before: a one-bit flip that io.verify reports came back as 8 changed values, a misplaced file was served
    as the cell its folder names, and a summary of another config was read as this one's."""
    shutil.copytree(smoke_run / "results", tmp_path / "results")
    folder = tmp_path / "results/trajectories/attack_magnitude"
    cell, other = results.cell_ids("attack_magnitude", config)
    assert len(results.trajectories("attack_magnitude", config, tmp_path))
    good = (folder / cell / "data.parquet").read_bytes()
    flipped = bytearray(good)
    flipped[200] ^= 1
    (folder / cell / "data.parquet").write_bytes(bytes(flipped))
    with pytest.raises(UserError, match="corrupt"):
        results.trajectories("attack_magnitude", config, tmp_path)
    shutil.copy(folder / other / "data.parquet", folder / cell / "data.parquet")  # misplaced: another cell's file
    with pytest.raises(UserError, match=f"{cell}/data.parquet: stale: written for another cell spec"):
        results.trajectories("attack_magnitude", config, tmp_path)
    (folder / cell / "data.parquet").write_bytes(good)
    changed = copy.deepcopy(config)
    changed["laws"]["normal"]["sigma"] = 2.0  # the run was not redone under it
    for loader in (results.trajectories, results.summaries, results.verdicts):
        with pytest.raises(UserError, match="stale"):
            loader("attack_magnitude", changed, tmp_path)
    stricter = copy.deepcopy(config)
    stricter["checks"]["z"] = 2.0
    assert len(results.summaries("attack_magnitude", stricter, tmp_path))  # a summary does not depend on checks
    with pytest.raises(UserError, match="judged under other `checks` settings"):
        results.verdicts("attack_magnitude", stricter, tmp_path)
