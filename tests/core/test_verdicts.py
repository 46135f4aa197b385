"""The verdict logic shared by both papers, and the table that renders the rows."""

import math

import numpy as np
import pytest

from relu_lib import verdicts
from relu_lib.bound_table import markdown_table
from relu_lib.distributions import hall_statistic, t_sf


@pytest.mark.parametrize(
    "kind,observed,se,reference,expected",
    [
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
    ],
)
def test_judge(kind, observed, se, reference, expected):
    assert verdicts.judge(kind, observed, se, reference, z=3.0)[0] == expected


def test_z_decides_the_verdict():
    """The same observation holds at z = 1 and is inconclusive at z = 3: z is not ignored."""
    assert verdicts.judge("upper", 0.8, 0.1, 1.0, z=1.0)[0] == "holds"
    assert verdicts.judge("upper", 0.8, 0.1, 1.0, z=3.0)[0] == "inconclusive"


def test_tolerance_widens_only_equal_checks():
    assert verdicts.judge("equal", 1.1, 0.01, 1.0, tolerance=0.15)[0] == "holds"
    assert verdicts.judge("equal", 1.2, 0.01, 1.0, tolerance=0.15)[0] == "violated"
    assert verdicts.judge("upper", 1.1, 0.01, 1.0, tolerance=0.15)[0] == "violated"


def test_markdown_table_renders_every_row_once():
    rows = [
        verdicts.row("upper", 0.5, 0.1, 1.0, check="A2", paper="A", experiment="e", cell="c0"),
        verdicts.row("upper", 2.0, 0.1, 1.0, check="A2", paper="A", experiment="e", cell="c1"),
        verdicts.not_applicable("lambda2 | infinite", check="A2", paper="A", experiment="e", cell="c2"),
    ]
    frame = verdicts.to_frame(rows)
    lines = markdown_table(frame).splitlines()
    assert len(lines) == 2 + len(rows)  # header, rule, one line per row
    for line, cell, verdict in zip(
        lines[2:], ["c0", "c1", "c2"], ["holds", "violated", "not_applicable"], strict=False
    ):
        assert f"`{cell}`" in line and f"**{verdict}**" in line
    assert "lambda2 \\| infinite" in lines[4]  # a '|' in a reason cannot break the table


def test_a_mean_row_corrects_for_skewness_and_reduces_to_t_when_symmetric():
    symmetric = np.array([-2.0, -1.0, 0.0, 1.0, 2.0] * 8) + 0.4
    row = verdicts.mean_row("equal", symmetric, 0.0, check="k", paper="A", experiment="e", cell="c")
    t = abs(symmetric.mean()) / (symmetric.std(ddof=1) / math.sqrt(symmetric.size))
    assert row.test == verdicts.SKEW_CORRECTED and row.replicates == 40
    assert row.p_value == pytest.approx(2 * t_sf(t, 39), rel=1e-2)  # g = 0: the t statistic
    # half the units on one value, the rest spread upwards (right-skewed): a low mean is less surprising than t
    # says (the corrected p-value is larger), a high one more
    rng = np.random.default_rng(0)
    skewed = np.where(rng.random(64) < 0.5, 0.0, rng.exponential(1.0, 64))
    low = verdicts.mean_row("upper", skewed, skewed.mean() + 0.15, check="k", paper="A", experiment="e", cell="c")
    se = skewed.std(ddof=1) / 8
    assert low.p_holds > t_sf(0.15 / se, 63)
    assert low.observed == pytest.approx(skewed.mean()) and low.predicted == pytest.approx(skewed.mean() + 0.15)


def test_hall_statistic_is_monotone_in_the_mean():
    rng = np.random.default_rng(1)
    x = rng.exponential(1.0, 50)
    stats = [hall_statistic(x, ref)[2] for ref in np.linspace(-1, 3, 41)]
    assert all(a > b for a, b in zip(stats, stats[1:], strict=False))
