"""The tails study's verdicts (all derived here, docs/tails.md), with z from the config's checks.

* "A6 tail index" (one row per cell and algorithm): Hill at the fixed k / n of the measured sample against the
  same estimator's expected value under the model at the same sample size and k (summary.py). The model is the
  algorithm's own recursion (for Algorithm 2 its Kesten recursion), whose tail index is the prediction; so
  "violated" means the measured tail contradicts the prediction, while the distance of that expected value from
  the asymptotic alpha ("pre-asymptotic") is a number in the reason, not an excuse. Inconclusive when k < 100 or
  when z standard errors exceed half the predicted index ("no power"); each such row says what sample would decide.
* "A6 growth factor" (per cell and algorithm): the prediction's defining equation through the real update rule,
  E[||A v||^alpha h(t') / h(t)] = 1 (Algorithm 2) or E||Phi(v)||^alpha = 1 (S.G.D.), Monte Carlo.
* "A6 Algorithm 2 vs S.G.D." (per cell): the measured difference of the two Hill estimates (paired seeds) against
  the model's; the reason gives the asymptotic difference (derived) and the sample that would resolve it.
* "A6 conjecture alpha_Alg2 = alpha_SGD" (per point of the derived table): the two asymptotic indices' difference
  against 0 within z numerical errors: "violated" is the conjecture failing there (computed, not measured).
* "A6 conjecture through the update rule" (per cell): Algorithm 2's growth factor E[||A v||^p h_p(t') / h_p(t)] at
  p = alpha_SGD, Monte Carlo through update_rule.step, against its prediction Lambda_Alg2(alpha_SGD); were the
  indices equal it would be 1, so the reason says whether the real update rule excludes 1 (the conjecture) at
  z standard errors: the measured counterpart of the derived table.
* not_applicable: non-finite iterates (the run left the stable range), or no finite prediction.
"""

from __future__ import annotations

import math

from relu_lib.paper_a.tails.summary import K_DECIDE, SUMMARY_COLUMNS
from relu_lib.verdicts import CheckRow, judge, not_applicable, p_values, row

FAMILY = "A6 tail index"
GROWTH_FAMILY = "A6 growth factor"
PAIR_FAMILY = "A6 Algorithm 2 vs S.G.D. tail index"
CONJECTURE_FAMILY = "A6 conjecture alpha_Alg2 = alpha_SGD"
CONJECTURE_GROWTH_FAMILY = "A6 conjecture through the update rule"
FAMILIES = (FAMILY, GROWTH_FAMILY, PAIR_FAMILY, CONJECTURE_FAMILY, CONJECTURE_GROWTH_FAMILY)
LABELS = {"alg2": "Algorithm 2", "sgd": "S.G.D."}
POWER_FRACTION = 0.5  # a test has power when z se < this fraction of the predicted index
STATEMENT = "the authors' note (arXiv 2204.12554): heavy tails of Algorithm 2 and S.G.D.; index derived here"


def _fields(rec: dict, run: str = "") -> dict:
    return {
        "paper": "A",
        "experiment": rec["experiment"],
        "cell": rec["cell"],
        "run": run,
        "source": "derived",
        "statement": STATEMENT,
    }


def _equal(observed: float, se: float, reference: float, scale: float, z: float, replicates: float, **fields):
    """A row for observed = reference within z se. The test's power is decided by the caller against the index
    (`scale`), so the reference's own size never makes it inconclusive (judge would when z se > |reference|, which
    a difference of indices near 0 always is): its p_holds is 0; the margin is relative to `scale`."""
    verdict, _ = judge("equal", observed - reference, se, 0.0, z)
    p_value, _ = p_values("equal", observed - reference, se, 0.0)
    return CheckRow(
        predicted=reference,
        observed=observed,
        observed_se=se,
        verdict=verdict,
        margin=(z * se - abs(observed - reference)) / scale,
        replicates=replicates,
        ratio=observed / reference if reference else math.nan,
        kind="equal",
        test="normal",
        p_value=p_value,
        p_holds=0.0 if math.isfinite(p_value) else math.nan,
        **fields,
    )


def _no_power(observed: float, se: float, reference: float, **fields) -> CheckRow:
    """An inconclusive row for lack of power (the caller's rule): still tested, so that a deviation large enough
    is `violated` under the table's control, but never `holds` (p_holds 1)."""
    p_value, _ = p_values("equal", observed - reference, se, 0.0)
    return CheckRow(
        predicted=reference, observed=observed, observed_se=se, verdict="inconclusive", kind="equal", test="normal",
        p_value=p_value, p_holds=1.0 if math.isfinite(p_value) else math.nan, **fields,
    )  # fmt: skip


