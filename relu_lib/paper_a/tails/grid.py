"""The tails study's config (`paper_a.experiments.tails`): its cross-key rules and its cells.

A cell is (law, attack, b, fraction); the law fixes n (= d) and sigma. Both algorithms run in every cell, each at
`fraction` of its own stability edge (Algorithm 2: the top Lyapunov exponent of its affine recursion; S.G.D.: that
of its far-field map), each thinned on its own time scale. The spec holds everything the simulation needs (both
steps, both thinning lags and burn-ins, the model's size), so that the cell's file changes when any of them does.
"""

from __future__ import annotations

import math

from relu_lib.cells import cell_id, check_axis
from relu_lib.errors import UserError

NAME = "tails"
KEY = f"paper_a.experiments.{NAME}"
ATTACKS = ("random_sign", "alternating")  # the attacks with a stationary law (silent: Algorithm 2's B is 0)
ALGORITHMS = ("alg2", "sgd")
DEFAULTS = {  # the optional keys (relu_lib/config_schema.json, experiment_tails)
    "w_star_norm": 1.0,
    "tail_fraction": 0.004,  # k / n at which the tail is judged (docs/tails.md; a verdict needs k >= 100)
    "model_factor": 2,  # the model's sample is this many times the measured one (summary.py)
    "growth_draws": 100000,  # Monte Carlo draws of the growth-factor row
    "conjecture_dims": None,  # n of the derived table: default the laws' d
    "conjecture_fractions": [0.5, 0.7, 0.9, 0.97, 0.99],
    "by_law": {},  # law name -> its own BY_LAW_KEYS (n = 100 resolves a tail only near the edge, and mixes slowly)
}
BY_LAW_KEYS = ("batch_sizes", "edge_fractions", "seeds", "samples")
# theta / (sigma ||w*||) up to which the filter's Gauss rules resolve a clean sample's pass probability (measured:
# 10 plans, 33 leaves every position's active part empty)
MAX_FILTER_DEPTH = 10.0


def experiment(config: dict) -> dict | None:
    """The tails block with its defaults filled in, or None."""
    exp = config.get("paper_a", {}).get("experiments", {}).get(NAME)
    if exp is None:
        return None
    out = {**DEFAULTS, **exp}
    out["adversaries"] = [exp["adversary"]] if isinstance(exp["adversary"], str) else list(exp["adversary"])
    if out["conjecture_dims"] is None:
        out["conjecture_dims"] = sorted({config["laws"][name]["d"] for name in exp["laws"] if name in config["laws"]})
    return out


def validate(config: dict) -> None:
    """Rules the schema cannot state: the laws exist, are Gaussian with n >= MIN_N (the predictions' range)."""
    from relu_lib.paper_a.tails.transfer import MIN_N

    exp = experiment(config)
    if exp is None:
        return
    for i, name in enumerate(exp["laws"]):
        if name not in config["laws"]:
            raise UserError(
                f"'{KEY}.laws[{i}]' = '{name}' is not a law defined under 'laws'; "
                f"allowed values: {', '.join(config['laws'])}"
            )
        law = config["laws"][name]
        if law["family"] != "normal":
            raise UserError(
                f"'{KEY}.laws[{i}]' = '{name}' has family {law['family']}: the tail-index predictions are for "
                "Gaussian inputs (the law of a step is then invariant under the rotations fixing w*); "
                "allowed values: laws of family normal"
            )
        if law["d"] < MIN_N:
            raise UserError(
                f"'{KEY}.laws[{i}]' = '{name}' has d = {law['d']}: the predictions' Gauss rules need "
                f"d >= {MIN_N}; allowed values: normal laws with d >= {MIN_N}"
            )
    for name in exp["by_law"]:
        if name not in exp["laws"]:
            raise UserError(
                f"'{KEY}.by_law.{name}' names a law that is not in '{KEY}.laws'; "
                f"allowed values: {', '.join(exp['laws'])}"
            )
    for i, d in enumerate(exp["conjecture_dims"]):
        if d < MIN_N:
            raise UserError(f"'{KEY}.conjecture_dims[{i}]' = {d}; allowed values: integers >= {MIN_N}")
    for name in exp["laws"]:
        depth = exp["theta"] / (config["laws"][name]["sigma"] * exp["w_star_norm"])
        if depth > MAX_FILTER_DEPTH:
            raise UserError(
                f"'{KEY}.theta' / (sigma of '{name}' x '{KEY}.w_star_norm') = {depth:.4g}: Algorithm 2's filter "
                "y > theta would pass a clean sample with a probability the predictions' Gauss rules cannot resolve; "
                f"allowed values: theta / (sigma ||w*||) <= {MAX_FILTER_DEPTH:g}"
            )
    for key in ("edge_fractions", "conjecture_fractions"):
        check_axis(f"{KEY}.{key}", exp[key])
    for name, own in exp["by_law"].items():
        if "edge_fractions" in own:
            check_axis(f"{KEY}.by_law.{name}.edge_fractions", own["edge_fractions"])
    if len(exp["adversaries"]) != len(set(exp["adversaries"])):
        raise UserError(f"'{KEY}.adversary' = {exp['adversaries']} names an attack twice; allowed values: {ATTACKS}")


