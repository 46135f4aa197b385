"""The authors' variants are named config options with clear errors (schema enums from the registries)."""

import pytest
import yaml
from conftest import SMOKE_CONFIG

from relu_lib import config as relu_config
from relu_lib.errors import UserError
from relu_lib.paper_a import grid


def smoke(**poisoning):
    config = yaml.safe_load(SMOKE_CONFIG.read_text())
    config["paper_a"]["experiments"]["poisoning"].update(poisoning)
    return config


def test_new_options_are_accepted_and_reach_the_cell_spec():
    config = relu_config.load(smoke(adversaries=["uniform"], algorithms=["tron", "sgd", "sgd_first_sample"]))
    cells = grid.cells(config)["poisoning"]
    assert cells and all(s["algorithms"] == ["tron", "sgd", "sgd_first_sample"] for s in cells.values())
    assert all("algorithms" not in s for s in grid.cells(config)["realizable"].values())  # default cells unchanged


@pytest.mark.parametrize(
    "key,value,words",
    [
        ("algorithms", ["tron", "sgd", "sgd_last_sample"], ["sgd_first_sample"]),
        ("adversaries", ["gaussian"], ["uniform", "random_sign"]),
        ("algorithms", ["tron", "sgd_first_sample"], ["every cell runs tron and sgd"]),
    ],
)
def test_unknown_or_incomplete_options_name_the_allowed_values(key, value, words):
    with pytest.raises(UserError) as err:
        relu_config.load(smoke(**{key: value}))
    assert all(w in str(err.value) for w in words), str(err.value)
