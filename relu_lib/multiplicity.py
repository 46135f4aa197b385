"""The table's verdicts under error control: every tested row's p-values (relu_lib.verdicts.p_values) decided
together, so that a correct pipeline shows any `violated` row with probability at most `level`.

Scope: "table" (the default) controls that probability over every tested row of the table; "family" over the rows
of each check separately (a reader then has one level per family, and the table as a whole up to their sum).
Within a scope, Holm's step-down procedure decides the `violated` rows: valid under any dependence between the rows
(cells share random streams, checkpoints of one run are correlated). A bound's `holds` is a claim too (the data
show it satisfied): Holm again, on the bounds' p_holds. An identity that is not rejected `holds` (is consistent)
where its power gate passes at the scope's Bonferroni threshold, and is `inconclusive` where the noise is as large
as the value. With `z` (config `checks.z`), each row is judged alone at z standard errors instead: no multiplicity
control, the old per-row rule. Rows without a p-value (no sampling error, not applicable, or judged by a rule of
their own) keep their verdict and are not counted.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from relu_lib.distributions import normal_isf, normal_sf
from relu_lib.verdicts import EXACT_BINOMIAL, VERDICTS, sides, trials_at_frequency, verdict_of

LEVEL = 0.05  # config checks.level: the probability of any false `violated` row in the scope
SCOPES = ("table", "family")


def holm(p_values, level: float) -> np.ndarray:
    """Holm's step-down rejections at family-wise level `level`: sorted ascending, p_(j) is rejected while
    p_(i) <= level / (m - i + 1) for every i <= j."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    m = p.size
    passed = p[order] <= level / (m - np.arange(m))
    stop = m if passed.all() else int(np.argmin(passed))
    rejected = np.zeros(m, dtype=bool)
    rejected[order[:stop]] = True
    return rejected


def decide(frame: pd.DataFrame, level: float = LEVEL, scope: str = "table", z: float | None = None) -> pd.DataFrame:
    """The frame with `verdict` (and `seeds_needed` of the inconclusive rows) decided under the scope's control,
    and `threshold`: the critical value its p-value is compared with (`_critical`)."""
    frame = frame.copy()
    frame["threshold"] = math.nan
    if "p_value" not in frame:
        return frame
    verdict = frame["verdict"].astype(str).to_numpy(dtype=object)
    tested = frame.index[frame["p_value"].notna().to_numpy()]
    groups = [tested] if scope == "table" else [g.index for _, g in frame.loc[tested].groupby("check", sort=False)]
    for index in groups:
        rows = frame.loc[index]
        violated_at, holds_at, target = _thresholds(rows, level, z)
        positions = frame.index.get_indexer(index)
        for k, r in enumerate(rows.itertuples()):
            verdict[positions[k]] = verdict_of(r.kind, r.p_value, r.p_holds, violated_at[k], holds_at[k])
        frame.loc[index, "threshold"] = _critical(rows, level, z)
        frame.loc[index, "seeds_needed"] = [
            needed(r, target[k]) if verdict[positions[k]] == "inconclusive" else math.nan
            for k, r in enumerate(rows.itertuples())
        ]
    frame["verdict"] = pd.Categorical(verdict, categories=VERDICTS)
    return frame


def _critical(rows: pd.DataFrame, level: float, z: float | None) -> np.ndarray:
    """The critical value each row's p-value is compared with, for the reader: Holm's level / (m − rank + 1) at the
    row's rank (the step-down stops at the first p-value above its own), or the per-row tail of z."""
    if z is not None:
        return np.array([sides(k) * normal_sf(z) for k in rows["kind"].astype(str)])
    p = rows["p_value"].to_numpy(dtype=float)
    ranks = np.empty(p.size, dtype=int)
    ranks[np.argsort(p, kind="stable")] = np.arange(p.size)
    return level / (p.size - ranks)


def _thresholds(rows: pd.DataFrame, level: float, z: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row, the p-value below which it is `violated`, the p_holds at or below which it `holds`, and the
    p_holds that more units would have to reach (for a bound under Holm the scope's first, Bonferroni, threshold:
    conservative, as the rows' ranks would change).

    Holm's rejections are turned into a threshold per row (just above the row's p-value where rejected, 0 where
    not), so that one rule (verdicts.verdict_of) decides both the per-row and the controlled verdicts."""
    kinds = rows["kind"].astype(str).to_numpy()
    two = np.array([sides(k) for k in kinds], dtype=float)
    if z is not None:
        tail = normal_sf(z)
        return two * tail, two * tail, two * tail
    p = rows["p_value"].to_numpy(dtype=float)
    violated_at = np.where(holm(p, level), np.nextafter(p, np.inf), 0.0)
    holds_at = np.full(len(rows), level / len(rows))  # an identity's power gate: Bonferroni over the scope
    target = holds_at.copy()
    bound = kinds != "equal"
    if bound.any():
        ph = rows["p_holds"].to_numpy(dtype=float)[bound]
        holds_at[bound] = np.where(holm(ph, level), ph, -1.0)
        target[bound] = level / bound.sum()
    return violated_at, holds_at, target


def needed(r, target: float) -> float:
    """Units that would decide an inconclusive row at its observed effect: the frequency or standard error held,
    the smallest number at which its p_holds would reach `target`."""
    replicates = float(getattr(r, "replicates", math.nan))
    if not math.isfinite(replicates) or replicates <= 0 or not r.p_holds < 1:  # p_holds 1: a rule of its own
        return float(getattr(r, "seeds_needed", math.nan))
    if getattr(r, "test", "") == EXACT_BINOMIAL:
        return trials_at_frequency(r.observed, r.predicted, target, int(replicates))
    k = sides(r.kind)
    have, want = normal_isf(r.p_holds / k), normal_isf(target / k)
    if not have > 0:  # on the violated side of a bound: the units that would make it `violated`
        have = normal_isf(r.p_value / k)
    if not have > 0:
        return math.inf  # no effect either way
    return float(max(replicates + 1, math.ceil(replicates * (want / have) ** 2)))
