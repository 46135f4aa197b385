"""Paper B's rows of the bound-check table (verdict logic: relu_lib.verdicts).

Per cell, for PGD from 0 with ReLU observations:
  B envelope    the frequency of trials with ||w_tau - w*|| <= (1/2)^tau ||w*|| for all tau <= T;
  B rate        the median over trials of the per-step error ratio, against 1/2;
  B first step  the identity E[(2/n) sum y_i x_i] = w* (two rows: along w*, and in all coordinates).

The theorem (docs/theory.md B.2) holds for n > c n0 with c (and the probability's gamma) unspecified.
We take c from our own measurement: the largest c90 of the envelope over the (s, d) of the
constraint (relu_lib.paper_b.c_table.reference_c). A cell with n/n0 below that c is `not_applicable`
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

from relu_lib.paper_b.c_table import reference_c
from relu_lib.verdicts import CheckRow, Z, not_applicable, row

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


def trials_for_holds(k: int, trials: int, z: float = Z, level: float = ENVELOPE_LEVEL, limit: int = 100_000) -> float:
    """Trials at which the observed frequency k/T would make the Wilson lower bound reach `level`
    (the envelope row `holds`): 82 at a frequency of 1 and z = 3; inf if the frequency is <= level."""
    p = k / trials
    if p <= level:
        return float("inf")
    n = trials
    while n <= limit:
        if wilson_lower(round(p * n), n, z) >= level:  # the same frequency at n trials
            return float(n)
        n += 1
    return float("inf")


def rows_for(experiment: str, stats: pd.DataFrame, table: pd.DataFrame | None, z: float = Z) -> list[CheckRow]:
    """Verdict rows of one paper-B experiment from its per-cell statistics (relu_lib.paper_b.summary.cell_stats)
    and the c50/c90 table of the sample_complexity experiment (None if there is none)."""
    out = []
    for r in stats[stats["observation"] == "relu"].itertuples(index=False):
        common = {"paper": "B", "experiment": experiment, "cell": r.cell, "run": RUN}
        out += theorem_rows(
            r, common, *reference_c(table, r.constraint), in_sample=experiment == "sample_complexity", z=z
        )
        out += first_step_rows(r, common, z)
    return out


def theorem_rows(r, common: dict, c_ref: float, why: str, in_sample: bool, z: float) -> list[CheckRow]:
    envelope = {
        "check": "B envelope",
        "source": "paper",
        "quantity": f"fraction of {r.trials} trials with ||w_tau - w*|| <= (1/2)^tau ||w*|| "
        f"for all tau <= {r.iterations}",
        "observed": r.envelope_freq,
        "observed_se": (r.envelope_freq - wilson_lower(r.envelope_k, r.trials, z)) / z,
    }
    rate = {
        "check": "B rate",
        "source": "paper",
        "quantity": f"median over {r.trials} trials of the per-step ratio ||w_tau+1 - w*|| / ||w_tau - w*|| "
        "(each trial: median over tau until 1e-12)",
        "observed": r.ratio_median,
        "observed_se": r.ratio_median_se,
    }
    if not (math.isfinite(c_ref) and r.ratio >= c_ref):
        below = (
            f"n/n0 = {r.ratio:.3g} is below {why}: the theorem (n > c n0) makes no claim here"
            if math.isfinite(c_ref)
            else f"{why}; n/n0 = {r.ratio:.3g}"
        )
        return [
            not_applicable(below + "; the observed value is reported", predicted=ENVELOPE_LEVEL, **envelope, **common),
            not_applicable(below + "; the observed value is reported", predicted=RATE, **rate, **common),
        ]
    sample = (
        "in sample: c was measured on these cells, so this tests that the frequency stays >= 0.9 for every "
        "(s, d) and every larger n"
        if in_sample
        else "c was measured on the sample_complexity cells (other trials)"
    )
    envelope_row = row(
        "lower",
        envelope.pop("observed"),
        envelope.pop("observed_se"),
        ENVELOPE_LEVEL,
        z=z,
        replicates=r.trials,
        **envelope,
        **common,
        reason=f"n/n0 = {r.ratio:.3g} >= {why}; {r.envelope_k}/{r.trials} trials, Wilson lower bound "
        f"(z = {z:g}) {wilson_lower(r.envelope_k, r.trials, z):.3f}: holds if it is >= 0.9; {sample}",
    )
    if envelope_row.verdict == "inconclusive":
        envelope_row.seeds_needed = trials_for_holds(r.envelope_k, r.trials, z)
    return [
        envelope_row,
        row(
            "upper",
            rate.pop("observed"),
            rate.pop("observed_se"),
            RATE,
            z=z,
            replicates=r.trials,
            **rate,
            **common,
            reason=f"n/n0 = {r.ratio:.3g} >= {why}; the per-step contraction behind the (1/2)^tau envelope; "
            "SE of the median sqrt(pi/2) sd / sqrt(T)",
        ),
    ]


def first_step_rows(r, common: dict, z: float) -> list[CheckRow]:
    """E[(2/n) sum y_i x_i] = w* for every n (derived: E[ReLU(<w*,x>) x] = w*/2, x ~ N(0, I)).

    The shared `judge` cannot test a mean against 0 (its reference sets the scale; a zero
    reference is always `inconclusive`), so the identity is tested through two statistics with
    a non-zero expectation."""
    base = {"check": "B first step", "source": "derived", "step": 1.0, **common}
    return [
        row(
            "equal",
            r.first_step_along,
            r.first_step_along_se,
            1.0,
            z=z,
            **base,
            quantity=f"mean over {r.trials} trials of <(2/n) sum y_i x_i, w*> / ||w*||^2",
            reason=f"= 1 by the identity; within {z:g} SE (SE from the trials)",
        ),
        row(
            "equal",
            r.first_step_q,
            r.first_step_q_sd,
            1.0,
            z=z,
            **base,
            quantity=f"T n ||mean over T = {r.trials} trials of ((2/n) sum y_i x_i - w*)||^2 / (2d + 3)",
            reason="= 1 in expectation if the identity holds in all d coordinates (tr Cov = (2d + 3)/n, derived); "
            f"a bias b adds T n ||b||^2 / (2d + 3); within {z:g} sd (exact sd for Gaussian x and a common w*, "
            "relu_lib.paper_b.theory.first_step_q_variance; conservative when the w* differ)",
        ),
    ]


def check_experiment(experiment: str, cells_path, c_table_path, out, z: float = Z) -> None:
    """Write one paper-B experiment's verdict rows (Parquet) from its per-cell statistics and, if there
    is one, the sample_complexity c50/c90 table; print the experiment's summary line."""
    import pyarrow as pa

    from relu_lib.io import read_table, write_table
    from relu_lib.provenance import inputs_config, stamp
    from relu_lib.verdicts import summary_line, to_frame

    stats, stats_meta = read_table(cells_path, required=("cell", "observation", "ratio", "envelope_freq"))
    metas = [stats_meta]
    table = None
    if c_table_path:
        c_table, c_meta = read_table(c_table_path, required=("constraint", "c90"))
        table, metas = c_table.to_pandas(), [stats_meta, c_meta]
    frame = to_frame(rows_for(experiment, stats.to_pandas(), table, z))
    prov = stamp(inputs_config(metas, experiment=experiment, z=z), __name__)
    write_table(
        out,
        pa.Table.from_pandas(frame, preserve_index=False),
        {"experiment": experiment, "paper": "B", "z": z, "provenance": prov},
    )
    print(summary_line(experiment, frame))
