"""Paper B's rows of the bound-check table (schema and verdict logic: relu_lib.checks).

Per cell, for PGD from 0 with ReLU observations:
  B envelope    the frequency of trials with ||w_tau - w*|| <= (1/2)^tau ||w*|| for all tau <= T;
  B rate        the median over trials of the per-step error ratio, against 1/2;
  B first step  the identity E[(2/n) sum y_i x_i] = w* (two rows: along w*, and in all coordinates).

The theorem (MATH.md B.2) holds for n > c n0 with c (and the probability's gamma) unspecified.
We take c from our own measurement: the largest c90 of the envelope over the (s, d) of the
constraint (relu_lib.summary_b.reference_c). A cell with n/n0 below that c is `not_applicable`
(its observed value is still reported); at or above it the envelope frequency must be >= 0.9
and the median ratio <= 1/2. For the sample_complexity cells this is partly in sample: it
tests that the frequency stays >= 0.9 at every larger n and for every (s, d) (the collapse the
theory predicts), not the value of c itself.

The envelope frequency k/T is judged with the Wilson score interval: its `observed_se` is
(k/T - Wilson lower bound at z = Z) / Z, so `holds` means the Wilson lower bound is >= 0.9.
A plain binomial SE would call T/T trials "holds" at any T; with Wilson it takes T >= 81 trials
(T/(T + 9) >= 0.9, in floating point T >= 82), and e.g. 30/30 is `inconclusive` (P(30/30 | p = 0.9) = 4 %).
"""

from __future__ import annotations

import math

import pandas as pd

from .checks import Z, CheckRow, not_applicable, row
from .summary_b import reference_c

ENVELOPE_LEVEL = 0.9
RATE = 0.5
RUN = "PGD from 0, ReLU observations"


def wilson_lower(k: int, trials: int, z: float = Z) -> float:
    """Lower end of the Wilson score interval of a binomial proportion k/T at z."""
    p, z2 = k / trials, z * z
    denom = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return max(0.0, centre - half)


def rows_for(experiment: str, stats: pd.DataFrame, table: pd.DataFrame | None) -> list[CheckRow]:
    """Verdict rows of one paper-B experiment from its per-cell statistics (summary_b.cell_stats)
    and the c50/c90 table of the sample_complexity experiment (None if there is none)."""
    out = []
    for r in stats[stats["observation"] == "relu"].itertuples(index=False):
        common = {"paper": "B", "experiment": experiment, "cell": r.cell, "run": RUN}
        out += theorem_rows(r, common, *reference_c(table, r.constraint), in_sample=experiment == "sample_complexity")
        out += first_step_rows(r, common)
    return out


def theorem_rows(r, common: dict, c_ref: float, why: str, in_sample: bool) -> list[CheckRow]:
    envelope = {
        "check": "B envelope", "source": "paper",
        "quantity": f"fraction of {r.trials} trials with ||w_tau - w*|| <= (1/2)^tau ||w*|| for all tau <= {r.iterations}",
        "observed": r.envelope_freq,
        "observed_se": (r.envelope_freq - wilson_lower(r.envelope_k, r.trials)) / Z,
    }
    rate = {
        "check": "B rate", "source": "paper",
        "quantity": f"median over {r.trials} trials of the per-step ratio ||w_tau+1 - w*|| / ||w_tau - w*|| "
                    "(each trial: median over tau until 1e-12)",
        "observed": r.ratio_median, "observed_se": r.ratio_median_se,
    }
    if not (math.isfinite(c_ref) and r.ratio >= c_ref):
        below = (f"n/n0 = {r.ratio:.3g} is below {why}: the theorem (n > c n0) makes no claim here"
                 if math.isfinite(c_ref) else f"{why}; n/n0 = {r.ratio:.3g}")
        return [not_applicable(below + "; the observed value is reported", predicted=ENVELOPE_LEVEL, **envelope, **common),
                not_applicable(below + "; the observed value is reported", predicted=RATE, **rate, **common)]
    sample = ("in sample: c was measured on these cells, so this tests that the frequency stays >= 0.9 for every "
              "(s, d) and every larger n" if in_sample else "c was measured on the sample_complexity cells (other trials)")
    return [
        row("lower", envelope.pop("observed"), envelope.pop("observed_se"), ENVELOPE_LEVEL, **envelope, **common,
            reason=f"n/n0 = {r.ratio:.3g} >= {why}; {r.envelope_k}/{r.trials} trials, Wilson lower bound "
                   f"(z = {Z:g}) {wilson_lower(r.envelope_k, r.trials):.3f}: holds if it is >= 0.9; {sample}"),
        row("upper", rate.pop("observed"), rate.pop("observed_se"), RATE, **rate, **common,
            reason=f"n/n0 = {r.ratio:.3g} >= {why}; the per-step contraction behind the (1/2)^tau envelope; "
                   "SE of the median sqrt(pi/2) sd / sqrt(T)"),
    ]


def first_step_rows(r, common: dict) -> list[CheckRow]:
    """E[(2/n) sum y_i x_i] = w* for every n (derived: E[ReLU(<w*,x>) x] = w*/2, x ~ N(0, I)).

    The shared `judge` cannot test a mean against 0 (its reference sets the scale; a zero
    reference is always `inconclusive`), so the identity is tested through two statistics with
    a non-zero expectation."""
    base = {"check": "B first step", "source": "derived", "step": 1.0, **common}
    return [
        row("equal", r.first_step_along, r.first_step_along_se, 1.0, **base,
            quantity=f"mean over {r.trials} trials of <(2/n) sum y_i x_i, w*> / ||w*||^2",
            reason="= 1 by the identity; within 3 SE (SE from the trials)"),
        row("equal", r.first_step_q, r.first_step_q_sd, 1.0, **base,
            quantity=f"T n ||mean over T = {r.trials} trials of ((2/n) sum y_i x_i - w*)||^2 / (2d + 3)",
            reason="= 1 in expectation if the identity holds in all d coordinates (tr Cov = (2d + 3)/n, derived); "
                   "a bias b adds T n ||b||^2 / (2d + 3); within 3 sd (exact sd for Gaussian x and a common w*, "
                   "relu_lib.summary_b.first_step_q_variance; conservative when the w* differ)"),
    ]