def _decide_small_k(rec: dict) -> tuple[str, float]:
    need = math.ceil(K_DECIDE / rec["tail_fraction"])
    seeds = math.ceil(need / rec["samples"])
    return (
        f"k = {rec['k']} < {K_DECIDE} at k/n = {rec['tail_fraction']:g}: deciding it needs n >= {need} values "
        f"(seeds x samples; {seeds} seeds at {rec['samples']} samples)",
        float(seeds),
    )


def _seeds_for(rec: dict, se: float, effect: float, z: float) -> float:
    """Seeds at which z se (shrinking like 1 / sqrt(seeds)) falls to `effect`."""
    if not (math.isfinite(se) and effect > 0):
        return math.nan
    return float(max(rec["seeds"] + 1, math.ceil(rec["seeds"] * (z * se / effect) ** 2)))


def _estimates(rec: dict) -> str:
    return (
        f"Hill {rec['hill']:.2f} +- {rec['hill_se']:.2f} at k = {rec['k']} of n = {rec['n']} "
        f"(k/n = {rec['tail_fraction']:g}); under the model at the same n and k {rec['model_hill']:.2f} +- "
        f"{rec['model_se']:.2f} (mean of {rec['model_groups']} model samples of this size; their bootstrap error "
        f"{rec['model_boot_se']:.2f}, pooled sigma {rec['pooled_se']:.2f}); asymptotic alpha = {rec['predicted']:.3f} "
        f"(+- {rec['predicted_error']:.1e} numerical, derived): pre-asymptotic {rec['pre_asymptotic']:+.2f} +- "
        f"{rec['model_se']:.2f}; the model deeper (k = {rec['model_deep_k']} of {rec['model_groups'] * rec['n']}) "
        f"reads {rec['model_deep']:.2f}; diagnostics: KS-Hill {rec['hill_ks']:.2f} (k = {rec['k_ks']}, k/n = "
        f"{rec['k_ks'] / rec['n']:.2g}), moment {rec['moment']:.2f} [{rec['moment_lower']:.2f}, "
        f"{rec['moment_upper']:.2f}] at the fixed k"
    )


def index_row(rec: dict, z: float) -> CheckRow:
    """The "A6 tail index" row of one cell and algorithm (module docstring)."""
    fields = {
        "check": FAMILY,
        "quantity": "Hill alpha of ||Delta_inf|| at a fixed k/n vs the model's at the same n and k",
        **_fields(rec, LABELS[rec["algorithm"]]),
    }
    pred = rec["predicted"]
    if rec["non_finite"]:
        return not_applicable(
            f"{rec['non_finite']} non-finite iterates: the runs left the stable range, no stationary law",
            predicted=pred,
            **fields,
        )
    if not math.isfinite(pred):
        what = (
            "beyond the stability edge"
            if math.isnan(pred)
            else "alpha above transfer.ALPHA_MAX = 40 (no simulation here resolves it)"
        )
        return not_applicable(f"no finite prediction: {what}", predicted=pred, **fields)
    # sigma pooled over the measured sample and the model's (one law under the prediction), for the difference of
    # one sample and the mean of model_groups samples
    se = rec["pooled_se"] * math.sqrt(1 + 1 / rec["model_groups"]) if rec["model_groups"] else math.nan
    if rec["k"] < K_DECIDE:
        text, seeds = _decide_small_k(rec)
        return CheckRow(
            predicted=rec["model_hill"], observed=rec["hill"], observed_se=se, verdict="inconclusive",
            reason=text + "; " + _estimates(rec), replicates=rec["seeds"], seeds_needed=seeds, **fields,
        )  # fmt: skip
    if z * se > POWER_FRACTION * pred:
        return _no_power(
            rec["hill"], se, rec["model_hill"],
            reason=f"no power: {z:g} se = {z * se:.2f} exceed half the predicted index; deciding it needs about "
            f"{_seeds_for(rec, se, POWER_FRACTION * pred, z):.0f} seeds; " + _estimates(rec),
            replicates=rec["seeds"], seeds_needed=_seeds_for(rec, se, POWER_FRACTION * pred, z), **fields,
        )  # fmt: skip
    out = _equal(rec["hill"], se, rec["model_hill"], pred, z, rec["seeds"], **fields)
    head = f"|Hill - model's Hill| vs {z:g} sigma sqrt(1 + 1/groups); "
    if out.verdict == "violated":
        head = "the measured tail contradicts the model, whose tail index is the prediction; " + head
    out.reason = head + _estimates(rec)
    if rec["lag_correlation"] > 0.3:
        out.reason += (
            f"; thinned samples of a seed correlate ({rec['lag_correlation']:.2f} at one lag): the seed bootstrap "
            "and the model (same schedule) carry it"
        )
    return out


