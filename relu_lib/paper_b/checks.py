"""Paper B's rows of the bound-check table (verdict logic: relu_lib.verdicts).

Per cell, for PGD from 0 with ReLU observations:
  B envelope    the frequency of trials with ||w_tau - w*|| <= (1/2)^tau ||w*|| for all tau <= T;
  B rate        the median over trials of the per-step error ratio, against 1/2;
  B first step  the identity E[(2/n) sum y_i x_i] = w* (two rows: along w*, and in all coordinates).

The theorem (docs/theory.md B.2) holds for n > c n0 with c (and the probability's gamma) unspecified.
We take c from our own measurement: the largest c90 of the envelope over the (s, d) of the
constraint (relu_lib.paper_b.c_table.reference_c). A cell with n/n0 below that c is `not_applicable`
(its observed value is still reported); at or above it the envelope frequency must be >= 0.9
and the median ratio <= 1/2.

The sample_complexity cells measured c, so their envelope frequencies at n/n0 >= c cannot test it (they are
reported, `not_applicable`, "in sample"): the envelope is judged there on fresh trials instead, at the smallest
grid n/n0 >= c of each (s, d) (relu_lib.paper_b.fresh). Other experiments' cells (trajectories) are other trials
and are judged on their own.

The envelope frequency k/T is judged by the exact binomial test (relu_lib.verdicts.frequency_row): `violated`
where P(X <= k | 0.9) is small, `holds` where P(X >= k | 0.9) is; the table decides both under its error control;
the row's reason gives the Clopper–Pearson 95 % interval, the same test's dual. A plain binomial SE would call
T/T trials "holds" at any T; the exact test needs 0.9^T at or below the threshold (T >= 63 alone at z = 3), and
e.g. 30/30 is `inconclusive` (P(30/30 | p = 0.9) = 4 %).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from relu_lib.distributions import binomial_sf, clopper_pearson
from relu_lib.paper_b.c_table import reference_c
from relu_lib.paper_b.fresh import EXPERIMENT
from relu_lib.paper_b.summary import median_se
from relu_lib.verdicts import CheckRow, Z, frequency_row, not_applicable, row

ENVELOPE_LEVEL = 0.9
RATE = 0.5
RUN = "PGD from 0, ReLU observations"


def rows_for(
    experiment: str, stats: pd.DataFrame, table: pd.DataFrame | None, z: float = Z, fresh: list | None = None
) -> list[CheckRow]:
    """Verdict rows of one paper-B experiment from its per-cell statistics (relu_lib.paper_b.summary.cell_stats),
    the c50/c90 table of the sample_complexity experiment (None if there is none) and, for that experiment, its
    fresh-trial files as (metadata, per-trial frame) pairs (relu_lib.paper_b.fresh)."""
    out = []
    for r in stats[stats["observation"] == "relu"].itertuples(index=False):
        common = {"paper": "B", "experiment": experiment, "cell": r.cell, "run": RUN}
        out += theorem_rows(r, common, *reference_c(table, r.constraint), in_sample=experiment == EXPERIMENT, z=z)
        out += first_step_rows(r, common, z)
    for meta, trials in fresh or []:
        out += fresh_rows(experiment, stats, meta, trials, z)
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
    if in_sample:
        envelope_row = not_applicable(
            f"n/n0 = {r.ratio:.3g} >= {why}; in sample: c was measured on these trials, so at n/n0 >= c their "
            "frequency is at or above 0.9 by construction and cannot test the theorem; it is judged on fresh "
            "trials at the smallest grid n/n0 >= c of each (s, d) (the row whose quantity says 'fresh trials'); "
            "the observed value is reported",
            predicted=ENVELOPE_LEVEL,
            **envelope,
            **common,
        )
        return [envelope_row, rate_row(r, rate, common, why, z)]
    envelope_row = frequency_row(
        r.envelope_k,
        r.trials,
        ENVELOPE_LEVEL,
        z,
        **{k: v for k, v in envelope.items() if k not in ("observed", "observed_se")},
        **common,
        reason=f"n/n0 = {r.ratio:.3g} >= {why}; {binomial_reason(r.envelope_k, r.trials)}; c was measured on the "
        "sample_complexity cells (other trials)",
    )
    return [envelope_row, rate_row(r, rate, common, why, z)]


def rate_row(r, rate: dict, common: dict, why: str, z: float) -> CheckRow:
    return row(
        "upper",
        rate["observed"],
        rate["observed_se"],
        RATE,
        z=z,
        replicates=r.trials,
        **{k: v for k, v in rate.items() if k not in ("observed", "observed_se")},
        **common,
        reason=f"n/n0 = {r.ratio:.3g} >= {why}; the per-step contraction behind the (1/2)^tau envelope; "
        "SE of the median sqrt(pi/2) sd / sqrt(T)",
    )


def binomial_reason(k: int, trials: int) -> str:
    low, high = clopper_pearson(k, trials)
    return (
        f"{k}/{trials} trials, exact binomial test of P >= {ENVELOPE_LEVEL:g} (P(X >= k | {ENVELOPE_LEVEL:g}) = "
        f"{binomial_sf(k, trials, ENVELOPE_LEVEL):.2g}; Clopper–Pearson 95 % interval [{low:.3f}, {high:.3f}])"
    )


def fresh_rows(experiment: str, stats: pd.DataFrame, meta: dict, trials: pd.DataFrame, z: float) -> list[CheckRow]:
    """The envelope and the rate on one (constraint, s, d)'s fresh trials at the smallest grid n/n0 >= c."""
    where = f"constraint={meta['constraint']}, s={meta['s']}, d={meta['d']}"
    point = meta["point"]
    common = {"paper": "B", "experiment": experiment, "run": RUN, "check": "B envelope", "source": "paper"}
    if point is None:
        own = stats[
            (stats["observation"] == "relu")
            & (stats["constraint"] == meta["constraint"])
            & (stats["s"] == meta["s"])
            & (stats["d"] == meta["d"])
        ]
        cell = own.sort_values("ratio")["cell"].iloc[-1]
        return [
            not_applicable(
                f"{meta['c_reason']}: no fresh trials were run for {where}",
                cell=cell,
                quantity=f"fresh trials ({where}) at the smallest grid n/n0 >= c",
                predicted=ENVELOPE_LEVEL,
                **common,
            )
        ]
    k, n_trials = int(trials["envelope"].sum()), len(trials)
    at = (
        f"fresh trials at the smallest grid n/n0 >= c of {where}: n/n0 = {point['ratio']:.3g} (n = {meta['n']}); "
        f"{meta['c_reason']}"
    )
    envelope = frequency_row(
        k,
        n_trials,
        ENVELOPE_LEVEL,
        z,
        cell=point["cell"],
        quantity=f"fraction of {n_trials} fresh trials with ||w_tau - w*|| <= (1/2)^tau ||w*|| for all "
        f"tau <= {meta['iterations']}",
        reason=f"{at}; {binomial_reason(k, n_trials)}; the cell's own (in-sample) trials: "
        f"{point['in_sample_k']}/{point['in_sample_trials']}",
        **common,
    )
    ratios = trials["ratio_median"].to_numpy(dtype=float)
    finite = ratios[np.isfinite(ratios)]
    rate = {
        "check": "B rate",
        "source": "paper",
        "quantity": f"median over {n_trials} fresh trials of the per-step ratio ||w_tau+1 - w*|| / ||w_tau - w*|| "
        "(each trial: median over tau until 1e-12)",
        "observed": float(np.median(finite)) if finite.size else math.nan,
        "observed_se": median_se(ratios),
    }
    fields = {k: v for k, v in common.items() if k not in ("check", "source")} | {"cell": point["cell"]}
    return [
        envelope,
        row(
            "upper",
            rate.pop("observed"),
            rate.pop("observed_se"),
            RATE,
            z=z,
            replicates=n_trials,
            **rate,
            **fields,
            reason=f"{at}; the per-step contraction behind the (1/2)^tau envelope; SE of the median "
            "sqrt(pi/2) sd / sqrt(T)",
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


def check_experiment(experiment: str, cells_path, c_table_path, out, z: float = Z, fresh_paths=()) -> None:
    """Write one paper-B experiment's verdict rows (Parquet) from its per-cell statistics and, if there
    is one, the sample_complexity c50/c90 table and its fresh-trial files; print the experiment's summary line."""
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
    fresh = []
    for path in fresh_paths:
        trials, meta = read_table(path, required=("trial", "envelope", "ratio_median"))
        fresh.append((meta, trials.to_pandas()))
        metas.append(meta)
    frame = to_frame(rows_for(experiment, stats.to_pandas(), table, z, fresh))
    prov = stamp(inputs_config(metas, experiment=experiment, z=z), __name__)
    write_table(
        out,
        pa.Table.from_pandas(frame, preserve_index=False),
        {"experiment": experiment, "paper": "B", "z": z, "provenance": prov},
    )
    print(summary_line(experiment, frame))
