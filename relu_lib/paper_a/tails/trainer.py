"""The tails study's simulation of one cell: late thinned ||w_t - w*|| of Algorithm 2 and S.G.D., and of the model.

Measured. Every seed r runs Algorithm 2 and S.G.D. from w_1 = w* through relu_lib.paper_a.projected, paper A's
exact-in-law sampler for Gaussian inputs (tested against full draws of x in tests/paper_a/test_projected.py), each
at its own step: `fraction` of its own stability edge (grid.py). projected.run steps both algorithms at one step
size, so a seed makes two calls, one at each algorithm's step, on two copies of the seed's one stream; the draws
of a step do not depend on the state (projected's docstring), so both runs consume the very same numbers: the
same labels, attack and Algorithm 2 filter decisions at every step (the u-coordinate of x_i is coordinate 0 of
both runs' basis), which pairs the two algorithms' samples seed by seed. Of each call only its own algorithm's
column is kept (the other one, at a foreign step, may diverge; projected then freezes it).

Model. `model_factor` times as many chains of relu_lib.paper_a.tails.model (the same two recursions in the two
coordinates their law sees, O(b) a step), on independent streams, with the same schedule: the estimator's own law
at the experiment's sample size and k (summary.py).

Schedule per algorithm a: after burn_in_a = burn_in_lags * thin_a steps, ||Delta_t|| every thin_a steps, `samples`
times: t_j = burn_in_a + j thin_a, j = 1..samples. thin_a = ceil(thin_factor * time_scale_a) with time_scale_a the
body's and the tail's relaxation times (prediction.time_scale; measured: benchmarks/tails_autocorrelation.py).

For N(0, sigma^2 I) inputs both recursions are those of N(0, I) at the step eta sigma^2 with the attack theta / sigma
(docs/tails.md): that is what is simulated.
"""

from __future__ import annotations

import numpy as np

from relu_lib.paper_a import projected
from relu_lib.paper_a.kernel import ALTERNATING, RANDOM_SIGN
from relu_lib.paper_a.streams import BIT_GENERATOR, unit_vector
from relu_lib.paper_a.tails import model
from relu_lib.seeding import generator

ALGORITHMS = ("alg2", "sgd")  # projected.run's column order
SOURCES = ("measured", "model")
COLUMNS = ("source", "algorithm", "seed", "sample", "step", "norm")
ATTACK_CODES = {"random_sign": RANDOM_SIGN, "alternating": ALTERNATING}
DIVERGED_SQ = 1e300  # ||Delta||^2 beyond this counts as diverged (NaN from then on): no stationary law


def steps_of(plan: dict, samples: int) -> np.ndarray:
    """The recorded steps t_j = burn_in + j thin (j = 1..samples) of one algorithm's plan."""
    return plan["burn_in"] + plan["thin"] * np.arange(1, samples + 1, dtype=np.int64)


def _unit_inputs(spec: dict) -> tuple[float, float]:
    """(step multiplier sigma^2, theta / sigma): N(0, sigma^2 I) as N(0, I)."""
    sigma = spec["law"]["sigma"]
    return sigma * sigma, spec["theta"] / sigma


def seed_stream(spec: dict, r: int) -> np.random.Generator:
    return generator(
        spec["master_seed"], "tails", spec["law"], spec["adversary"], spec["b"], spec["beta"], spec["theta"], r,
        bit_generator=BIT_GENERATOR,
    )  # fmt: skip


def measured(spec: dict, seeds: range | None = None) -> np.ndarray:
    """||Delta|| at the recorded steps through projected.run: shape (algorithm, seed, sample)."""
    d, b = spec["law"]["d"], spec["b"]
    seeds = range(spec["seeds"]) if seeds is None else seeds
    scale, theta = _unit_inputs(spec)
    w_star = spec["w_star_norm"] * unit_vector(spec["master_seed"], "w_star", d)
    out = np.empty((len(ALGORITHMS), len(seeds), spec["samples"]))
    for a, name in enumerate(ALGORITHMS):
        plan = spec["algorithms"][name]
        steps = steps_of(plan, spec["samples"])
        for i, r in enumerate(seeds):
            error, _, _ = projected.run(
                seed_stream(spec, r), w_star, w_star, b, plan["eta"] * scale, spec["beta"], theta,
                ATTACK_CODES[spec["adversary"]], -np.inf, int(steps[-1]), steps, DIVERGED_SQ,
            )  # fmt: skip
            out[a, i] = error[:, a]
    return out