def growth_row(rec: dict, z: float) -> CheckRow:
    """The "A6 growth factor" row: the defining equation of the predicted index, through the real update rule."""
    alg2 = rec["algorithm"] == "alg2"
    fields = {
        "check": GROWTH_FAMILY,
        "quantity": "E[||A v||^alpha h(t')/h(t)] at the predicted alpha" if alg2 else "E||Phi(v)||^alpha",
        **_fields(rec, LABELS[rec["algorithm"]]),
    }
    if not math.isfinite(rec["growth"]):
        return not_applicable("no finite prediction to put into its equation", predicted=1.0, **fields)
    out = row("equal", rec["growth"], rec["growth_se"], 1.0, z=z, replicates=rec["growth_draws"], **fields)
    pin = z * rec["growth_se"] / rec["growth_slope"] if rec["growth_slope"] > 0 else math.nan
    what = (
        "one step of update_rule.step ('alg2') from w* + v minus one from w* (B cancels), h the leading "
        "eigenfunction of the transfer operator"
        if alg2
        else "(update_rule.step ('sgd') from w* + R v - w*) / R at R = 1e6, the far-field map"
    )
    out.reason = (
        f"{rec['growth']:.4f} +- {rec['growth_se']:.4f} over {rec['growth_draws']} uniform directions and "
        f"mini-batches at alpha = {rec['predicted']:.3f} (the error from the law's second moment at 2 alpha; the "
        f"sample's own reads {rec['growth_sample_se']:.4f}, too small where rare large factors carry the moment): "
        f"{what}; with d log Lambda / d alpha = "
        f"{rec['growth_slope']:.3g} this pins alpha to +- {pin:.2g} ({z:g} se)"
    )
    return out


def pair_row(a: dict, s: dict, z: float) -> CheckRow:
    """The "A6 Algorithm 2 vs S.G.D." row of one cell: measured difference vs the model's at the same n and k."""
    fields = {
        "check": PAIR_FAMILY,
        "quantity": "alpha_Alg2 - alpha_SGD (Hill at the fixed k/n, paired seeds) vs the model's",
        **_fields(a),
    }
    if a["non_finite"] or s["non_finite"] or not (math.isfinite(a["predicted"]) and math.isfinite(s["predicted"])):
        return not_applicable("non-finite iterates or no finite prediction", predicted=0.0, **fields)
    se = math.hypot(a["pair_difference_se"], a["model_pair_difference_se"])
    d_pred, d_err = a["predicted_pair_difference"], a["predicted_pair_difference_error"]
    resolve = _seeds_for(a, se, abs(d_pred), z)
    text = (
        f"measured {a['pair_difference']:+.2f} +- {a['pair_difference_se']:.2f} (Algorithm 2 {a['hill']:.2f}, "
        f"S.G.D. {s['hill']:.2f} at k = {a['k']} of n = {a['n']}); the model's {a['model_pair_difference']:+.2f} +- "
        f"{a['model_pair_difference_se']:.2f}; asymptotic difference (derived) {d_pred:+.3f} +- {d_err:.1e}, which "
        f"{z:g} se of this comparison resolve from 0 at about {resolve:.0f} seeds"
    )
    if a["k"] < K_DECIDE:
        msg, seeds = _decide_small_k(a)
        return CheckRow(
            predicted=a["model_pair_difference"], observed=a["pair_difference"], observed_se=se,
            verdict="inconclusive", reason=msg + "; " + text, replicates=a["seeds"], seeds_needed=seeds, **fields,
        )  # fmt: skip
    scale = POWER_FRACTION * min(a["predicted"], s["predicted"])
    if z * se > scale:
        need = _seeds_for(a, se, scale, z)
        return _no_power(
            a["pair_difference"], se, a["model_pair_difference"],
            reason=f"no power: {z:g} se = {z * se:.2f} exceed half the smaller index; deciding it needs about "
            f"{need:.0f} seeds; " + text,
            replicates=a["seeds"], seeds_needed=need, **fields,
        )  # fmt: skip
    out = _equal(a["pair_difference"], se, a["model_pair_difference"], 2 * scale, z, a["seeds"], **fields)
    out.reason = text
    return out


