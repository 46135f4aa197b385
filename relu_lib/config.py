"""Loading, validating and expanding the workflow config into grid cells.

The JSON schema ships in this package (config_schema.json) so that the library and the
Snakefile validate the same way; the registries of laws and adversaries fill in its allowed
names, so adding a law is one class and one registry line. Every error names the key.
"""

from __future__ import annotations

import json
import math
import os
from functools import cache
from pathlib import Path

import jsonschema
import yaml

from relu_lib.errors import UserError
from relu_lib.paper_a import grid as paper_a_grid
from relu_lib.paper_b import grid as paper_b_grid

SCHEMA_PATH = Path(__file__).with_name("config_schema.json")
# The papers this pipeline knows: each grid module validates its part of the config and expands it into
# cells. A third paper is one more line here (and its grid module).
PAPERS = {"paper_a": paper_a_grid, "paper_b": paper_b_grid}


@cache
def schema() -> dict:
    """The config schema, with the names each paper's registries allow filled in."""
    out = json.loads(SCHEMA_PATH.read_text())
    for grid in PAPERS.values():
        grid.fill_schema(out)
    return out


def _is_integer(_, value) -> bool:
    # JSON Schema calls 8.0 an integer; a count written 8.0 is a typo that later breaks range() or argparse.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(_, value) -> bool:
    # jsonschema's bounds are false for NaN and +inf has no upper bound: a number must be finite to be one.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


VALIDATOR = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"integer": _is_integer, "number": _is_number}
    ),
)


def validate(config: dict) -> dict:
    """Check `config` against the schema and every paper's cross-key rules; return it unchanged."""
    errors = sorted(VALIDATOR(schema()).iter_errors(config), key=_error_order)
    if errors:
        raise UserError(_describe(errors[0]))
    if not PAPERS.keys() & config.keys():
        raise UserError(
            f"missing key {' or '.join(map(repr, PAPERS))}: the config must define at least one "
            f"paper's experiments; allowed keys: {', '.join(PAPERS)}"
        )
    for grid in PAPERS.values():
        grid.validate(config)
    check_limits(config)
    return config


def limits(config: dict) -> dict:
    """The resource limits of one job: the config's `limits`, else this machine's memory and 24 h."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return {"max_mem_mb": memory, "max_runtime_min": 24 * 60, **config.get("limits", {})}


LIMITED = (("max_mem_mb", "mem_mb", "MB of memory"), ("max_runtime_min", "runtime", "minutes"))


def check_limits(config: dict) -> None:
    """Every job's declared cost (each paper's cost model) against `limits`: an oversized job is a config
    error before any job starts, instead of a scheduler kill (or a 35-day run) later."""
    bounds = limits(config)
    for grid in PAPERS.values():
        for job, cost in grid.job_costs(config):
            for limit, resource, unit in LIMITED:
                if cost[resource] > bounds[limit]:
                    raise UserError(
                        f"{job} is estimated to need {cost[resource]} {unit}, more than "
                        f"'limits.{limit}' = {bounds[limit]}; allowed values: jobs within the limits "
                        f"(shrink the cell, or raise 'limits.{limit}' if the machine allows)"
                    )


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
        return (
            f"'{key}': the name {_short(error.instance)} is not allowed; allowed names: "
            "lower_case_with_underscores, at most 64 characters (a law name is part of every result path)"
        )
    if isinstance(error.instance, float) and not math.isfinite(error.instance):
        problem = "is not a finite number"
    elif isinstance(error.instance, float) and _wants_integer(error.schema):
        problem = "must be an integer (write it without a decimal point)"
    elif error.validator in ("anyOf", "enum"):
        problem = "is not allowed"
    else:
        problem = error.message.replace(repr(error.instance), "", 1).strip() or "is not allowed"
    return f"'{key}' = {_short(error.instance)} {problem}; allowed values: {_allowed(error.schema)}"


def _wants_integer(schema: dict) -> bool:
    return schema.get("type") == "integer" or any(_wants_integer(o) for o in schema.get("anyOf", ()))


TYPE_NAMES = {
    "integer": "an integer",
    "number": "a finite number",
    "string": "a string",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
}
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
        return " ".join(
            w
            for w in (
                "a",
                "non-empty" * bool(schema.get("minItems")),
                "list",
                "without duplicates" * bool(schema.get("uniqueItems")),
            )
            if w
        )
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


def cells(config: dict) -> dict[str, dict[str, dict[str, dict]]]:
    """{paper: {experiment: {cell id: cell spec}}} of a validated config (empty for an absent paper)."""
    return {paper: grid.cells(config) for paper, grid in PAPERS.items()}


class _StrictLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping (PyYAML keeps the last silently)."""


def _construct_mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise UserError(
                f"duplicate key '{key}' (line {seen[key] + 1} and line {key_node.start_mark.line + 1}); "
                "allowed values: each key once per mapping"
            )
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def check_config_file(path) -> None:
    """Read one config file as Snakemake will (UTF-8, JSON or YAML), but strictly: unreadable, not UTF-8,
    invalid YAML or a duplicate key is a UserError naming the file. Snakemake itself loads the file."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as exc:
        raise UserError(
            f"config file {path}: cannot be read ({exc.strerror}); allowed values: a readable file"
        ) from None
    except UnicodeDecodeError as exc:
        raise UserError(
            f"config file {path}: byte {exc.start} is not UTF-8; allowed values: a UTF-8 text file"
        ) from None
    try:
        yaml.load(text, Loader=_StrictLoader)
    except UserError as exc:
        raise UserError(f"config file {path}: {exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where else ""
        raise UserError(
            f"config file {path}: not valid YAML{line} ({getattr(exc, 'problem', exc)}); "
            "allowed values: a YAML or JSON mapping"
        ) from None


def check_config_files(default: str, cli_files) -> None:
    """The Snakefile's default config file (if present, or if no --configfile replaces it) and every
    --configfile, before Snakemake merges them (it keeps the last of duplicate keys)."""
    files = [default] if Path(default).exists() or not cli_files else []
    for path in [*files, *cli_files]:
        check_config_file(path)


def preflight(default: str, cli_files) -> None:
    """check_config_files for the Snakefile: a bad file ends the run with one `config error:` line."""
    import sys

    try:
        check_config_files(default, [str(f) for f in cli_files or ()])
    except UserError as exc:
        sys.exit(f"config error: {exc}")