def modelled(spec: dict) -> np.ndarray:
    """||Delta|| of the model's chains (model_factor x seeds per algorithm): shape (algorithm, chain, sample)."""
    scale, theta = _unit_inputs(spec)
    chains = spec["model_factor"] * spec["seeds"]
    out = np.empty((len(ALGORITHMS), chains, spec["samples"]))
    for a, name in enumerate(ALGORITHMS):
        plan = spec["algorithms"][name]
        rng = generator(
            spec["master_seed"], "tails-model", spec["law"], spec["adversary"], spec["b"], spec["beta"],
            spec["theta"], name, bit_generator=BIT_GENERATOR,
        )  # fmt: skip
        out[a] = model.simulate(
            rng, name, chains, spec["samples"], b=spec["b"], n=spec["law"]["d"], eta=plan["eta"] * scale,
            w_star_norm=spec["w_star_norm"], beta=spec["beta"], theta=theta, attack=spec["adversary"],
            burn_in=plan["burn_in"], thin=plan["thin"],
        )  # fmt: skip
    return out


def simulate(spec: dict) -> dict[str, np.ndarray]:
    """{source: (algorithm, seed or chain, sample)} of one cell."""
    return {"measured": measured(spec), "model": modelled(spec)}


def norms_table(spec: dict, norms: dict[str, np.ndarray]):
    """Tidy rows (source, algorithm, seed, sample, step, norm): measured first, then the model."""
    import pyarrow as pa

    from relu_lib.io import arrow_column, arrow_labels

    parts = {c: [] for c in COLUMNS}
    for s, source in enumerate(SOURCES):
        values = norms[source]
        a, r, m = values.shape
        parts["source"].append(np.full(a * r * m, s, dtype=np.int32))
        parts["algorithm"].append(np.repeat(np.arange(a, dtype=np.int32), r * m))
        parts["seed"].append(np.tile(np.repeat(np.arange(r, dtype=np.int32), m), a))
        parts["sample"].append(np.tile(np.arange(m, dtype=np.int32), a * r))
        steps = np.stack([steps_of(spec["algorithms"][name], m) for name in ALGORITHMS])
        parts["step"].append(np.repeat(steps, r, axis=0).ravel())
        parts["norm"].append(values.ravel())
    cat = {c: np.concatenate(v) for c, v in parts.items()}
    return pa.Table.from_arrays(
        [
            arrow_labels(list(SOURCES), cat["source"]),
            arrow_labels(list(ALGORITHMS), cat["algorithm"]),
            arrow_column(cat["seed"], pa.int32()),
            arrow_column(cat["sample"], pa.int32()),
            arrow_column(cat["step"], pa.int64()),
            arrow_column(cat["norm"], pa.float64()),
        ],
        names=list(COLUMNS),
    )


def run_to_parquet(spec: dict, path) -> dict:
    """Simulate the cell and write its tidy table with the schedule and full provenance. Returns the CPU seconds
    of the measured runs and of the model (process time: the study's budget is CPU, whatever the machine's load)."""
    from time import process_time

    from relu_lib.io import write_table
    from relu_lib.provenance import stamp

    begin = process_time()
    norms = {"measured": measured(spec)}
    middle = process_time()
    norms["model"] = modelled(spec)
    seconds = {"measured": middle - begin, "model": process_time() - middle}
    meta = {
        "study": "tails",
        "cell": spec,
        "algorithms": list(ALGORITHMS),
        "sources": list(SOURCES),
        "samples": spec["samples"],
        "sampler": "measured: relu_lib.paper_a.projected (exact in law, two calls per seed on one stream); "
        "model: relu_lib.paper_a.tails.model (the two-coordinate recursions), model_factor x the chains",
        "draws": projected.DRAWS,
        "thin_rule": f"ceil({spec['thin_factor']:g} x (1 / (eta m) + 1 / (alpha |gamma|))) per algorithm "
        "(docs/tails.md, benchmarks/tails_autocorrelation.py)",
        "non_finite": {s: int(np.count_nonzero(~np.isfinite(v))) for s, v in norms.items()},
        "provenance": stamp(spec, __name__),
    }
    write_table(path, norms_table(spec, norms), meta)
    return seconds


def resimulate(meta: dict):
    """The table a cell file's metadata alone gives (relu_lib.resimulate)."""
    spec = meta["cell"]
    return norms_table(spec, simulate(spec))
