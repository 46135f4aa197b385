"""The `tails` experiment's estimation: tail indices of the late iterates, per cell and algorithm.

Per cell and algorithm (relu_lib.paper_a.tails.trainer writes the samples):

* Hill with the KS choice of k (estimators.hill) as the point estimate;
* a **seed-cluster bootstrap** for its interval and standard error: a replicate resamples whole seeds with
  replacement (all of a seed's thinned samples together, so residual correlation between them is carried into
  the interval) and re-chooses k; GLM-Tron and SGD are resampled on the *same* seeds, which gives the standard
  error of their difference with the pairing kept (they ran on the same mini-batches). The generator is keyed
  by the cell (relu_lib.seeding), so the interval is reproducible;
* the moment estimator (Dekkers-Einmahl-de Haan) at Hill's k with its asymptotic interval, as a cross-check
  that does not assume an exact Pareto tail above the threshold.
Verdicts on these estimates: relu_lib.paper_a.tails.checks.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from relu_lib.paper_a.tails import estimators, theory

LEVEL = 0.95  # of the reported intervals
SUMMARY_COLUMNS = (
    "experiment",
    "cell",
    "law_name",
    "d",
    "sigma",
    "b",
    "fraction",
    "eta",
    "effective_eta",
    "edge",
    "algorithm",
    "predicted",
    "predicted_linear",
    "seeds",
    "samples",
    "n",
    "thin",
    "burn_in",
    "non_finite",
    "hill",
    "hill_lower",
    "hill_upper",
    "hill_se",
    "k",
    "moment",
    "moment_lower",
    "moment_upper",
    "pair_difference",
    "pair_difference_se",
    "lag_correlation",
    "hill_deep",
    "k_deep",
)
DEEP_FRACTION = 0.005  # the deep-tail Hill diagnostic uses the top 0.5 % of the values (at least 30)


def predictions(d: int, b: int, effective_eta: float) -> tuple[float, float, float]:
    """(edge, alpha ReLU, alpha linear regression) of the N(0, I) map at the effective step eta sigma^2."""
    edge = theory.stability_edge(b, d)
    relu = theory.tail_index(effective_eta, b, d)
    lin_edge = theory.stability_edge(b, d, "linear")
    linear = theory.tail_index(effective_eta, b, d, "linear") if effective_eta < lin_edge else math.nan
    return edge, float(relu), float(linear)


@lru_cache(maxsize=8)
def _ks_layout(n: int):
    """Flat indices for the KS distances of every candidate k at once (estimators.candidate_ks(n)).

    For candidate g with k = ks[g], entries j = 1..k: the j-th smallest of the k largest values is desc[k - j].
    """
    ks = estimators.candidate_ks(n)
    group = np.repeat(np.arange(ks.size), ks)
    starts = np.concatenate([[0], np.cumsum(ks)[:-1]])
    j = np.arange(group.size) - starts[group] + 1
    k = ks[group]
    return ks, group, starts, j / k, k - j, k


def hill_ks_fast(values: np.ndarray) -> float:
    """estimators.hill(values).alpha (the KS choice of k, then Hill), vectorised over the candidate k.

    The same floating-point operations element by element, so the same k and alpha (tested); about 10 times
    faster, which is what makes a seed bootstrap of a few hundred replicates affordable.
    """
    desc = -np.sort(-np.asarray(values, dtype=float).ravel())
    ks, group, starts, jk, index, kflat = _ks_layout(desc.size)
    cum = np.cumsum(np.log(desc))
    alphas = ks / (cum[ks - 1] - ks * np.log(desc[ks]))
    fit = 1.0 - (desc[index] / desc[kflat]) ** -alphas[group]
    gap = np.maximum(np.abs(jk - fit), np.abs(jk - 1.0 / kflat - fit))
    distances = np.maximum.reduceat(gap, starts)
    return float(alphas[int(np.argmin(distances))])


def cluster_bootstrap(per_seed: np.ndarray, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Hill-KS estimates of `n_boot` seed-cluster resamples, shape (n_boot, algorithm).

    per_seed: (algorithm, seed, sample) positive values. Replicate j draws seeds with replacement, takes every
    sample of those seeds for every algorithm, and re-chooses k (estimators.hill).
    """
    a, r, _ = per_seed.shape
    out = np.empty((n_boot, a))
    for j in range(n_boot):
        pick = rng.integers(0, r, r)
        for i in range(a):
            out[j, i] = hill_ks_fast(per_seed[i, pick])
    return out


def lag_correlation(per_seed: np.ndarray) -> float:
    """Correlation of log||Delta|| between consecutive thinned samples of a seed (pooled; nan if 1 sample)."""
    if per_seed.shape[-1] < 2:
        return math.nan
    logs = np.log(per_seed)
    first, second = logs[..., :-1].ravel(), logs[..., 1:].ravel()
    return float(np.corrcoef(first, second)[0, 1])


