"""relu_lib.results on the tiny run: only the current config's cells, numeric grid columns of one type in
every experiment, and a clear error naming the missing cells of an incomplete run."""

from __future__ import annotations

import copy
import shutil

import pandas as pd
import pytest
import yaml
from conftest import SMOKE_CONFIG

from relu_lib import results
from relu_lib.errors import UserError

EXPERIMENTS = ["realizable", "batch_scaling", "poisoning", "trajectories", "sample_complexity"]
LEFTOVER = "law=normal/b=4/adv=random_sign/beta=0.5/theta=0.75"  # a θ of an earlier config


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load(SMOKE_CONFIG.read_text())


@pytest.fixture(scope="module")
def run(smoke_run, tmp_path_factory):
    """A copy of the tiny run's results with one cell file of an earlier config left in the folder."""
    root = tmp_path_factory.mktemp("results-api")
    shutil.copytree(smoke_run / "results", root / "results")
    shutil.copytree(
        root / "results/trajectories/poisoning/law=normal/b=4/adv=random_sign/beta=0.5/theta=0.5",
        root / "results/trajectories/poisoning" / LEFTOVER,
    )
    return root


def test_trajectories_are_the_config_cells_only(run, config):
    raw = pd.read_parquet(run / "results/trajectories/poisoning")  # the trap: the leftover cell is in
    assert (raw["theta"].astype(str) == "0.75").any()
    frame = results.trajectories("poisoning", config, run)
    cells = results.cell_ids("poisoning", config)
    assert LEFTOVER not in cells and len(cells) == 12
    assert set(zip(frame["law"], frame["b"], frame["adversary"], frame["beta"], frame["theta"], strict=False)) == {
        (c["law"], c["b"], c["adv"], float(c["beta"]), float(c["theta"])) for c in map(_parse, cells)
    }
    assert 0.75 not in set(frame["theta"])
    assert len(frame) == len(raw) - len(raw[raw["theta"].astype(str) == "0.75"])


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
    smaller["paper_a"]["experiments"]["poisoning"]["laws"] = ["normal"]
    for loader in (results.trajectories, results.summaries, results.verdicts):
        frame = loader("poisoning", smaller, run)
        assert set(frame["law"]) == {"normal"}, loader.__name__


def test_a_missing_cell_is_named(run, config):
    grown = copy.deepcopy(config)
    grown["paper_a"]["experiments"]["poisoning"]["attacks"].append({"beta": [0.1], "theta": [0.9]})
    for loader in (results.trajectories, results.summaries, results.verdicts):
        with pytest.raises(UserError, match=r"4 cell\(s\) of experiment 'poisoning'.*theta=0\.9.*incomplete"):
            loader("poisoning", grown, run)
    with pytest.raises(UserError, match="experiment 'nope' is not in the config"):
        results.trajectories("nope", config, run)


def test_a_config_file_path_is_accepted(run):
    frame = results.verdicts("sample_complexity", SMOKE_CONFIG, run)
    assert set(frame["constraint"]) == {"l0", "l1"} and frame["ratio"].dtype == "float64"
