"""The tails study's estimation: per cell and algorithm, the measured tail against the model's and the prediction.

Per cell and algorithm (relu_lib.paper_a.tails.trainer writes the samples):

* **the tail at a fixed small k / n** (`tail_fraction`, k = round(tail_fraction x n), n = seeds x samples): Hill at
  that k (estimators.hill_at), with a **seed-cluster bootstrap** for its standard error (a replicate resamples
  whole seeds, all of a seed's thinned samples together, so correlation between them is carried into the error;
  Algorithm 2 and S.G.D. are resampled on the *same* seeds, which gives the paired error of their difference: they
  ran on the same draws). The generator is keyed by the cell, so the errors are reproducible;
* **the estimator's own law under the model**: the model's chains (model_factor x seeds, the same schedule) are
  cut into model_factor groups of `seeds` chains, i.e. samples of exactly the measured size; Hill at the same k on
  each gives the expected value at this n and k (their mean). Under the prediction the measured sample and every
  group have one law, so the estimator's spread sigma at this n and k is the pooled seed-bootstrap variance of all
  of them (one sample's bootstrap error varies by some 20 % from sample to sample: measured over 40 model samples,
  docs/tails.md; pooling steadies it); the model mean's error is sigma / sqrt(groups), and the verdict's
  sigma sqrt(1 + 1 / groups). "Pre-asymptotic" is the number E_model[Hill] - alpha_predicted; the pooled model
  sample at the same k (k / n smaller by model_factor) says which way the estimator moves deeper in the tail;
* the asymptotic prediction alpha with its numerical error (prediction.index_with_error), the growth factor of the
  prediction's defining equation through the real update rule (growth.py), with d log Lambda / d alpha to read its
  error as one of alpha; and for Algorithm 2 the same factor at S.G.D.'s index (the conjecture through the real
  update rule: 1 if the two indices were equal, Lambda_Alg2(alpha_SGD) by the prediction);
* diagnostics: Hill with the KS choice of k (and that k), the moment estimator at the fixed k with its interval,
  the correlation between consecutive thinned samples of a seed.
Verdicts on these estimates: relu_lib.paper_a.tails.checks. Everything here is marked derived.
"""

from __future__ import annotations

import math

import numpy as np

from relu_lib.paper_a.tails import estimators, prediction

LEVEL = 0.95  # of the reported intervals
K_DECIDE = 100  # the fewest order statistics a verdict at the fixed fraction uses (Hill's error ~ alpha / sqrt(k))
SUMMARY_COLUMNS = (
    "experiment",
    "cell",
    "law_name",
    "d",
    "sigma",
    "adversary",
    "b",
    "fraction",
    "algorithm",
    "eta",
    "effective_eta",
    "edge",
    "lyapunov",
    "predicted",
    "predicted_error",
    "predicted_linear",
    "time_scale",
    "thin",
    "burn_in",
    "seeds",
    "samples",
    "n",
    "tail_fraction",
    "k",
    "non_finite",
    "hill",
    "hill_lower",
    "hill_upper",
    "hill_se",
    "moment",
    "moment_lower",
    "moment_upper",
    "model_hill",
    "model_se",
    "model_boot_se",
    "pooled_se",
    "model_group_sd",
    "model_groups",
    "model_deep",
    "model_deep_k",
    "pre_asymptotic",
    "hill_ks",
    "k_ks",
    "lag_correlation",
    "pair_difference",
    "pair_difference_se",
    "model_pair_difference",
    "model_pair_difference_se",
    "predicted_pair_difference",
    "predicted_pair_difference_error",
    "growth",
    "growth_se",
    "growth_sample_se",
    "growth_draws",
    "growth_slope",
    "conjecture_lambda",
    "conjecture_growth",
    "conjecture_growth_se",
)


def fixed_k(n: int, tail_fraction: float) -> int:
    """k = round(tail_fraction n), at least estimators.K_MIN (and < n)."""
    return int(min(n - 1, max(estimators.K_MIN, round(tail_fraction * n))))


