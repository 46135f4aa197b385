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

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from relu_lib.distributions import binomial_cdf, binomial_sf, hall_statistic, normal_sf, t_isf, t_sf

VERDICTS = ("holds", "violated", "inconclusive", "not_applicable")
ROW_COLUMNS = ("check", "paper", "experiment", "cell", "run", "observed", "verdict", "reason")
Z = 3.0  # standard errors; the z of every verdict unless a config says otherwise
EXACT_BINOMIAL = "exact binomial"  # the test of a frequency (frequency_row)


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
    kind: str = ""  # "upper" / "lower" (a bound), "equal" (an identity); "" where no test was made
    test: str = ""  # the test behind p_value, e.g. "t, 63 dof", "normal", "exact binomial"
    p_value: float = math.nan  # against the statement (small: the data contradict it); NaN: no sampling error
    p_holds: float = math.nan  # for the "holds" claim (p_values); NaN: no sampling error
    extra: dict = field(default_factory=dict)


def p_values(
    kind: str, observed: float, se: float, reference: float, tolerance: float = 0.0, dof: float = math.inf
) -> tuple[float, float]:
    """(p_value, p_holds) of `observed` +- `se` against `reference` (kinds as in `judge`), the statistic
    Student's t with `dof` degrees of freedom (the normal at inf).

    p_value is against the statement: one-sided for a bound, two-sided for an identity (with a tolerance, at the
    edge of the allowed band: conservative inside it). p_holds backs the other claim: for a bound the one-sided
    p-value against its violation; for an identity without tolerance the power gate, 2 P(T > |reference| / se)
    (small when the noise is small next to the value; 0 where no gate applies). (NaN, NaN) without sampling error
    (se = 0) or where a number is not finite: such a row keeps the verdict it was given."""
    if not all(map(math.isfinite, (observed, se, reference))) or se <= 0:
        return math.nan, math.nan
    if kind == "equal":
        s = (abs(observed - reference) - tolerance * abs(reference)) / se
        gate = 2 * t_sf(abs(reference) / se, dof) if tolerance == 0 and reference != 0 else 0.0
        return min(1.0, 2 * t_sf(s, dof)), min(1.0, gate)
    s = (observed - reference) / se if kind == "upper" else (reference - observed) / se
    return t_sf(s, dof), t_sf(-s, dof)


def sides(kind: str) -> int:
    """Tails of a kind's test: an identity is two-sided, a bound one-sided."""
    return 2 if kind == "equal" else 1


def judge(
    kind: str,
    observed: float,
    se: float,
    reference: float,
    z: float = Z,
    tolerance: float = 0.0,
    dof: float = math.inf,
):
    """(verdict, margin) of `observed` +- `se` against `reference`, the row judged alone at z standard errors
    (z widened to Student's t where `dof` is finite); the table re-decides it under multiplicity control
    (relu_lib.multiplicity).

    kind "upper": the theory says observed <= reference (a bound).
    kind "lower": the theory says observed >= reference.
    kind "equal": an identity or prediction, observed = reference up to `tolerance` * |reference|.
    """
    if not all(map(math.isfinite, (observed, se, reference))):
        return "inconclusive", math.nan
    scale = abs(reference) if reference else 1.0
    if kind == "equal":
        margin = (z * se + tolerance * abs(reference) - abs(observed - reference)) / scale
    else:
        margin = (reference - observed if kind == "upper" else observed - reference) / scale
    if se <= 0:  # no sampling error: the comparison as computed
        room = margin * scale
        return ("holds" if room >= 0 else "violated"), margin
    p_value, p_holds = p_values(kind, observed, se, reference, tolerance, dof)
    return verdict_of(kind, p_value, p_holds, sides(kind) * normal_sf(z), sides(kind) * normal_sf(z)), margin


def verdict_of(kind: str, p_value: float, p_holds: float, violated_at: float, holds_at: float) -> str:
    """The verdict of one row from its two p-values and the thresholds its scope gives them."""
    if p_value < violated_at:
        return "violated"
    return "holds" if p_holds <= holds_at else "inconclusive"


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
    dof: float = math.inf,
    **fields,
) -> CheckRow:
    """A CheckRow with its p-values (`p_values`, Student's t with `dof` degrees of freedom where the standard error
    is estimated from dof + 1 units) and its verdict judged alone at z (`judge`; the table re-decides it), and,
    if inconclusive, the units that would decide it."""
    verdict, margin = judge(kind, observed, se, reference, z, tolerance, dof)
    if "ratio" not in fields:
        fields["ratio"] = _ratio(kind, observed, reference)
    p_value, p_holds = p_values(kind, observed, se, reference, tolerance, dof)
    fields.setdefault("test", test_name(dof) if math.isfinite(p_value) else "")
    needed = (
        replicates_to_decide(kind, observed, se, reference, replicates, _z_at(z, dof), tolerance)
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
        kind=kind,
        p_value=p_value,
        p_holds=p_holds,
        **fields,
    )


