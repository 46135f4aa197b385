"""Loading, validating and expanding the workflow config into grid cells.

The JSON schema ships in this package (config_schema.json) so that the library and the
Snakefile validate the same way; the registries of laws and adversaries fill in its allowed
names, so adding a law is one class and one registry line. Every error names the key.
"""

from __future__ import annotations

import itertools
import json
import math
from functools import cache
from pathlib import Path

import jsonschema
import yaml

from .attacks import ADVERSARIES
from .distributions import FAMILIES
from .errors import UserError
from .projections import PROJECTIONS

SCHEMA_PATH = Path(__file__).with_name("config_schema.json")
NO_ATTACK = [{"beta": [0], "theta": [0]}]


@cache
def schema() -> dict:
    """The config schema, with the allowed law families and adversaries from the registries."""
    out = json.loads(SCHEMA_PATH.read_text())
    out["$defs"]["law"]["properties"]["family"]["enum"] = sorted(FAMILIES)
    out["$defs"]["experiment_a"]["properties"]["adversaries"]["items"]["enum"] = sorted(ADVERSARIES)
    out["$defs"]["experiment_b"]["properties"]["constraints"]["items"]["enum"] = sorted(PROJECTIONS)
    return out


def read_yaml(path) -> dict:
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"{path}: cannot read the config ({exc})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: the config must be a mapping of keys to values")
    return data


def validate(config: dict) -> dict:
    """Check `config` against the schema and the cross-key rules; return it unchanged."""
    errors = sorted(jsonschema.Draft202012Validator(schema()).iter_errors(config), key=_error_order)
    if errors:
        raise UserError(_describe(errors[0]))
    if "paper_a" not in config and "paper_b" not in config:
        raise UserError("missing key 'paper_a' or 'paper_b': the config must define at least one paper's "
                        "experiments; allowed keys: paper_a, paper_b")
    for name, law in config["laws"].items():
        _check_law(name, law)
    for exp_name, exp in config.get("paper_a", {}).get("experiments", {}).items():
        _check_experiment(f"paper_a.experiments.{exp_name}", exp, config["laws"])
    for exp_name, exp in config.get("paper_b", {}).get("experiments", {}).items():
        _check_experiment_b(f"paper_b.experiments.{exp_name}", exp)
    return config


def _check_law(name: str, law: dict) -> None:
    key = f"laws.{name}"
    params = FAMILIES[law["family"]].params
    allowed = {"family", "d", "eta", *params}
    for extra in sorted(set(law) - allowed):
        raise UserError(f"unknown key '{key}.{extra}' for family {law['family']}; allowed keys: {', '.join(sorted(allowed))}")
    for missing in params:
        if missing not in law:
            raise UserError(f"missing key '{key}.{missing}'; required keys of family {law['family']}: "
                            f"{', '.join(['family', 'd', *params])}")
    if law["family"] == "student_t":
        if law["nu"] <= 2:
            raise UserError(f"'{key}.nu' = {law['nu']}: Student-t needs nu > 2 for a finite second moment "
                            "(Sigma must exist); allowed values: nu > 2")
        if law["nu"] <= 4 and "eta" not in law:
            raise UserError(f"missing key '{key}.eta': with nu = {law['nu']} <= 4 the fourth moment is infinite, "
                            "so the theory step eta*(b) is undefined; allowed values: nu > 4, or an explicit "
                            "step eta > 0")
    if law["family"] == "mixture" and law["d"] < 2:
        raise UserError(f"'{key}.d' = {law['d']}: the mixture law is anisotropic only for d >= 2; allowed values: d >= 2")