def fill_schema(schema: dict) -> None:
    """The tails study's schema part has no registry names to fill in."""


def _setting(exp: dict, law: dict, attack: str, b: int) -> dict:
    from relu_lib.paper_a.tails import prediction

    flt = prediction.alg2_filter(attack, exp["beta"], exp["theta"], exp["w_star_norm"], law["sigma"])
    return {"flt": flt, "n": law["d"], "b": b}


def algorithm_plan(exp: dict, law: dict, attack: str, b: int, fraction: float) -> dict:
    """{algorithm: {eta, effective_eta, edge, thin, burn_in}} of one cell: eta = fraction * edge / sigma^2, thin =
    ceil(thin_factor * time_scale) (prediction.time_scale: the body's and the tail's relaxation times)."""
    from relu_lib.paper_a.tails import prediction

    s = _setting(exp, law, attack, b)
    sigma2 = law["sigma"] ** 2
    out = {}
    for name in ALGORITHMS:
        edge = prediction.edge(name, b, s["n"], s["flt"])
        eff = fraction * edge
        scale = prediction.time_scale(name, eff, b, s["n"], s["flt"])
        thin = max(1, math.ceil(exp["thin_factor"] * scale - 1e-9))
        out[name] = {
            "eta": eff / sigma2,
            "effective_eta": eff,
            "edge": edge / sigma2,
            "time_scale": scale,
            "thin": thin,
            "burn_in": exp["burn_in_lags"] * thin,
        }
    return out


def cells(config: dict) -> dict[str, dict[str, dict]]:
    """{"tails": {cell id: spec}} of the tails experiment ({} when the config has none)."""
    exp = experiment(config)
    if exp is None:
        return {}
    out = {}
    for law_name in exp["laws"]:
        law = {k: v for k, v in config["laws"][law_name].items() if k != "eta"}
        own = {**{key: exp[key] for key in BY_LAW_KEYS}, **exp["by_law"].get(law_name, {})}
        for attack in exp["adversaries"]:
            for b in own["batch_sizes"]:
                for fraction in own["edge_fractions"]:
                    cell = cell_id(law=law_name, attack=attack, b=b, frac=float(fraction))
                    out[cell] = {
                        "experiment": NAME,
                        "cell": cell,
                        "law_name": law_name,
                        "law": law,
                        "adversary": attack,
                        "b": b,
                        "fraction": float(fraction),
                        "beta": float(exp["beta"]),
                        "theta": float(exp["theta"]),
                        "w_star_norm": float(exp["w_star_norm"]),
                        "seeds": own["seeds"],
                        "samples": own["samples"],
                        "thin_factor": float(exp["thin_factor"]),
                        "burn_in_lags": exp["burn_in_lags"],
                        "model_factor": exp["model_factor"],
                        "master_seed": config["seed"],
                        "algorithms": algorithm_plan(exp, law, attack, b, float(fraction)),
                    }
    return {NAME: out}


def estimation(config: dict) -> dict:
    """The estimation's settings (not part of a cell: changing them reruns no simulation)."""
    exp = experiment(config) or DEFAULTS
    return {
        "bootstrap": exp.get("bootstrap", 0),
        "tail_fraction": float(exp["tail_fraction"]),
        "growth_draws": int(exp["growth_draws"]),
    }


def bootstrap_size(config: dict) -> int:
    return estimation(config)["bootstrap"]


def conjecture_grid(config: dict) -> dict:
    """The derived table's axes: attacks, n, b, fractions (and the filter's parameters)."""
    exp = experiment(config)
    if exp is None:
        return {}
    return {
        "attacks": list(exp["adversaries"]),
        "dims": [int(d) for d in exp["conjecture_dims"]],
        "batch_sizes": [int(b) for b in exp["batch_sizes"]],
        "fractions": [float(f) for f in exp["conjecture_fractions"]],
        "beta": float(exp["beta"]),
        "theta": float(exp["theta"]),
        "w_star_norm": float(exp["w_star_norm"]),
    }
