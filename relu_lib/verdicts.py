"""Verdicts: comparing an observed quantity (with its Monte Carlo standard error) to a bound,
an exact identity or a prediction, and the table of verdict rows shared by both papers.

A verdict is one of
  holds          the observation is on the right side of the bound beyond Z standard errors
                 (or, for an identity / prediction, within Z standard errors plus its tolerance);
  violated       it is on the wrong side beyond Z standard errors;
  inconclusive   the uncertainty straddles the bound (or is too large for the test to have power);
  not_applicable an assumption of the bound fails (the row's `reason` says which).

Power: a row carries `replicates`, the number of independent units (seeds, trials) its standard error
comes from, and an `inconclusive` row carries `seeds_needed`: the number of units that would decide it
at the observed effect (its standard error shrinking like 1/sqrt(units), the effect held fixed);
see `replicates_to_decide`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

VERDICTS = ("holds", "violated", "inconclusive", "not_applicable")
ROW_COLUMNS = ("check", "paper", "experiment", "cell", "run", "observed", "verdict", "reason")
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
    replicates: float = math.nan  # independent units (seeds, trials) behind observed_se
    seeds_needed: float = math.nan  # inconclusive rows: units that would decide it at the observed effect
    ratio: float = math.nan  # bound / observation (a bound), observation / prediction (an identity)
    regime: str = "inside"  # "inside" the statement's hypotheses, or the reason they fail
    statement: str = ""  # which statement of which paper, e.g. "Theorem 3.1, Case I" (grouping in the table)
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
        if tolerance == 0 and reference != 0 and z * se > abs(reference):
            return "inconclusive", margin  # the noise is as large as the value: no power
        return ("holds" if gap <= allowed else "violated"), margin
    room = reference - observed if kind == "upper" else observed - reference
    margin = room / scale
    if room >= z * se:
        return "holds", margin
    if room < -z * se:
        return "violated", margin
    return "inconclusive", margin


def replicates_to_decide(
    kind: str, observed: float, se: float, reference: float, replicates: float, z: float = Z, tolerance: float = 0.0
) -> float:
    """Units (seeds, trials) that would make an inconclusive row decisive at the observed effect: with the
    standard error se sqrt(replicates / n), the smallest n at which the row leaves the inconclusive band.

    upper / lower: |room| >= z se_n, room = reference - observed (upper) or observed - reference (lower);
    equal without tolerance: z se_n <= |reference| (the "no power" rule of `judge`).
    inf where the observed effect is 0 (no finite n decides it); NaN where `replicates` is unknown."""
    if not all(map(math.isfinite, (observed, se, reference, replicates))) or replicates <= 0:
        return math.nan
    if kind == "equal":
        effect = abs(reference) if tolerance == 0 else abs(abs(observed - reference) - tolerance * abs(reference))
    else:
        effect = abs(reference - observed)
    if effect == 0:
        return math.inf
    return float(max(replicates + 1, math.ceil(replicates * (z * se / effect) ** 2)))


def row(
    kind: str,
    observed: float,
    se: float,
    reference: float,
    *,
    z: float = Z,
    tolerance: float = 0.0,
    replicates: float = math.nan,
    **fields,
) -> CheckRow:
    """A CheckRow with its verdict computed by `judge` (and, if inconclusive, the units that would decide it)."""
    verdict, margin = judge(kind, observed, se, reference, z, tolerance)
    if "ratio" not in fields:
        fields["ratio"] = _ratio(kind, observed, reference)
    needed = (
        replicates_to_decide(kind, observed, se, reference, replicates, z, tolerance)
        if verdict == "inconclusive"
        else math.nan
    )
    return CheckRow(
        predicted=reference,
        observed=observed,
        observed_se=se,
        verdict=verdict,
        margin=margin,
        replicates=replicates,
        seeds_needed=needed,
        **fields,
    )


def _ratio(kind: str, observed: float, reference: float) -> float:
    """bound / observation for a bound, observation / prediction for an identity (NaN where undefined)."""
    top, bottom = (reference, observed) if kind in ("upper", "lower") else (observed, reference)
    if not all(map(math.isfinite, (top, bottom))) or bottom == 0:
        return math.nan
    return float(top / bottom)


def not_applicable(reason: str, **fields) -> CheckRow:
    return CheckRow(verdict="not_applicable", reason=reason, **fields)


def to_frame(rows: list[CheckRow]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [{k: v for k, v in asdict(r).items() if k != "extra"} for r in rows],
        columns=[f for f in CheckRow.__dataclass_fields__ if f != "extra"],
    )
    frame["verdict"] = pd.Categorical(frame["verdict"], categories=VERDICTS)
    return frame


def summary_line(experiment: str, frame: pd.DataFrame) -> str:
    """One line per experiment: counts of each verdict."""
    counts = frame["verdict"].value_counts()
    parts = [f"{counts.get(v, 0)} {v}" for v in VERDICTS if counts.get(v, 0)]
    return f"bound checks [{experiment}]: {len(frame)} rows: " + ", ".join(parts)


@functools.cache
def student_factor(z: float, dof: int) -> float:
    """t_{dof} quantile / z at the same two-sided tail as z standard errors of a normal: the factor by which
    a standard error estimated from dof + 1 units widens a z-band (>= 1; -> 1 as dof grows)."""
    if dof <= 0:
        return math.inf
    tail = math.erfc(z / math.sqrt(2)) / 2  # P(N > z)
    log_norm = math.lgamma((dof + 1) / 2) - math.lgamma(dof / 2) - 0.5 * math.log(dof * math.pi)

    def upper_tail(
        t,
    ):  # P(T > t): integral of the density from t to inf, via u = 1 / (1 + s^2/dof) substitution-free Simpson
        n = 4000
        hi = t + 60 * math.sqrt(dof / max(dof - 2, 0.5)) + 200
        h = (hi - t) / n
        f = lambda s: math.exp(log_norm - (dof + 1) / 2 * math.log1p(s * s / dof))  # noqa: E731
        acc = f(t) + f(hi) + sum((4 if k % 2 else 2) * f(t + k * h) for k in range(1, n))
        return acc * h / 3

    lo, hi = z, z * 200
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if upper_tail(mid) > tail else (lo, mid)
    return 0.5 * (lo + hi) / z


def z_for(z: float, units: int) -> float:
    """z widened to Student's t with units - 1 degrees of freedom, for a standard error estimated from `units`
    independent units (runs, seeds): the same two-sided level as z standard errors of a normal."""
    return z * student_factor(z, units - 1) if units > 1 else math.inf


def clopper_pearson(successes: int, trials: int, tail: float) -> tuple[float, float]:
    """The exact (Clopper–Pearson) interval of a binomial p with `tail` probability on each side:
    lo solves P(X >= k | lo) = tail (0 at k = 0), hi solves P(X <= k | hi) = tail (1 at k = n)."""
    k, n = int(successes), int(trials)
    logs = np.array([math.lgamma(n + 1) - math.lgamma(j + 1) - math.lgamma(n - j + 1) for j in range(n + 1)])
    j = np.arange(n + 1)

    def cdf_le(p: float, m: int) -> float:  # P(X <= m | p)
        if p <= 0:
            return 1.0
        if p >= 1:
            return 1.0 if m >= n else 0.0
        terms = logs + j * math.log(p) + (n - j) * math.log1p(-p)
        top = terms[: m + 1]
        peak = top.max()
        return float(min(1.0, math.exp(peak) * np.exp(top - peak).sum()))

    def solve(f, target: float) -> float:  # f decreasing in p
        lo, hi = 0.0, 1.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if f(mid) > target else (lo, mid)
        return 0.5 * (lo + hi)

    lower = 0.0 if k == 0 else solve(lambda p: -(1 - cdf_le(p, k - 1)), -tail)  # P(X >= k) increasing in p
    upper = 1.0 if k == n else solve(lambda p: cdf_le(p, k), tail)
    return lower, upper