def cluster_bootstrap(per_seed: np.ndarray, k: int, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Hill at the fixed k of `n_boot` seed-cluster resamples, shape (n_boot, algorithm).

    per_seed: (algorithm, seed, sample) positive values. Replicate j draws seeds with replacement and takes every
    sample of those seeds for every algorithm (the same seeds: the algorithms' errors stay paired)."""
    a, r, _ = per_seed.shape
    out = np.empty((n_boot, a))
    for j in range(n_boot):
        pick = rng.integers(0, r, r)
        for i in range(a):
            out[j, i] = estimators.hill_at(per_seed[i, pick], k)
    return out


def lag_correlation(per_seed: np.ndarray) -> float:
    """Correlation of log||Delta|| between consecutive thinned samples of a seed (pooled; nan if 1 sample)."""
    if per_seed.shape[-1] < 2:
        return math.nan
    logs = np.log(per_seed)
    first, second = logs[..., :-1].ravel(), logs[..., 1:].ravel()
    return float(np.corrcoef(first, second)[0, 1])


def model_groups(model: np.ndarray, seeds: int, k: int, rng: np.random.Generator, n_boot: int):
    """(Hill at k, its seed-bootstrap error) on each group of `seeds` consecutive model chains: the estimator at
    the measured sample size, and its spread as the measured sample's bootstrap sees it."""
    groups = model.shape[0] // seeds
    hills, errors = np.empty(groups), np.empty(groups)
    for g in range(groups):
        part = model[g * seeds : (g + 1) * seeds]
        hills[g] = estimators.hill_at(part, k)
        errors[g] = float(np.std(cluster_bootstrap(part[None], k, rng, n_boot)[:, 0], ddof=1))
    return hills, errors


def _finite(values: np.ndarray) -> bool:
    """Every value finite and >= 0 (a chain may sit at Delta = 0 exactly until its first attacked sample passes
    Algorithm 2's filter: a value 0 is a real state, far from the tail; the diagnostics that take logs skip it)."""
    return bool(np.all(np.isfinite(values)) and np.all(values >= 0))


def _positive(values: np.ndarray) -> np.ndarray:
    flat = values.ravel()
    return flat[flat > 0]


def predictions(spec: dict) -> dict:
    """{algorithm: {...}} of the derived numbers of a cell: alpha and its error, edge, Lyapunov exponent, the
    linear-regression index at the same fraction, and the filter law."""
    d, b, sigma = spec["law"]["d"], spec["b"], spec["law"]["sigma"]
    flt = prediction.alg2_filter(spec["adversary"], spec["beta"], spec["theta"], spec["w_star_norm"], sigma)
    linear = float(prediction.curve("linear", [spec["fraction"]], b, d, flt)[0])
    out = {}
    for name in prediction.ALGORITHMS:
        eff = spec["algorithms"][name]["effective_eta"]
        alpha, err = prediction.index_with_error(name, eff, b, d, flt)
        finite = math.isfinite(alpha)
        out[name] = {
            "alpha": float(alpha),
            "error": float(err),
            "lyapunov": prediction.lyapunov(name, eff, b, d, flt),
            "linear": linear,
            "slope": prediction.log_slope(name, eff, b, d, flt, alpha) if finite else math.nan,
            "h": prediction.eigenfunction(eff, b, d, flt, alpha) if finite and name == "alg2" else None,
            "growth_variance": prediction.growth_variance(name, eff, b, d, flt, alpha) if finite else math.nan,
            "flt": flt,
        }
    return out


def estimate_cell(norms: dict, meta: dict, rng: np.random.Generator, n_boot: int, settings: dict) -> list[dict]:
    """Summary records (one per algorithm) of a cell. norms: {source: (algorithm, seed, sample)}; meta: the cell
    file's metadata; settings: grid.estimation (tail_fraction, growth_draws)."""
    spec = meta["cell"]
    measured, model = norms["measured"], norms["model"]
    names = meta["algorithms"]
    seeds, samples = measured.shape[1], measured.shape[2]
    n = seeds * samples
    k = fixed_k(n, settings["tail_fraction"])
    pred = predictions(spec)
    base = {
        "experiment": spec["experiment"],
        "cell": spec["cell"],
        "law_name": spec["law_name"],
        "d": spec["law"]["d"],
        "sigma": spec["law"]["sigma"],
        "adversary": spec["adversary"],
        "b": spec["b"],
        "fraction": spec["fraction"],
        "seeds": seeds,
        "samples": samples,
        "n": n,
        "tail_fraction": settings["tail_fraction"],
        "k": k,
        "growth_draws": settings["growth_draws"],
    }
    records = []
    finite = [_finite(measured[i]) and _finite(model[i]) for i in range(len(names))]
    boots = (
        cluster_bootstrap(measured, k, rng, n_boot) if all(finite) else np.full((max(n_boot, 2), len(names)), np.nan)
    )
    nan = (np.array([math.nan]), np.array([math.nan]))
    groups = [model_groups(model[i], seeds, k, rng, n_boot) if finite[i] else nan for i in range(len(names))]
    hills = [estimators.hill_at(measured[i], k) if finite[i] else math.nan for i in range(len(names))]
    tail = (1 - LEVEL) / 2
    for i, name in enumerate(names):
        plan, p = spec["algorithms"][name], pred[name]
        rec = {
            **base,
            "algorithm": name,
            "eta": plan["eta"],
            "effective_eta": plan["effective_eta"],
            "edge": plan["edge"],
            "lyapunov": p["lyapunov"],
            "predicted": p["alpha"],
            "predicted_error": p["error"],
            "predicted_linear": p["linear"],
            "time_scale": plan["time_scale"],
            "thin": plan["thin"],
            "burn_in": plan["burn_in"],
            "non_finite": int(np.count_nonzero(~np.isfinite(measured[i]))),
        }
        se = float(np.std(boots[:, i], ddof=1))
        if finite[i]:
            g_hill, g_se = groups[i]
            pooled = math.sqrt((se * se + float(np.sum(g_se * g_se))) / (1 + g_se.size))
            moment = estimators.moment_estimator(_positive(measured[i]), k=k, level=LEVEL)
            ks = estimators.hill(_positive(measured[i]))
            everything = model[i].ravel()
            deep_k = min(k, everything.size - 1)
            lower, upper = np.quantile(boots[:, i], [tail, 1 - tail])
            rec.update(
                hill=hills[i],
                hill_lower=float(lower),
                hill_upper=float(upper),
                hill_se=se,
                moment=moment.alpha,
                moment_lower=moment.lower,
                moment_upper=moment.upper,
                model_hill=float(g_hill.mean()),
                model_se=pooled / math.sqrt(g_hill.size),
                model_boot_se=float(np.sqrt(np.mean(g_se * g_se))),
                pooled_se=pooled,
                model_group_sd=float(np.std(g_hill, ddof=1)) if g_hill.size > 1 else math.nan,
                model_groups=int(g_hill.size),
                model_deep=estimators.hill_at(everything, deep_k),
                model_deep_k=deep_k,
                pre_asymptotic=float(g_hill.mean()) - p["alpha"],
                hill_ks=ks.alpha,
                k_ks=ks.k,
                lag_correlation=lag_correlation(measured[i : i + 1][:, np.all(measured[i] > 0, axis=1)]),
            )
        else:
            rec.update(
                dict.fromkeys(("hill", "hill_lower", "hill_upper", "hill_se", "moment", "moment_lower"), math.nan)
            )
            rec.update(dict.fromkeys(("moment_upper", "model_hill", "model_se", "model_group_sd"), math.nan))
            rec.update(dict.fromkeys(("model_boot_se", "pooled_se"), math.nan))
            rec.update(dict.fromkeys(("model_deep", "pre_asymptotic", "hill_ks", "lag_correlation"), math.nan))
            rec.update(model_groups=0, model_deep_k=-1, k_ks=-1)
        rec.update(growth_slope=p["slope"])
        records.append(rec)
    _growth_rows(records, spec, pred, settings["growth_draws"], rng)
    if len(names) == 2:
        pair = {
            "pair_difference": hills[0] - hills[1],
            "pair_difference_se": float(np.std(boots[:, 0] - boots[:, 1], ddof=1)),
            "model_pair_difference": records[0]["model_hill"] - records[1]["model_hill"],
            "model_pair_difference_se": math.hypot(records[0]["model_se"], records[1]["model_se"]),  # independent
            "predicted_pair_difference": pred[names[0]]["alpha"] - pred[names[1]]["alpha"],
            "predicted_pair_difference_error": pred[names[0]]["error"] + pred[names[1]]["error"],
        }
        for rec in records:
            rec.update(pair)
    return records


def _growth_rows(records: list[dict], spec: dict, pred: dict, draws: int, rng: np.random.Generator) -> None:
    """The growth factors of a cell, on one set of draws (growth.growth_factors): each algorithm's at its predicted
    alpha, and Algorithm 2's at S.G.D.'s alpha (the conjecture through the real update rule); their errors from the
    law (prediction.growth_variance)."""
    from relu_lib.paper_a.tails.growth import growth_factors

    d, b = spec["law"]["d"], spec["b"]
    requests, where = [], []
    for rec in records:
        name = rec["algorithm"]
        rec.update(dict.fromkeys(("growth", "growth_se", "growth_sample_se"), math.nan))
        rec.update(dict.fromkeys(("conjecture_lambda", "conjecture_growth", "conjecture_growth_se"), math.nan))
        if math.isfinite(pred[name]["alpha"]):
            requests.append((name, pred[name]["alpha"], pred[name]["h"]))
            where.append((rec, "growth", pred[name]["growth_variance"]))
    other = pred.get("sgd", {}).get("alpha", math.nan)
    alg2 = next((rec for rec in records if rec["algorithm"] == "alg2"), None)
    if alg2 is not None and math.isfinite(other) and math.isfinite(pred["alg2"]["alpha"]):
        eff, flt = spec["algorithms"]["alg2"]["effective_eta"], pred["alg2"]["flt"]
        requests.append(("alg2", other, prediction.eigenfunction(eff, b, d, flt, other)))
        where.append((alg2, "conjecture_growth", prediction.growth_variance("alg2", eff, b, d, flt, other)))
        alg2["conjecture_lambda"] = prediction.eigenvalue(eff, b, d, flt, other)
    if not requests:
        return
    for (rec, key, variance), (mean, sample_se) in zip(where, growth_factors(spec, requests, draws, rng), strict=True):
        rec[key] = mean
        rec[f"{key}_se"] = math.sqrt(variance / draws)
        if key == "growth":
            rec["growth_sample_se"] = sample_se


def read_cell(path) -> tuple[dict, dict]:
    """A cell file's norms as {source: (algorithm, seed, sample)} and its metadata."""
    from relu_lib.io import read_table
    from relu_lib.paper_a.tails.trainer import COLUMNS

    table, meta = read_table(path, COLUMNS)
    spec = meta["cell"]
    a, m = len(meta["algorithms"]), meta["samples"]
    norm = table.column("norm").to_numpy()
    sizes = {"measured": spec["seeds"], "model": spec["model_factor"] * spec["seeds"]}
    out, start = {}, 0
    for source in meta["sources"]:  # written source-, then algorithm-, seed- and sample-major
        count = a * sizes[source] * m
        out[source] = norm[start : start + count].reshape(a, sizes[source], m)
        start += count
    return out, meta


def estimate(cell_path, out_path, n_boot: int, settings: dict) -> None:
    """results/tails/<cell>/estimates.parquet: estimate_cell of one cell (one job per cell, so that the estimation
    runs next to the other cells' simulations), one row per algorithm."""
    import pandas as pd
    import pyarrow as pa

    from relu_lib.io import write_table
    from relu_lib.provenance import inputs_config, stamp
    from relu_lib.seeding import generator

    settings = {key: settings[key] for key in ("tail_fraction", "growth_draws")}
    norms, meta = read_cell(cell_path)
    spec = meta["cell"]
    rng = generator(spec["master_seed"], "tails-estimation", spec["cell"], n_boot, settings)
    frame = pd.DataFrame(estimate_cell(norms, meta, rng, n_boot, settings), columns=list(SUMMARY_COLUMNS))
    config = inputs_config([meta], level=LEVEL, bootstrap=n_boot, **settings)
    write_table(
        out_path,
        pa.Table.from_pandas(frame, preserve_index=False),
        {
            "level": LEVEL,
            "bootstrap": n_boot,
            "estimation": settings,
            "interval": "seed-cluster bootstrap percentile, Hill at k = round(tail_fraction n)",
            "source": "derived",
            "provenance": stamp(config, __name__),
        },
    )


def summarize(estimate_paths, out_path) -> None:
    """results/summary/tails.parquet: every cell's estimates, one row per cell and algorithm."""
    import pyarrow as pa

    from relu_lib.io import read_table, write_table
    from relu_lib.provenance import inputs_config, stamp

    tables, metas = [], []
    for path in estimate_paths:
        table, meta = read_table(path, SUMMARY_COLUMNS)
        tables.append(table.select(list(SUMMARY_COLUMNS)))
        metas.append(meta)
    settings = metas[0]["estimation"] if metas else {}
    write_table(
        out_path,
        pa.concat_tables(tables) if tables else pa.table({c: [] for c in SUMMARY_COLUMNS}),
        {
            "level": LEVEL,
            "bootstrap": metas[0]["bootstrap"] if metas else 0,
            "estimation": settings,
            "interval": "seed-cluster bootstrap percentile, Hill at k = round(tail_fraction n)",
            "source": "derived",
            "provenance": stamp(inputs_config(metas), __name__),
        },
    )
