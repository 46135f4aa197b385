"""The `tails` experiment of paper A's config (optional): its cross-key rules and its cells.

A cell is (law, b, eta fraction); the law fixes d and sigma. Its spec holds everything the simulation needs,
the step eta = fraction * eta_edge(b, d) / sigma^2 and the thinning ceil(thin_factor / (eta sigma^2)) included,
so that the cell's file changes when any of them does.
"""

from __future__ import annotations

from relu_lib.cells import cell_id
from relu_lib.errors import UserError

NAME = "tails"
ZERO_MEAN = ("random_sign",)  # attacks under which the prediction applies (zero-mean noise, independent of x)


def validate(config: dict) -> None:
    """Rules the schema cannot state: the laws exist and are Gaussian with d >= 5 (the prediction's range)."""
    from relu_lib.paper_a.tails.theory import MIN_D

    exp = config.get("paper_a", {}).get("experiments", {}).get(NAME)
    if exp is None:
        return
    key = f"paper_a.experiments.{NAME}"
    for i, name in enumerate(exp["laws"]):
        if name not in config["laws"]:
            raise UserError(
                f"'{key}.laws[{i}]' = '{name}' is not a law defined under 'laws'; "
                f"allowed values: {', '.join(config['laws'])}"
            )
        law = config["laws"][name]
        if law["family"] != "normal":
            raise UserError(
                f"'{key}.laws[{i}]' = '{name}' has family {law['family']}: the tail-index prediction "
                "is for Gaussian inputs (the map's law then does not depend on the direction); "
                "allowed values: laws of family normal"
            )
        if law["d"] < MIN_D:
            raise UserError(
                f"'{key}.laws[{i}]' = '{name}' has d = {law['d']}: the prediction's quadrature needs "
                f"d >= {MIN_D}; allowed values: normal laws with d >= {MIN_D}"
            )


def fill_schema(schema: dict) -> None:
    """The tails study's schema part has no registry names to fill in."""


def cells(config: dict) -> dict[str, dict[str, dict]]:
    """{"tails": {cell id: spec}} of the tails experiment ({} when the config has none)."""
    from relu_lib.paper_a.tails.trainer import thinning

    exp = config.get("paper_a", {}).get("experiments", {}).get(NAME)
    if exp is None:
        return {}
    out = {}
    for law_name in exp["laws"]:
        law = {k: v for k, v in config["laws"][law_name].items() if k != "eta"}
        for b in exp["batch_sizes"]:
            for fraction in exp["edge_fractions"]:
                eta = step_for_fraction(fraction, b, law["d"], law["sigma"])
                cell = cell_id(law=law_name, b=b, frac=float(fraction))
                out[cell] = {
                    "experiment": NAME,
                    "cell": cell,
                    "law_name": law_name,
                    "law": law,
                    "b": b,
                    "fraction": float(fraction),
                    "eta": eta,
                    "adversary": exp["adversary"],
                    "beta": float(exp["beta"]),
                    "theta": float(exp["theta"]),
                    "seeds": exp["seeds"],
                    "samples": exp["samples"],
                    "thin_factor": float(exp["thin_factor"]),
                    "thin": thinning(eta, law["sigma"], exp["thin_factor"]),
                    "burn_in_lags": exp["burn_in_lags"],
                    "master_seed": config["seed"],
                    "w_star_norm": float(exp.get("w_star_norm", 1.0)),
                }
    return {NAME: out}


def bootstrap_size(config: dict) -> int:
    """Seed-bootstrap replicates of the estimation (not part of a cell: changing it reruns no simulation)."""
    return config.get("paper_a", {}).get("experiments", {}).get(NAME, {}).get("bootstrap", 0)


def step_for_fraction(fraction: float, b: int, d: int, sigma: float) -> float:
    """eta = fraction * eta_edge(b, d) / sigma^2: that fraction of the stability edge of N(0, sigma^2 I)."""
    from relu_lib.paper_a.tails.theory import stability_edge

    return fraction * stability_edge(b, d) / (sigma * sigma)
