"""The verdict logic can fail: planted violations come out `violated`, straddling `inconclusive`."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from relu_lib import checks
from relu_lib.distributions import constants, make_law
from relu_lib.io import trajectory_table
from relu_lib.paper_a_checks import Cell, Settings, a2_contraction, check_cell, mean_identity
from relu_lib.seeding import generator
from relu_lib.train import RUNS, run_cell


@pytest.mark.parametrize("kind,observed,se,reference,expected", [
    ("upper", 0.5, 0.1, 1.0, "holds"),
    ("upper", 2.0, 0.1, 1.0, "violated"),
    ("upper", 1.05, 0.1, 1.0, "inconclusive"),
    ("upper", 0.9, 0.1, 1.0, "inconclusive"),
    ("lower", 0.95, 0.01, 0.9, "holds"),
    ("lower", 0.5, 0.05, 0.9, "violated"),
    ("equal", 1.02, 0.01, 1.0, "holds"),
    ("equal", 1.2, 0.01, 1.0, "violated"),
    ("equal", 1.0, 1.0, 1.0, "inconclusive"),
    ("upper", math.nan, 0.1, 1.0, "inconclusive"),
])
def test_judge(kind, observed, se, reference, expected):
    assert checks.judge(kind, observed, se, reference, z=3.0)[0] == expected


def test_tolerance_widens_only_equal_checks():
    assert checks.judge("equal", 1.1, 0.01, 1.0, tolerance=0.15)[0] == "holds"
    assert checks.judge("equal", 1.2, 0.01, 1.0, tolerance=0.15)[0] == "violated"


def make_cell(constants_override=None, **spec_overrides):
    law = {"family": "normal", "d": 8, "sigma": 1.0}
    spec = {"law": law, "law_name": "normal", "b": 4, "seeds": 300, "iterations": 80, "checkpoints": 12,
            "master_seed": 9, "step_factor": 1.0, "eta": None, "w_star_norm": 1.0, "start_norm": 1.0,
            "adversary": "none", "beta": 0.0, "theta": 0.0, "epsilon": 0.05, "delta": 0.1, **spec_overrides}
    c = constants(make_law(law), 1000, generator(0, "c"))
    result = run_cell(spec, c)
    table = trajectory_table(RUNS, result.steps, result.error, result.mean_error, result.mean_error_se,
                             result.diverged_at, result.hit_step)
    rows = table.to_pandas()
    rows["algorithm"], rows["start"] = rows["algorithm"].astype(str), rows["start"].astype(str)
    meta = {"cell": spec, "eta": result.eta, "w_star": result.w_star.tolist(), "w_start": result.w_start.tolist()}
    return Cell("test", "law=normal/b=4", rows, meta, constants_override(c) if constants_override else c)


def test_true_cell_has_no_violation():
    verdicts = {r.verdict for r in check_cell(make_cell(), Settings(z=3.0, epsilon=0.05, delta=0.1))}
    assert "violated" not in verdicts and "holds" in verdicts


def test_planted_wrong_bound_is_violated():
    """A deliberately wrong (A2) bound: lambda1 claimed 3x larger makes rho far too small."""
    wrong = make_cell(lambda c: dataclasses.replace(c, lambda1=3 * c.lambda1))
    rows = a2_contraction(wrong, Settings(z=3.0))
    assert rows and any(r.verdict == "violated" for r in rows)


def test_planted_worse_trajectories_are_violated():
    """Trajectories worse than the truth (errors doubled) break the exact mean identity."""
    cell = make_cell()
    cell.rows["mean_error"] *= 2
    assert any(r.verdict == "violated" for r in mean_identity(cell, Settings(z=3.0)))


def test_infinite_fourth_moment_is_not_applicable():
    cell = make_cell(lambda c: dataclasses.replace(c, lambda2=math.inf))
    rows = a2_contraction(cell, Settings(z=3.0))
    assert rows and all(r.verdict == "not_applicable" and "infinite" in r.reason for r in rows)


def test_diverged_runs_are_not_applicable():
    cell = make_cell(step_factor=30.0)
    rows = check_cell(cell, Settings(z=3.0, epsilon=0.05, delta=0.1))
    assert rows and all(r.verdict == "not_applicable" for r in rows)
    assert any("diverged" in r.reason for r in rows)


def test_markdown_table_renders_every_row():
    frame = checks.to_frame([checks.row("upper", 0.5, 0.1, 1.0, check="A2", paper="A", experiment="e", cell="c")])
    text = checks.markdown_table(frame)
    assert "**holds**" in text and "`c`" in text
    assert isinstance(frame, pd.DataFrame) and np.isfinite(frame["margin"]).all()
