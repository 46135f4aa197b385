"""Paper A's checks can fail: planted violations come out `violated`, broken assumptions `not_applicable`."""

import dataclasses
import json
import math

from relu_lib.paper_a.checks import Cell, Settings, a2_contraction, check_cell, mean_identity
from relu_lib.paper_a.laws import constants, make_law
from relu_lib.paper_a.trainer import cell_metadata, result_table, run_cell
from relu_lib.seeding import generator


def make_cell(constants_override=None, **spec_overrides):
    law = {"family": "normal", "d": 8, "sigma": 1.0}
    spec = {
        "law": law,
        "law_name": "normal",
        "b": 4,
        "seeds": 300,
        "iterations": 80,
        "checkpoints": 12,
        "master_seed": 9,
        "step_factor": 1.0,
        "eta": None,
        "w_star_norm": 1.0,
        "start_norm": 1.0,
        "adversary": "none",
        "beta": 0.0,
        "theta": 0.0,
        "epsilon": 0.05,
        "delta": 0.1,
        **spec_overrides,
    }
    c = constants(make_law(law), 1000, generator(0, "c"))
    result = run_cell(spec, c)
    rows = result_table(result).to_pandas()
    rows["algorithm"], rows["start"] = rows["algorithm"].astype(str), rows["start"].astype(str)
    meta = json.loads(json.dumps(cell_metadata(spec, c, result, {}), default=lambda v: v.tolist()))
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
    """Trajectories worse than the truth (deviations from w* doubled) break the exact mean identity."""
    cell = make_cell()
    for col in [c for c in cell.rows.columns if c.startswith("along_")]:
        cell.rows[col] *= 2
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
