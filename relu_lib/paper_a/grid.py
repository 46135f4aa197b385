"""Paper A's grid: the config's cross-key rules and its expansion into cells.

A cell is experiment x law x b x adversary x (beta, theta); its spec is everything the trainer
needs, so a train job reads nothing but its spec and its law's constants.
"""

from __future__ import annotations

import itertools

from relu_lib.cells import cell_id, check_axis
from relu_lib.errors import UserError
from relu_lib.paper_a.adversaries import ADVERSARIES
from relu_lib.paper_a.laws import FAMILIES
from relu_lib.paper_a.tails import grid as tails_grid
from relu_lib.paper_a.update_rule import GATES

NO_ATTACK = [{"beta": [0], "theta": [0]}]


def fill_schema(schema: dict) -> None:
    """Put the registries' names (law families, adversaries) into the config schema."""
    schema["$defs"]["law"]["properties"]["family"]["enum"] = sorted(FAMILIES)
    schema["$defs"]["experiment_a"]["properties"]["adversaries"]["items"]["enum"] = sorted(ADVERSARIES)
    schema["$defs"]["experiment_a"]["properties"]["algorithms"]["items"]["enum"] = sorted(GATES)


def validate(config: dict) -> None:
    """The rules a schema cannot state: law parameters per family, laws that exist, attacks."""
    for name, law in config["laws"].items():
        _check_law(name, law)
    tails_grid.validate(config)
    for exp_name, exp in config.get("paper_a", {}).get("experiments", {}).items():
        if exp_name == tails_grid.NAME:  # its own rules and cells (figure A6)
            continue
        _check_experiment(f"paper_a.experiments.{exp_name}", exp, config["laws"])


def _check_law(name: str, law: dict) -> None:
    key = f"laws.{name}"
    params = FAMILIES[law["family"]].params
    allowed = {"family", "d", "eta", *params}
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
    if law["family"] == "student_t":
        if law["nu"] <= 2:
            raise UserError(
                f"'{key}.nu' = {law['nu']}: Student-t needs nu > 2 for a finite second moment "
                "(Sigma must exist); allowed values: nu > 2"
            )
        if law["nu"] <= 4 and "eta" not in law:
            raise UserError(
                f"missing key '{key}.eta': with nu = {law['nu']} <= 4 the fourth moment is infinite, "
                "so the theory step eta*(b) is undefined; allowed values: nu > 4, or an explicit "
                "step eta > 0"
            )
    if law["family"] == "mixture" and law["d"] < 2:
        raise UserError(
            f"'{key}.d' = {law['d']}: the mixture law is anisotropic only for d >= 2; allowed values: d >= 2"
        )
    _check_spectrum(key, law, params)


# Sigma's eigenvalues must stay far from the ends of double precision: the theory divides by lambda1 and
# squares lambda3 (and M4 ~ d sigma^4), so sigma = 1e-200 (Sigma = 0 in doubles) is no law at all.
LAMBDA_RANGE, MAX_CONDITION = (1e-100, 1e100), 1e13


def _check_spectrum(key: str, law: dict, params) -> None:
    known = FAMILIES[law["family"]](law["d"], **{p: law[p] for p in params}).closed_form()
    lambda1, lambda3 = known["sigma"].eigenvalues()
    lambda2 = known["m4"].eigenvalues()[1] if hasattr(known["m4"], "eigenvalues") else None
    fine = (
        LAMBDA_RANGE[0] <= lambda1 <= lambda3 <= LAMBDA_RANGE[1]
        and lambda3 <= MAX_CONDITION * lambda1
        and (lambda2 is None or LAMBDA_RANGE[0] ** 2 <= lambda2 <= LAMBDA_RANGE[1] ** 2)
    )
    if not fine:
        values = ", ".join(f"{p} = {law[p]}" for p in params)
        raise UserError(
            f"'{key}.{params[0]}' ({values}): Sigma is numerically degenerate (lambda_min = {lambda1:.3g}, "
            f"lambda_max = {lambda3:.3g}, lambda_max(M4) = {lambda2}); allowed values: parameters "
            f"giving {LAMBDA_RANGE[0]:g} <= lambda_min <= lambda_max <= {LAMBDA_RANGE[1]:g} and "
            f"lambda_max / lambda_min <= {MAX_CONDITION:g}"
        )