def conjecture_row(rec: dict, z: float, experiment: str) -> CheckRow:
    """One point of the derived table: alpha_Alg2 - alpha_SGD against 0 within z numerical errors."""
    cell = f"attack={rec['adversary']}/n={rec['n']}/b={rec['b']}/frac={rec['fraction']:g}"
    fields = {
        "check": CONJECTURE_FAMILY,
        "quantity": "alpha_Alg2 - alpha_SGD at the same fraction of each one's edge (numerical error)",
        "paper": "A",
        "experiment": experiment,
        "cell": cell,
        "source": "derived",
        "statement": STATEMENT,
    }
    if not math.isfinite(rec["difference"]):
        return not_applicable(
            f"alpha_Alg2 = {rec['alpha_alg2']:.3g}, alpha_SGD = {rec['alpha_sgd']:.3g}: not both finite (above the cap "
            "or beyond the edge)",
            predicted=0.0,
            **fields,
        )
    err = max(rec["difference_error"], 1e-12)
    out = row("equal", rec["difference"], err, 0.0, z=z, **fields)
    out.reason = (
        f"alpha_Alg2 = {rec['alpha_alg2']:.4f} +- {rec['alpha_alg2_error']:.1e}, alpha_SGD = {rec['alpha_sgd']:.4f} +- "
        f"{rec['alpha_sgd_error']:.1e} at {rec['fraction']:g} of their edges (Algorithm 2 {rec['edge_alg2']:.4g}, "
        f"S.G.D. {rec['edge_sgd']:.4g}); errors are numerical (refined rules), not Monte Carlo; "
        + ("the conjecture fails here" if out.verdict == "violated" else "equal within the numerical error")
    )
    return out


def conjecture_growth_row(a: dict, s: dict, z: float) -> CheckRow:
    """The "A6 conjecture through the update rule" row of one cell (module docstring)."""
    fields = {
        "check": CONJECTURE_GROWTH_FAMILY,
        "quantity": "Algorithm 2's E[||A v||^p h_p(t')/h_p(t)] at p = alpha_SGD (1 if the indices were equal)",
        **_fields(a, LABELS["alg2"]),
    }
    if not math.isfinite(a["conjecture_growth"]):
        return not_applicable("no finite pair of indices", predicted=1.0, **fields)
    mc, se, lam = a["conjecture_growth"], a["conjecture_growth_se"], a["conjecture_lambda"]
    out = row("equal", mc, se, lam, z=z, replicates=a["growth_draws"], **fields)
    apart = abs(mc - 1.0) / se
    out.reason = (
        f"{mc:.4f} +- {se:.4f} (the law's error, {a['growth_draws']} draws through update_rule.step) at "
        f"p = alpha_SGD = {s['predicted']:.3f} (alpha_Alg2 = {a['predicted']:.3f}); predicted Lambda_Alg2(p) = "
        f"{lam:.4f}; the conjecture would make it 1, which is {apart:.1f} se away: "
        + (f"the real update rule excludes it at {z:g} se" if apart > z else f"not excluded at {z:g} se")
    )
    return out


def verdict_rows(records: list[dict], conjecture: list[dict], z: float, experiment: str = "tails") -> list[CheckRow]:
    """Every family's rows for the summary records (one per cell and algorithm) and the derived table."""
    rows = [index_row(rec, z) for rec in records] + [growth_row(rec, z) for rec in records]
    by_cell: dict[str, dict] = {}
    for rec in records:
        by_cell.setdefault(rec["cell"], {})[rec["algorithm"]] = rec
    for algos in by_cell.values():
        if "alg2" in algos and "sgd" in algos:
            rows.append(pair_row(algos["alg2"], algos["sgd"], z))
            rows.append(conjecture_growth_row(algos["alg2"], algos["sgd"], z))
    rows += [conjecture_row(rec, z, experiment) for rec in conjecture]
    return rows


def check(summary_path, conjecture_path, z: float, out_path) -> None:
    """results/bounds/tails.parquet: every family's rows."""
    import pyarrow as pa

    from relu_lib.io import read_table, write_table
    from relu_lib.paper_a.tails.conjecture import COLUMNS
    from relu_lib.provenance import inputs_config, stamp
    from relu_lib.verdicts import summary_line, to_frame

    table, meta = read_table(summary_path, SUMMARY_COLUMNS)
    records = table.to_pandas().to_dict("records")
    conj, conj_meta = read_table(conjecture_path, COLUMNS)
    experiment = records[0]["experiment"] if records else "tails"
    frame = to_frame(verdict_rows(records, conj.to_pandas().to_dict("records"), z, experiment))
    config = inputs_config([meta, conj_meta], z=z)
    write_table(
        out_path,
        pa.Table.from_pandas(frame, preserve_index=False),
        {"experiment": "tails", "z": z, "provenance": stamp(config, __name__)},
    )
    print(summary_line("tails", frame))
