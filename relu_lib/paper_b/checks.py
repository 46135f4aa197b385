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

The envelope frequency k/T is judged by the exact binomial test (relu_lib.verdicts.frequency_row): `violated`
where P(X <= k | 0.9) is small, `holds` where P(X >= k | 0.9) is; the table decides both under its error control.
A plain binomial SE would call T/T trials "holds" at any T; the exact test needs 0.9^T at or below the threshold
(T >= 63 alone at z = 3), and e.g. 30/30 is `inconclusive` (P(30/30 | p = 0.9) = 4 %).
"""

from __future__ import annotations

import math

import pandas as pd

from relu_lib.distributions import binomial_sf
from relu_lib.paper_b.c_table import reference_c
from relu_lib.verdicts import CheckRow, Z, frequency_row, not_applicable, row

ENVELOPE_LEVEL = 0.9
RATE = 0.5
RUN = "PGD from 0, ReLU observations"


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
        "observed_se": math.sqrt(r.envelope_freq * (1 - r.envelope_freq) / r.trials),
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
    envelope_row = frequency_row(
        r.envelope_k,
        r.trials,
        ENVELOPE_LEVEL,
        z,
        **{k: v for k, v in envelope.items() if k not in ("observed", "observed_se")},
        **common,
        reason=f"n/n0 = {r.ratio:.3g} >= {why}; {r.envelope_k}/{r.trials} trials, exact binomial test of P >= 0.9 "
        f"(P(X >= k | 0.9) = {binomial_sf(r.envelope_k, r.trials, ENVELOPE_LEVEL):.2g}); {sample}",
    )
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