def _check_experiment(key: str, exp: dict, laws: dict) -> None:
    for i, name in enumerate(exp["laws"]):
        if name not in laws:
            raise UserError(f"'{key}.laws[{i}]' = '{name}' is not a law defined under 'laws'; "
                            f"allowed values: {', '.join(laws)}")
    if exp["iterations"] == "auto":
        for needed in ("iterations_factor", "max_iterations"):
            if needed not in exp:
                raise UserError(f"missing key '{key}.{needed}'; iterations = auto requires the keys "
                                "iterations_factor and max_iterations")
        for i, name in enumerate(exp["laws"]):
            if "eta" in laws[name]:
                raise UserError(f"'{key}.laws[{i}]' = '{name}' sets an explicit eta, so T(epsilon, delta, b) is "
                                "undefined and iterations = auto cannot size the run; allowed values: laws without "
                                "eta, or give a number of iterations")
    adversaries = exp.get("adversaries", ["none"])
    attacks = exp.get("attacks", NO_ATTACK)
    attacked = any(v > 0 for block in attacks for v in block["beta"] + block["theta"])
    if "none" in adversaries and attacked:
        raise UserError(f"'{key}.adversaries' contains 'none' but '{key}.attacks' has beta or theta > 0; "
                        "allowed values: adversaries without 'none' (put the unattacked cells in an experiment "
                        "without attacks)")


def _check_experiment_b(key: str, exp: dict) -> None:
    for i, size in enumerate(exp["sizes"]):
        if size["s"] > size["d"]:
            raise UserError(f"'{key}.sizes[{i}].s' = {size['s']} is larger than '{key}.sizes[{i}].d' = {size['d']}: "
                            "w* has at most d non-zero entries; allowed values: 1 <= s <= d")
    if ("n" in exp) == ("ratios" in exp):
        raise UserError(f"'{key}': give exactly one of 'n' (absolute sample sizes) and 'ratios' "
                        "(sample sizes as multiples n/n0 of the sample complexity n0)")
    if "ratios" in exp:
        ids = {}
        for i, ratio in enumerate(exp["ratios"]):
            name = _fmt(float(ratio))
            if name in ids:
                raise UserError(f"'{key}.ratios[{i}]' = {ratio} and '{key}.ratios[{ids[name]}]' name the same "
                                f"cell (ratio={name}); allowed values: ratios distinct to 6 significant digits")
            ids[name] = i


def _error_order(error):
    return (len(error.absolute_path), list(map(str, error.absolute_path)))