def _check_experiment(key: str, exp: dict, laws: dict) -> None:
    for i, name in enumerate(exp["laws"]):
        if name not in laws:
            raise UserError(
                f"'{key}.laws[{i}]' = '{name}' is not a law defined under 'laws'; allowed values: {', '.join(laws)}"
            )
    if exp["iterations"] == "auto":
        for needed in ("iterations_factor", "max_iterations"):
            if needed not in exp:
                raise UserError(
                    f"missing key '{key}.{needed}'; iterations = auto requires the keys "
                    "iterations_factor and max_iterations"
                )
        for i, name in enumerate(exp["laws"]):
            if "eta" in laws[name]:
                raise UserError(
                    f"'{key}.laws[{i}]' = '{name}' sets an explicit eta, so T(epsilon, delta, b) is "
                    "undefined and iterations = auto cannot size the run; allowed values: laws without "
                    "eta, or give a number of iterations"
                )
    algorithms = exp.get("algorithms", ["tron", "sgd"])
    if not {"tron", "sgd"} <= set(algorithms):
        raise UserError(
            f"'{key}.algorithms' = {algorithms}: every cell runs tron and sgd (the checks compare them); "
            f"allowed values: tron, sgd and any of {', '.join(sorted(set(GATES) - {'tron', 'sgd'}))}"
        )
    adversaries = exp.get("adversaries", ["none"])
    attacks = exp.get("attacks", NO_ATTACK)
    for axis in ("beta", "theta"):  # over every block: the blocks' points share one cell namespace
        check_axis(f"{key}.attacks[*].{axis}", [float(v) for block in attacks for v in block[axis]])
    attacked = any(v > 0 for block in attacks for v in block["beta"] + block["theta"])
    if "none" in adversaries and attacked:
        raise UserError(
            f"'{key}.adversaries' contains 'none' but '{key}.attacks' has beta or theta > 0; "
            "allowed values: adversaries without 'none' (put the unattacked cells in an experiment "
            "without attacks)"
        )


def cells(config: dict) -> dict[str, dict[str, dict]]:
    """{experiment: {cell id: cell spec}} for paper A; a spec is everything the trainer needs."""
    if "paper_a" not in config:
        return {}
    pa = config["paper_a"]
    out = {}
    for exp_name, exp in pa["experiments"].items():
        if exp_name == tails_grid.NAME:  # not trained by train_a: see tails_cells
            continue
        grid = {}
        for law_name, b, adversary in itertools.product(
            exp["laws"], exp["batch_sizes"], exp.get("adversaries", ["none"])
        ):
            for beta, theta in _attack_points(exp.get("attacks", NO_ATTACK)):
                law = config["laws"][law_name]
                spec = {
                    "experiment": exp_name,
                    "law_name": law_name,
                    "law": {k: v for k, v in law.items() if k != "eta"},
                    "b": b,
                    "adversary": adversary,
                    "beta": float(beta),
                    "theta": float(theta),
                    "iterations": exp["iterations"],
                    "seeds": exp["seeds"],
                    "checkpoints": exp["checkpoints"],
                    "master_seed": config["seed"],
                    "step_factor": exp.get("step_factor", pa["step_factor"]),
                    "eta": law.get("eta"),
                    "w_star_norm": pa["w_star_norm"],
                    "start_norm": pa["start_norm"],
                    "epsilon": config["checks"]["epsilon"],
                    "delta": config["checks"]["delta"],
                }
                if "algorithms" in exp:  # only then: default cells keep their spec (and fingerprint)
                    spec["algorithms"] = list(exp["algorithms"])
                if exp["iterations"] == "auto":
                    spec.update(iterations_factor=exp["iterations_factor"], max_iterations=exp["max_iterations"])
                grid[cell_id(law=law_name, b=b, adv=adversary, beta=float(beta), theta=float(theta))] = spec
        out[exp_name] = grid
    return out


def tails_cells(config: dict) -> dict[str, dict]:
    """{cell id: spec} of the optional `tails` experiment (figure A6; relu_lib.paper_a.tails.grid)."""
    return tails_grid.cells(config)


def _attack_points(blocks) -> list[tuple[float, float]]:
    """The union of the beta x theta products of every attack block, in first-seen order."""
    seen = {}
    for block in blocks:
        for point in itertools.product(block["beta"], block["theta"]):
            seen.setdefault((float(point[0]), float(point[1])), None)
    return list(seen)


def job_costs(config: dict):
    """(job, {'mem_mb', 'runtime'}) of every paper-A job with a cost model: one per law's constants, one
    per train job (a cell, or a shard of cells with `cells_per_job`)."""
    from relu_lib.paper_a import cost
    from relu_lib.shards import train_job_costs

    experiments = cells(config)
    used = {spec["law_name"] for grid in experiments.values() for spec in grid.values()}
    samples = config.get("paper_a", {}).get("moment_samples", 0)
    for name in sorted(used):
        yield (
            f"the constants of law '{name}' (moment_samples = {samples})",
            cost.constants_resources(config["laws"][name], samples),
        )
    for exp_name, grid in experiments.items():
        cell_costs = {cell: cost.resources(spec) for cell, spec in grid.items()}
        yield from train_job_costs("paper A", exp_name, cell_costs, config.get("cells_per_job", 1))
