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
from relu_lib.studies import STUDIES

SCHEMA_PATH = Path(__file__).with_name("config_schema.json")


@cache
def schema() -> dict:
    """The config schema, with the names each study's registries allow filled in."""
    out = json.loads(SCHEMA_PATH.read_text())
    for study in STUDIES:
        study.module("grid").fill_schema(out)
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
    papers = ("paper_a", "paper_b")
    if not set(papers) & config.keys():
        raise UserError(
            f"missing key {' or '.join(map(repr, papers))}: the config must define at least one "
            f"paper's experiments; allowed keys: {', '.join(papers)}"
        )
    for study in STUDIES:
        study.module("grid").validate(config)
    check_limits(config)
    return config


def checks(config: dict) -> dict:
    """The config's `checks` with the verdicts' defaults filled in: `level` and `scope` (relu_lib.multiplicity),
    `override` (whether `z` was given: every row judged alone at z) and `z` (the rows' own z: the override, else
    verdicts.Z for the per-row verdicts the table then re-decides)."""
    from relu_lib.multiplicity import LEVEL
    from relu_lib.verdicts import Z

    block = config["checks"]
    return {
        **block,
        "level": float(block.get("level", LEVEL)),
        "scope": block.get("scope", "table"),
        "override": "z" in block,
        "z": float(block.get("z", Z)),
    }


