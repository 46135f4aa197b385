"""Paper A's grid: the config's cross-key rules and its expansion into cells.

An experiment is a product law x b x beta x theta under one attack, one step and one iteration count; a cell
is one point of it, and its spec (relu_lib.paper_a.cell.CellSpec) is everything the trainer
needs. The heavy-tail study (`tails`, a key of the same `experiments` mapping) is a study
of its own (relu_lib.paper_a.tails.grid).
"""

from __future__ import annotations

import itertools
import math

from relu_lib.cells import check_axis
from relu_lib.errors import UserError
from relu_lib.paper_a.cell import CellSpec
from relu_lib.paper_a.laws import FAMILIES

DEFAULT_CHECKPOINTS = 200
TAILS = "tails"  # the key of the heavy-tail study inside paper_a.experiments (relu_lib.paper_a.tails.study)


def fill_schema(schema: dict) -> None:
    """Put the registries' names (law families) into the config schema."""
    schema["$defs"]["law"]["properties"]["family"]["enum"] = sorted(FAMILIES)


def experiments(config: dict) -> dict:
    """Paper A's experiments of the config, the heavy-tail study left out (it has its own grid)."""
    exps = config.get("paper_a", {}).get("experiments", {})
    return {name: exp for name, exp in exps.items() if name != TAILS}


def validate(config: dict) -> None:
    """The rules a schema cannot state: law parameters per family, laws that exist, samplers that apply."""
    for name, law in config["laws"].items():
        _check_law(name, law)
    for exp_name, exp in experiments(config).items():
        _check_experiment(f"paper_a.experiments.{exp_name}", exp, config["laws"])


def _check_law(name: str, law: dict) -> None:
    key = f"laws.{name}"
    params = FAMILIES[law["family"]].params
    allowed = {"family", "d", *params}
    for extra in sorted(set(law) - allowed):
        raise UserError(
            f"unknown key '{key}.{extra}' for family {law['family']}; allowed keys: {', '.join(sorted(allowed))}"
        )
    for missing in params:
        if missing not in law:
            raise UserError(
                f"missing key '{key}.{missing}'; required keys of family {law['family']}: "
                f"{', '.join(['family', 'd', *params])}"
            )
    if law["family"] == "student_t" and law["nu"] <= 4:
        raise UserError(
            f"'{key}.nu' = {law['nu']}: Theorem 3.1 needs E||x||^4 finite, so Student-t needs nu > 4; "
            "allowed values: nu > 4"
        )
    if law["family"] == "mixture" and law["d"] < 2:
        raise UserError(
            f"'{key}.d' = {law['d']}: the mixture law is anisotropic only for d >= 2; allowed values: d >= 2"
        )
    for p in params:  # the moments square and invert these: keep them far from the ends of double precision
        if 0 < law[p] < 1e-50 or law[p] > 1e50:
            raise UserError(f"'{key}.{p}' = {law[p]}: out of range; allowed values: 0 or 1e-50 .. 1e50")


def _is_standard_normal(law: dict) -> bool:
    return law["family"] == "normal" and law["sigma"] == 1.0


def _check_experiment(key: str, exp: dict, laws: dict) -> None:
    for i, name in enumerate(exp["laws"]):
        if name not in laws:
            raise UserError(
                f"'{key}.laws[{i}]' = '{name}' is not a law defined under 'laws'; allowed values: {', '.join(laws)}"
            )
        if exp.get("sampler") == "projected" and not _is_standard_normal(laws[name]):
            raise UserError(
                f"'{key}.sampler' = projected, but law '{name}' is not N(0, I): the projected sampler is exact in "
                "law for standard Gaussian inputs only; allowed values: auto or full for this law"
            )
    for axis in ("betas", "thetas"):
        check_axis(f"{key}.{axis}", [float(v) for v in exp[axis]])
    attacked = any(v > 0 for v in exp["betas"]) and any(v > 0 for v in exp["thetas"])
    if exp["attack"] == "none" and attacked:
        raise UserError(
            f"'{key}.attack' = none but '{key}.betas' and '{key}.thetas' have values > 0; allowed values: "
            "attack alternating or random_sign, or betas/thetas of 0"
        )
    if "beta_threshold" in exp and exp["attack"] == "none":
        raise UserError(f"'{key}.beta_threshold' is set but '{key}.attack' = none; allowed values: an attack")
    if "beta_threshold" in exp:  # beta(x) = beta 1{<w*, x> > r} is drawn by the projected sampler only
        for i, name in enumerate(exp["laws"]):
            if not _is_standard_normal(laws[name]) or exp.get("sampler") == "full":
                raise UserError(
                    f"'{key}.beta_threshold' needs the projected sampler, but '{key}.laws[{i}]' = '{name}' "
                    f"{'is drawn in full' if _is_standard_normal(laws[name]) else 'is not N(0, I)'}; allowed values: "
                    "N(0, I) laws with sampler auto or projected"
                )
    checkpoints = exp.get("checkpoints", 0)  # the default is capped at the run's steps (checkpoints_of)
    if checkpoints > exp["iterations"] + 1:
        raise UserError(
            f"'{key}.checkpoints' = {checkpoints} is more than the {exp['iterations'] + 1} steps of a run; "
            f"allowed values: 2 .. {exp['iterations'] + 1}"
        )


def cells(config: dict) -> dict[str, dict[str, dict]]:
    """{experiment: {cell id: spec as JSON}} of paper A's experiments (the tails study: see tails_cells)."""
    return {name: {cell: spec.to_json() for cell, spec in specs(config, name).items()} for name in experiments(config)}


def specs(config: dict, experiment: str) -> dict[str, CellSpec]:
    """{cell id: CellSpec} of one experiment."""
    pa, exp = config["paper_a"], config["paper_a"]["experiments"][experiment]
    out = {}
    for law_name, b, beta, theta in itertools.product(exp["laws"], exp["batch_sizes"], exp["betas"], exp["thetas"]):
        law = config["laws"][law_name]
        sampler = exp.get("sampler", "auto")
        if sampler == "auto":
            sampler = "projected" if _is_standard_normal(law) else "full"
        spec = CellSpec(
            experiment=experiment,
            law_name=law_name,
            law=dict(law),
            b=int(b),
            attack=exp["attack"],
            beta=float(beta),
            theta=float(theta),
            beta_threshold=float(exp.get("beta_threshold", -math.inf)),
            eta=float(exp["eta"]),
            iterations=int(exp["iterations"]),
            runs=int(exp["runs"]),
            checkpoints=checkpoints_of(exp),
            start=exp.get("start", "per_run"),
            sampler=sampler,
            master_seed=int(config["seed"]),
            w_star_scale=float(pa["w_star_scale"]),
            start_scale=float(pa["start_scale"]),
        )
        out[spec.cell_id()] = spec
    return out


def checkpoints_of(exp: dict) -> int:
    """The recorded steps an experiment asks for: its `checkpoints`, else DEFAULT_CHECKPOINTS or every step of a
    shorter run."""
    return int(exp.get("checkpoints", min(DEFAULT_CHECKPOINTS, exp["iterations"] + 1)))
