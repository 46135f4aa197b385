"""Currency: a result file is used only if the current config made it, for its path, with today's code.

Integrity (relu_lib.io) proves that relu-repro wrote a file and that no bit of it changed since; currency proves
that it is the file the current config asks for at that path:

* A **cell** file (every study's `cell_file`) stores the spec it was simulated for and the fingerprint of the
  code that simulated it. It is current when the spec's hash equals that of the spec the config gives for its
  path, and the fingerprint that of the study's trainer now: a cell written under another `sigma`, a cell
  copied over another cell's path, a cell of older code are all stale.
* A **constant** file (paper B's n0) stores its inputs; it is current when they equal the config's.
* Every other result file (summaries, checks, theory curves, the c50/c90 and bound tables, paper B's fresh
  trials) is an **aggregate**
  of one experiment (or of the whole table). Its experiment's *key* hashes everything an aggregate may read:
  the experiment's cell specs, its paper's config section and `checks`. The workflow records each key (and
  each cell's spec hash) in `results/currency.json` when it starts (`record`); an experiment whose key differs
  from the recorded one (or has none) has its aggregates set aside, so they are rebuilt, whether or not
  Snakemake's own records (.snakemake/) still exist.

The workflow's start-up pass (`set_aside_stale`) moves a file that is not current to `.<name>.stale` (a corrupt
one to `.<name>.corrupt`), hidden and kept for inspection, with one line naming it and why; the run rebuilds it
and, its inputs being newer, everything downstream. A reader (relu_lib.results, scripts/resimulate.py) applies
the same checks through `cell_problem` and `rows_problem` and refuses the file instead.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from relu_lib.provenance import config_hash, fingerprint

MARKER = "results/currency.json"
BOUND_TABLE = "bound table"  # the key of the merged table: every experiment's key and `checks`


@dataclass(frozen=True)
class Expected:
    """What a result file must prove before it is read: `kind` cell, constant or aggregate; for a cell, its
    spec and its study's trainer module; for a constant, the fields its record must hold; for an aggregate, the
    experiment (or BOUND_TABLE) whose key it was built under."""

    kind: str
    spec: dict | None = None
    trainer: str = ""
    group: str = ""


@cache
def trainer_fingerprint(trainer: str) -> str:
    return fingerprint(trainer)


def cell_problem(meta: dict, spec: dict, trainer: str) -> str | None:
    """Why a cell file whose (verified) metadata is `meta` is not the cell of `spec` simulated by today's
    `trainer` code, or None."""
    stored = meta.get("provenance") or {}
    if stored.get("config_hash") != config_hash(spec):
        return (
            f"written for another cell spec (config hash {stored.get('config_hash')}, the config's is "
            f"{config_hash(spec)}): another config's or another cell's file"
        )
    if stored.get("code_fingerprint") != trainer_fingerprint(trainer):
        return f"simulated by other code than today's {trainer} (fingerprint {stored.get('code_fingerprint')})"
    return None


def constant_problem(record: dict, fields: dict) -> str | None:
    """Why a constant file's record was not computed from `fields`, or None."""
    differing = sorted(k for k, v in fields.items() if record.get(k) != v)
    if differing:
        shown = ", ".join(f"{k} = {record.get(k)!r} (config: {fields[k]!r})" for k in differing)
        return f"computed from other inputs ({shown})"
    return None


def record(config: dict, cells: dict) -> dict[str, dict]:
    """{experiment: {"key", "cells": {cell id: spec hash}, "checks": hash}} of every experiment of the config, and
    BOUND_TABLE's {"key"}: what results/currency.json holds once the workflow has started on this config."""
    from relu_lib.studies import BY_NAME

    out = {}
    for name, experiments in cells.items():
        section = config.get(f"paper_{BY_NAME[name].paper.lower()}", {})
        for experiment, grid in experiments.items():
            key = {"cells": grid, "paper": section, "checks": config.get("checks"), "seed": config.get("seed")}
            out[experiment] = {
                "key": config_hash(key),
                "cells": {cell: config_hash(spec) for cell, spec in grid.items()},
                "checks": config_hash(config.get("checks")),
            }
    keys = {experiment: entry["key"] for experiment, entry in out.items()}
    out[BOUND_TABLE] = {"key": config_hash({"experiments": keys, "checks": config.get("checks")})}
    return out


