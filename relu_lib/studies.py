"""The registry of studies (relu_lib.study): a new study is one declaration and one line here."""

from __future__ import annotations

from relu_lib.paper_a.statements.study import STUDY as STATEMENTS
from relu_lib.paper_a.study import STUDY as PAPER_A
from relu_lib.paper_a.tails.study import STUDY as TAILS
from relu_lib.paper_b.study import STUDY as PAPER_B

STUDIES = (PAPER_A, STATEMENTS, TAILS, PAPER_B)
BY_NAME = {study.name: study for study in STUDIES}


def study_of(experiment: str, config: dict):
    """The study whose grid has `experiment` in this config, or None."""
    for study in STUDIES:
        if experiment in study.cells(config):
            return study
    return None