def deep_k(n: int) -> int:
    """k of the deep-tail Hill diagnostic: the top DEEP_FRACTION of n values, at least 30 (and < n)."""
    return min(n - 1, max(30, round(DEEP_FRACTION * n)))


def estimate_cell(norms: np.ndarray, meta: dict, rng: np.random.Generator, n_boot: int) -> list[dict]:
    """Summary records (one per algorithm) of a cell: predictions, Hill, its bootstrap, moment, diagnostics.

    norms: (algorithm, seed, sample) as trainer.simulate returns them; meta: the cell file's metadata.
    """
    spec = meta["cell"]
    d, b, sigma = spec["law"]["d"], spec["b"], spec["law"]["sigma"]
    edge, relu, linear = predictions(d, b, meta["effective_eta"])
    finite = bool(np.all(np.isfinite(norms)) and np.all(norms > 0))
    base = {
        "experiment": spec["experiment"],
        "cell": spec["cell"],
        "law_name": spec["law_name"],
        "d": d,
        "sigma": sigma,
        "b": b,
        "fraction": spec["fraction"],
        "eta": meta["eta"],
        "effective_eta": meta["effective_eta"],
        "edge": edge,
        "predicted": relu,
        "predicted_linear": linear,
        "seeds": norms.shape[1],
        "samples": norms.shape[2],
        "n": norms.shape[1] * norms.shape[2],
        "thin": meta["thin"],
        "burn_in": meta["burn_in"],
        "non_finite": int(np.count_nonzero(~np.isfinite(norms))),
    }
    empty = dict.fromkeys(
        (
            "hill",
            "hill_lower",
            "hill_upper",
            "hill_se",
            "moment",
            "moment_lower",
            "moment_upper",
            "pair_difference",
            "pair_difference_se",
            "lag_correlation",
            "hill_deep",
        ),
        math.nan,
    )
    if not finite:
        return [{**base, **empty, "algorithm": name, "k": -1, "k_deep": -1} for name in meta["algorithms"]]
    boots = cluster_bootstrap(norms, rng, n_boot)
    tail = (1 - LEVEL) / 2
    points = [estimators.hill(norms[i].ravel()) for i in range(norms.shape[0])]
    diff = points[0].alpha - points[1].alpha if len(points) == 2 else math.nan
    diff_se = float(np.std(boots[:, 0] - boots[:, 1], ddof=1)) if len(points) == 2 else math.nan
    out = []
    for i, name in enumerate(meta["algorithms"]):
        hill = points[i]
        moment = estimators.moment_estimator(norms[i].ravel(), k=hill.k, level=LEVEL)
        lower, upper = np.quantile(boots[:, i], [tail, 1 - tail])
        out.append(
            {
                **base,
                "algorithm": name,
                "hill": hill.alpha,
                "hill_lower": float(lower),
                "hill_upper": float(upper),
                "hill_se": float(np.std(boots[:, i], ddof=1)),
                "k": hill.k,
                "moment": moment.alpha,
                "moment_lower": moment.lower,
                "moment_upper": moment.upper,
                "pair_difference": diff,
                "pair_difference_se": diff_se,
                "lag_correlation": lag_correlation(norms[i : i + 1]),
                "hill_deep": estimators.hill(norms[i].ravel(), k=deep_k(norms[i].size)).alpha,
                "k_deep": deep_k(norms[i].size),
            }
        )
    return out


def read_cell(path) -> tuple[np.ndarray, dict]:
    """A cell file's norms as (algorithm, seed, sample) and its metadata."""
    from relu_lib.io import read_table
    from relu_lib.paper_a.tails.trainer import COLUMNS

    table, meta = read_table(path, COLUMNS)
    shape = (len(meta["algorithms"]), meta["cell"]["seeds"], meta["samples"])
    norms = table.column("norm").to_numpy().reshape(shape)  # written algorithm-, then seed-, then sample-major
    return norms, meta


def summarize(cell_paths, out_path, n_boot: int) -> None:
    """results/summary/tails.parquet: estimate_cell for every cell, one row per cell and algorithm."""
    import pandas as pd
    import pyarrow as pa

    from relu_lib.io import write_table
    from relu_lib.provenance import inputs_config, stamp
    from relu_lib.seeding import generator

    records, metas = [], []
    for path in cell_paths:
        norms, meta = read_cell(path)
        spec = meta["cell"]
        rng = generator(spec["master_seed"], "tails-bootstrap", spec["cell"], n_boot)
        records += estimate_cell(norms, meta, rng, n_boot)
        metas.append(meta)
    frame = pd.DataFrame(records, columns=list(SUMMARY_COLUMNS))
    config = inputs_config(metas, level=LEVEL, bootstrap=n_boot)
    write_table(
        out_path,
        pa.Table.from_pandas(frame, preserve_index=False),
        {
            "level": LEVEL,
            "bootstrap": n_boot,
            "interval": "seed-cluster bootstrap percentile",
            "provenance": stamp(config, __name__),
        },
    )