def _describe(error: jsonschema.ValidationError) -> str:
    key = _key(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extras = sorted(set(error.instance) - set(allowed))
        where = f"{key}.{extras[0]}" if key else extras[0]
        return f"unknown key '{where}'; allowed keys: {', '.join(allowed)}"
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return f"missing key '{key + '.' if key else ''}{missing}'; required keys: {', '.join(error.validator_value)}"
    if "propertyNames" in error.schema_path:
        return (f"'{key}': the name {error.instance!r} is not allowed; allowed names: lower_case_with_underscores "
                f"({error.validator_value})")
    if error.validator in ("anyOf", "enum"):
        problem = "is not allowed"
    else:
        problem = error.message.replace(repr(error.instance), "", 1).strip() or "is not allowed"
    return f"'{key}' = {_short(error.instance)} {problem}; allowed values: {_allowed(error.schema)}"


TYPE_NAMES = {"integer": "an integer", "number": "a number", "string": "a string", "boolean": "true or false",
              "array": "a list", "object": "a mapping"}
BOUNDS = (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<"))


def _allowed(schema: dict) -> str:
    """The values a schema node allows, in words (e.g. "an integer >= 1 and <= 100000")."""
    if "anyOf" in schema:
        return " or ".join(_allowed(option) for option in schema["anyOf"])
    if "const" in schema:
        return repr(schema["const"])
    if "enum" in schema:
        return ", ".join(map(str, schema["enum"]))
    if schema.get("type") == "array":
        return " ".join(w for w in ("a", "non-empty" * bool(schema.get("minItems")), "list",
                                    "without duplicates" * bool(schema.get("uniqueItems"))) if w)
    if schema.get("type") == "object" and schema.get("minProperties"):
        return "a mapping with at least one entry"
    bounds = " and ".join(f"{op} {schema[name]}" for name, op in BOUNDS if name in schema)
    return f"{TYPE_NAMES.get(schema.get('type'), 'a value')} {bounds}".strip()


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _key(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load(config: dict) -> dict:
    """Validate a config (e.g. Snakemake's `config`) and return it."""
    if not isinstance(config, dict) or not config:
        raise UserError("the config is empty: pass config.yaml (Snakefile default) or --configfile FILE")
    return validate(config)


def cell_id(**params) -> str:
    """Hive-style relative path of a cell: key=value segments in the given order."""
    return "/".join(f"{k}={_fmt(v)}" for k, v in params.items())


def parse_cell_id(cell: str) -> dict:
    """Inverse of `cell_id`: {key: value} with numbers as int or float."""
    out = {}
    for part in cell.split("/"):
        key, _, text = part.partition("=")
        try:
            out[key] = int(text)
        except ValueError:
            try:
                out[key] = float(text)
            except ValueError:
                out[key] = text
    return out


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else str(value)
    return str(value)


def paper_a_cells(config: dict) -> dict[str, dict[str, dict]]:
    """{experiment: {cell id: cell spec}} for paper A; a spec is everything the trainer needs."""
    if "paper_a" not in config:
        return {}
    pa = config["paper_a"]
    out = {}
    for exp_name, exp in pa["experiments"].items():
        cells = {}
        for law_name, b, adversary in itertools.product(exp["laws"], exp["batch_sizes"], exp.get("adversaries", ["none"])):
            for beta, theta in _attack_points(exp.get("attacks", NO_ATTACK)):
                law = config["laws"][law_name]
                spec = {
                    "experiment": exp_name, "law_name": law_name,
                    "law": {k: v for k, v in law.items() if k != "eta"},
                    "b": b, "adversary": adversary, "beta": float(beta), "theta": float(theta),
                    "iterations": exp["iterations"], "seeds": exp["seeds"], "checkpoints": exp["checkpoints"],
                    "master_seed": config["seed"], "step_factor": exp.get("step_factor", pa["step_factor"]),
                    "eta": law.get("eta"), "w_star_norm": pa["w_star_norm"], "start_norm": pa["start_norm"],
                    "epsilon": config["checks"]["epsilon"], "delta": config["checks"]["delta"],
                }
                if exp["iterations"] == "auto":
                    spec.update(iterations_factor=exp["iterations_factor"], max_iterations=exp["max_iterations"])
                cells[cell_id(law=law_name, b=b, adv=adversary, beta=float(beta), theta=float(theta))] = spec
        out[exp_name] = cells
    return out


def paper_b_cells(config: dict) -> dict[str, dict[str, dict]]:
    """{experiment: {cell id: cell spec}} for paper B (MATH.md Part B).

    A cell is constraint x (s, d) x sample size. The sample size is either absolute (key `n`,
    cell id `.../samples=625`) or a multiple of n0 (key `ratios`, cell id `.../ratio=2`); in the
    second case the train job computes n = round(ratio * n0) from the n0 rule's output, so the
    Monte Carlo n0 never runs while the DAG is built.
    """
    if "paper_b" not in config:
        return {}
    out = {}
    for exp_name, exp in config["paper_b"]["experiments"].items():
        cells = {}
        sizes = [(size["s"], size["d"]) for size in exp["sizes"]]
        points = [("samples", int(n)) for n in exp.get("n", [])] + [("ratio", float(r)) for r in exp.get("ratios", [])]
        for constraint, (s, d), (kind, value) in itertools.product(exp["constraints"], sizes, points):
            spec = {
                "experiment": exp_name, "constraint": constraint, "s": s, "d": d,
                "n": value if kind == "samples" else None, "ratio": value if kind == "ratio" else None,
                "trials": exp["trials"], "iterations": exp["iterations"], "master_seed": config["seed"],
            }
            cells[paper_b_cell_id(spec)] = spec
        out[exp_name] = cells
    return out


def paper_b_cell_id(spec: dict) -> str:
    """constraint=l0/s=20/d=1000/ratio=2 (a multiple of n0) or .../samples=625 (an absolute n)."""
    point = {"samples": int(spec["n"])} if spec.get("n") is not None else {"ratio": float(spec["ratio"])}
    return cell_id(constraint=spec["constraint"], s=spec["s"], d=spec["d"], **point)


def _attack_points(blocks) -> list[tuple[float, float]]:
    """The union of the beta x theta products of every attack block, in first-seen order."""
    seen = {}
    for block in blocks:
        for point in itertools.product(block["beta"], block["theta"]):
            seen.setdefault((float(point[0]), float(point[1])), None)
    return list(seen)