def limits(config: dict) -> dict:
    """The resource limits of one job: the config's `limits`, else this machine's memory and 24 h."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return {"max_mem_mb": memory, "max_runtime_min": 24 * 60, **config.get("limits", {})}


LIMITED = (("max_mem_mb", "mem_mb", "MB of memory"), ("max_runtime_min", "runtime", "minutes"))


def check_limits(config: dict) -> None:
    """Every job's declared cost (each paper's cost model) against `limits`: an oversized job is a config
    error before any job starts, instead of a scheduler kill (or a 35-day run) later."""
    bounds = limits(config)
    for study in STUDIES:
        for job, cost in study.job_costs(config):
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
    """{study: {experiment: {cell id: cell spec}}} of a validated config (empty for an absent study)."""
    return {study.name: study.cells(config) for study in STUDIES}


# The bounds of a config file, checked on PyYAML's node graph before any Python value is built from it: legal
# YAML can otherwise make PyYAML raise a bare Python exception (a traceback) or do unbounded work.
MAX_DEPTH = 32  # levels of nested lists and mappings, aliases expanded (config.yaml uses 8)
MAX_VALUES = 100_000  # scalars, lists and mappings, every alias counted where it is used (config.yaml: ~330)
MAX_INT = 10**18  # |integer|; the schema's largest bound is 1e10, and an 18-digit seed is ample
MAX_INT_TEXT = 80  # characters of an integer (underscores dropped) read at all: 10**18 in binary is 62
TAG = "tag:yaml.org,2002:"
KEY_KINDS = {
    "int": "an integer",
    "float": "a number",
    "bool": "true/false (YAML 1.1 reads yes, no, on, off as booleans)",
    "null": "null",
    "binary": "binary data",
    "timestamp": "a date",
}


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, with the limits above, string keys only, and each key once per mapping
    (PyYAML keeps the last of duplicate keys silently). YAML merge keys (`<<: *base`) are accepted."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        # PyYAML's composer recurses once per level: 2000 nested brackets are a RecursionError. Refuse at the
        # first level too many, after reading only that far.
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise UserError(f"line {self.peek_event().start_mark.line + 1}: {_too_deep()}")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_data(self):
        node = self.get_single_node()
        if not isinstance(node, yaml.MappingNode):
            what = "is empty" if node is None else f"is {_node_kind(node)}, not a mapping"
            raise UserError(f"{what}; allowed values: a YAML or JSON mapping of keys to values (e.g. 'seed: 1')")
        _check_node(self, node, 1, {}, set())
        data = self.construct_document(node)
        if not isinstance(data, dict):
            raise UserError(f"is tagged {node.tag}, not a mapping; allowed values: a YAML or JSON mapping")
        return data


def _check_node(loader, node, depth: int, done: dict, active: set) -> int:
    """The size of `node` with every alias expanded (a node reached twice is an alias), after checking its depth,
    keys and scalars. Each node is checked once (`done`: node -> (size, height)), so the work is linear in the
    text, however far the aliases would expand: the "billion laughs" (9 levels of 9 aliases, 9**9 strings from
    350 bytes) is refused after about 60 steps."""
    if node in done:
        size, height = done[node]
        if depth + height - 1 > MAX_DEPTH:
            raise UserError(f"line {node.start_mark.line + 1}: {_too_deep()} (with its aliases expanded)")
        return size
    line = node.start_mark.line + 1
    if node in active:
        raise UserError(f"line {line}: an alias refers to its own anchor; allowed values: values without cycles")
    if depth > MAX_DEPTH:
        raise UserError(f"line {line}: {_too_deep()} (with its aliases expanded)")
    if isinstance(node, yaml.ScalarNode):
        _check_scalar(loader, node)
        done[node] = (1, 1)
        return 1
    active.add(node)
    size, height = 1, 1
    children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
    if isinstance(node, yaml.MappingNode):
        _check_keys(node)
    for child in children:
        size += _check_node(loader, child, depth + 1, done, active)
        height = max(height, 1 + done[child][1])
        if size > MAX_VALUES:
            raise UserError(
                f"line {line}: expands to more than {MAX_VALUES} values with its aliases expanded (an alias "
                f"bomb?); allowed values: at most {MAX_VALUES} values in all, every alias counted where it is used"
            )
    active.discard(node)
    done[node] = (size, height)
    return size


def _check_keys(node: yaml.MappingNode) -> None:
    """Every key of one mapping is a string (a key YAML reads as 7, null, yes or binary data would reach the
    validator as a non-string and crash or confuse it), and appears once. `<<` is YAML's merge key: its
    mappings are checked as nodes of their own, and an explicit key overrides a merged one by design."""
    seen = {}
    for key_node, _ in node.value:
        line = key_node.start_mark.line + 1
        if key_node.tag == TAG + "merge":
            continue
        if not isinstance(key_node, yaml.ScalarNode):
            raise UserError(
                f"line {line}: {_node_kind(key_node)} is used as a key (a '? ' complex key); keys must be "
                "strings; allowed values: a string key"
            )
        if key_node.tag != TAG + "str":
            kind = KEY_KINDS.get(key_node.tag.removeprefix(TAG), f"tagged {key_node.tag}")
            raise UserError(
                f"line {line}: the key {_short(key_node.value)} is read as {kind}, but keys must be strings; "
                f"allowed values: a string key (quote it: {_short(str(key_node.value))})"
            )
        key = key_node.value
        if key in seen:
            raise UserError(
                f"duplicate key '{key}' (line {seen[key]} and line {line}); allowed values: each key once per mapping"
            )
        seen[key] = line


def _check_scalar(loader, node: yaml.ScalarNode) -> None:
    """Build a scalar that is not a string now, where its line is known: an explicit tag PyYAML cannot apply
    (`!!int abc`, `!!bool maybe`) raises a bare ValueError or KeyError. An integer is refused by its length
    before int() runs (Python refuses over 4300 digits with a ValueError, and conversion is quadratic), then
    by its magnitude. The values are cached: construct_document reuses them."""
    if node.tag in (TAG + "str", TAG + "merge"):  # `<<` is no value: SafeConstructor's flatten_mapping reads it
        return
    line = node.start_mark.line + 1
    text = node.value
    too_large = (
        f"line {line}: the integer {_short(text)} ({len(text)} characters) is too large; allowed values: "
        f"integers from -{MAX_INT:.0e} to {MAX_INT:.0e}"
    )
    if node.tag == TAG + "int" and len(text.replace("_", "")) > MAX_INT_TEXT:
        raise UserError(too_large)
    try:
        value = loader.construct_object(node)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        raise UserError(
            f"line {line}: {_short(text)} cannot be read as {node.tag} ({type(exc).__name__}); "
            "allowed values: a value of its type"
        ) from None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        raise UserError(too_large)


def _node_kind(node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if node.tag == TAG + "null":
        return "null"
    return f"a single value ({_short(node.value)})"


def _too_deep() -> str:
    return f"nested deeper than {MAX_DEPTH} levels; allowed values: at most {MAX_DEPTH} levels of lists and mappings"


def check_config_file(path) -> None:
    """Read one config file as Snakemake will (UTF-8, JSON or YAML), but strictly: unreadable, not UTF-8,
    invalid YAML, not a mapping, over the limits above, a non-string or duplicate key is a UserError naming
    the file, raised after work bounded by the file's length. Snakemake loads the file itself: config.yaml after
    this check, a --configfile before it (what that leaves to Snakemake: docs/guarantees.md)."""
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
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
        # The net under the checks above, which name the known cases with their line: any other legal input on
        # which PyYAML raises a bare Python exception is still one line, not a traceback.
        raise UserError(
            f"config file {path}: cannot be read as YAML ({type(exc).__name__}: {_short(str(exc))}); "
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