SKEW_CORRECTED = "skew-corrected t (Hall)"  # the test of a mean over units (mean_row)


def mean_row(kind: str, values, reference: float, *, centre: float = 0.0, z: float = Z, **fields) -> CheckRow:
    """A row for the mean over units (runs, seeds) of per-unit `values` against `reference`: observed is
    centre + mean, predicted centre + reference (centre: what the values are differences from, e.g. the exact
    moment a run's own prediction was subtracted from). Its p-values come from Hall's skewness-corrected t
    (distributions.hall_statistic) with units − 1 degrees of freedom: a test of a mean whose level holds where
    the units' values are skewed or partly on one value, where Student's t rejects several times too often."""
    mean, se, stat, n = hall_statistic(values, reference)
    out = row(kind, centre + mean, se, centre + reference, z=z, dof=n - 1, replicates=n, **fields)
    if not np.isfinite(stat):
        return out
    upper, lower = t_sf(stat, n - 1), t_sf(-stat, n - 1)  # P(T > stat), P(T < stat)
    if kind == "equal":
        out.p_value = min(1.0, 2 * min(upper, lower))
    else:
        out.p_value, out.p_holds = (upper, lower) if kind == "upper" else (lower, upper)
    out.test = SKEW_CORRECTED
    tail = normal_sf(z)
    out.verdict = verdict_of(kind, out.p_value, out.p_holds, sides(kind) * tail, sides(kind) * tail)
    if out.verdict != "inconclusive":
        out.seeds_needed = math.nan
    return out


def frequency_row(successes: int, trials: int, bound: float, z: float = Z, **fields) -> CheckRow:
    """P[event] >= bound from `successes` of `trials` independent trials, by the exact binomial test (the tests
    behind the Clopper–Pearson limits): p_value = P(X <= k | bound) against the statement, p_holds =
    P(X >= k | bound) against its violation; judged alone at the one-sided tail of z. Its observed_se is the
    plain binomial one, shown only."""
    k, n = int(successes), int(trials)
    observed = k / n
    p_value, p_holds = binomial_cdf(k, n, bound), binomial_sf(k, n, bound)
    tail = normal_sf(z)
    verdict = verdict_of("lower", p_value, p_holds, tail, tail)
    fields.setdefault("ratio", bound / observed if observed > 0 else math.inf)
    return CheckRow(
        predicted=bound,
        observed=observed,
        observed_se=math.sqrt(observed * (1 - observed) / n),
        verdict=verdict,
        margin=(observed - bound) / bound if bound else math.nan,
        replicates=n,
        seeds_needed=trials_at_frequency(observed, bound, tail, n) if verdict == "inconclusive" else math.nan,
        kind="lower",
        test=EXACT_BINOMIAL,
        p_value=p_value,
        p_holds=p_holds,
        **fields,
    )


def trials_at_frequency(frequency: float, bound: float, target: float, start: int, limit: int = 100_000) -> float:
    """The fewest trials n > start at which the same `frequency` would decide the exact binomial test of
    P >= bound at `target` (P(X >= f n | bound) <= target above the bound, P(X <= f n | bound) < target below
    it); inf at the bound itself."""
    if frequency == bound:
        return math.inf
    for n in range(start + 1, limit + 1):
        k = round(frequency * n)
        p = binomial_sf(k, n, bound) if frequency > bound else binomial_cdf(k, n, bound)
        if p <= target:
            return float(n)
    return math.inf


def test_name(dof: float) -> str:
    return f"t, {dof:g} dof" if math.isfinite(dof) else "normal"


def _z_at(z: float, dof: float) -> float:
    """z widened to Student's t with `dof` degrees of freedom (the same tail)."""
    return z_for(z, int(dof) + 1) if math.isfinite(dof) else z


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


def student_factor(z: float, dof: int) -> float:
    """t_{dof} quantile / z at the same tail as z standard errors of a normal: the factor by which a standard
    error estimated from dof + 1 units widens a z-band (>= 1; -> 1 as dof grows)."""
    if dof <= 0:
        return math.inf
    return t_isf(normal_sf(z), dof) / z


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
