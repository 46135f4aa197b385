"""Verdicts: comparing an observed quantity (with its Monte Carlo standard error) to a bound,
an exact identity or a prediction, and the table of verdict rows shared by both papers.

A verdict is one of
  holds          the observation is on the right side of the bound beyond Z standard errors
                 (or, for an identity / prediction, within Z standard errors plus its tolerance);
  violated       it is on the wrong side beyond Z standard errors;
  inconclusive   the uncertainty straddles the bound (or is too large for the test to have power);
  not_applicable an assumption of the bound fails (the row's `reason` says which).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import pandas as pd

VERDICTS = ("holds", "violated", "inconclusive", "not_applicable")
Z = 3.0  # standard errors; the z of every verdict unless a config says otherwise


@dataclass
class CheckRow:
    """One (check, cell[, run, step]) row of the bound-check table."""

    check: str  # e.g. "A2 contraction", "mean identity", "B rate"
    paper: str  # "A" or "B"
    experiment: str
    cell: str  # the cell's hive-style id, e.g. law=normal/b=16/adv=none/beta=0/theta=0
    run: str = ""  # algorithm and start, e.g. "tron, zero start"
    step: float = math.nan  # the iteration the row is about (NaN: the whole run)
    quantity: str = ""  # what is compared, e.g. "E||w_t - w*||^2"
    predicted: float = math.nan  # the bound or predicted value
    observed: float = math.nan
    observed_se: float = math.nan
    verdict: str = "not_applicable"
    margin: float = math.nan  # relative room: (allowed - |discrepancy|) / |predicted|; < 0 when violated
    reason: str = ""  # why not applicable / what the tolerance is
    source: str = "derived"  # "derived" (docs/theory.md) or "paper"
    extra: dict = field(default_factory=dict)


def judge(kind: str, observed: float, se: float, reference: float, z: float = Z, tolerance: float = 0.0):
    """(verdict, margin) of `observed` +- `se` against `reference`.

    kind "upper": the theory says observed <= reference (a bound).
    kind "lower": the theory says observed >= reference.
    kind "equal": an identity or prediction, observed = reference up to `tolerance` * |reference|.
    """
    if not all(map(math.isfinite, (observed, se, reference))):
        return "inconclusive", math.nan
    scale = abs(reference) if reference else 1.0
    if kind == "equal":
        allowed = z * se + tolerance * abs(reference)
        gap = abs(observed - reference)
        margin = (allowed - gap) / scale
        if z * se > abs(reference) and tolerance == 0:
            return "inconclusive", margin  # the noise is as large as the value: no power
        return ("holds" if gap <= allowed else "violated"), margin
    room = reference - observed if kind == "upper" else observed - reference
    margin = room / scale
    if room >= z * se:
        return "holds", margin
    if room < -z * se:
        return "violated", margin
    return "inconclusive", margin


def row(kind: str, observed: float, se: float, reference: float, *, z: float = Z, tolerance: float = 0.0,
        **fields) -> CheckRow:
    """A CheckRow with its verdict computed by `judge`."""
    verdict, margin = judge(kind, observed, se, reference, z, tolerance)
    return CheckRow(predicted=reference, observed=observed, observed_se=se, verdict=verdict, margin=margin, **fields)


def not_applicable(reason: str, **fields) -> CheckRow:
    return CheckRow(verdict="not_applicable", reason=reason, **fields)


def to_frame(rows: list[CheckRow]) -> pd.DataFrame:
    frame = pd.DataFrame([{k: v for k, v in asdict(r).items() if k != "extra"} for r in rows],
                         columns=[f for f in CheckRow.__dataclass_fields__ if f != "extra"])
    frame["verdict"] = pd.Categorical(frame["verdict"], categories=VERDICTS)
    return frame


def summary_line(experiment: str, frame: pd.DataFrame) -> str:
    """One line per experiment: counts of each verdict."""
    counts = frame["verdict"].value_counts()
    parts = [f"{counts.get(v, 0)} {v}" for v in VERDICTS if counts.get(v, 0)]
    return f"bound checks [{experiment}]: {len(frame)} rows: " + ", ".join(parts)