def recorded(root=".") -> dict[str, dict]:
    """The record the aggregates under `root` were built under ({} if there is none or it is not readable)."""
    from relu_lib.errors import UserError
    from relu_lib.io import read_json

    path = Path(root) / MARKER
    if not path.is_file():
        return {}
    try:
        return {k: v for k, v in read_json(path).items() if isinstance(v, dict)}
    except UserError:
        return {}


def aggregate_problem(group: str, current: dict, built: dict) -> str | None:
    """Why an aggregate of `group` (an experiment or BOUND_TABLE) was not built under the current config."""
    if group not in built:
        return f"no record of the config it was built under ({MARKER} has no entry for {group!r})"
    if built[group].get("key") != current[group]["key"]:
        return f"built under another config of {group!r} (its key in {MARKER} differs from the config's)"
    return None


def rows_problem(experiment: str, current: dict, built: dict, cells, checks: bool) -> str | None:
    """Why the rows of `cells` in an aggregate of `experiment` do not belong to the current config: the run
    built it for other specs of these cells (or, with `checks`, under other `checks` settings). A reader may
    ask for fewer cells than the run had: the rows of a cell depend on that cell only (and on `checks`)."""
    entry = built.get(experiment)
    if entry is None:
        return f"no record of the config it was built under ({MARKER} has no entry for {experiment!r})"
    stale = [c for c in cells if c in entry.get("cells", {}) and entry["cells"][c] != current[experiment]["cells"][c]]
    if stale:
        return f"built for other specs of {len(stale)} cell(s) than the config's, e.g. {stale[0]}"
    if checks and entry.get("checks") != current[experiment]["checks"]:
        return f"judged under other `checks` settings than the config's (recorded in {MARKER})"
    return None


def file_problem(path, expected: Expected, current: dict, built: dict) -> tuple[str, str] | None:
    """(tag, why) if the existing result file at `path` must not be read: tag `corrupt` (its checksum or its
    kind) or `stale` (not what the config asks for), else None."""
    from relu_lib.errors import UserError
    from relu_lib.io import read_any

    try:
        meta = read_any(path)
    except UserError as exc:
        return "corrupt", str(exc)
    if expected.kind == "cell":
        why = cell_problem(meta, expected.spec, expected.trainer)
    elif expected.kind == "constant":
        why = constant_problem(meta, expected.spec)
    else:
        why = aggregate_problem(expected.group, current, built)
    return None if why is None else ("stale", f"{path}: stale: {why}")


def expected_files(config: dict, cells: dict) -> dict[str, Expected]:
    """Every result file the config makes (cells, constants, aggregates) and what it must prove."""
    from relu_lib.studies import BY_NAME
    from relu_lib.study import VERDICT_TABLE

    out = {}
    for name, experiments in cells.items():
        study = BY_NAME[name]
        for experiment, grid in experiments.items():
            out.update(
                {study.file_of(experiment, c): Expected("cell", spec, study.trainer) for c, spec in grid.items()}
            )
            out.update({path: Expected("aggregate", group=experiment) for path in study.tables_of(experiment, config)})
        if study.constants and experiments:
            files = study.module("constants").constant_files(config, experiments)
            out.update({path: Expected("constant", fields) for path, fields in files.items()})
    if any(cells.values()):
        out[VERDICT_TABLE] = Expected("aggregate", group=BOUND_TABLE)
    return out


def set_aside_stale(expected: dict[str, Expected], current: dict, dry_run: bool, root=".") -> list[str]:
    """The workflow's start-up pass over the existing result files: each one that is corrupt or stale is moved to
    `.<name>.<tag>` (a dry run only reports), then the current `record` is written. Returns the lines printed."""
    from relu_lib.io import write_json

    built = recorded(root)
    lines = []
    for path, want in expected.items():
        full = Path(root) / path
        if not (full.exists() or full.is_symlink()):
            continue
        problem = file_problem(full, want, current, built)
        if problem is None:
            continue
        tag, why = problem
        if dry_run:
            lines.append(f"integrity: {why} (a real run rebuilds it)")
            continue
        aside = full.with_name(f".{full.name}.{tag}")
        full.replace(aside)
        lines.append(f"integrity: {why}; moved to {aside}, rebuilt by this run")
    if not dry_run and built != current:
        write_json(Path(root) / MARKER, current)
    for line in lines:
        print(line, file=sys.stderr)
    return lines
