"""Where a number came from: package version, code fingerprint, config hash, library versions.

A code fingerprint is the sha256 of the source of every relu_lib module an entry point imports,
directly or through other relu_lib modules (its import closure, read from the source with `ast`,
imports inside functions included). Nothing is listed by hand: a module added tomorrow is covered
as soon as something imports it, and paper B's outputs carry paper B's code.
"""

from __future__ import annotations

import ast
import hashlib
import json
from functools import cache
from importlib import metadata
from pathlib import Path

from relu_lib import __version__

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE = PACKAGE_DIR.name
LIBRARIES = ("numpy", "pandas", "pyarrow", "snakemake", "seaborn", "matplotlib")


def module_path(name: str) -> Path | None:
    """The source file of a relu_lib module or package (`relu_lib.paper_a.trainer`), None if there is none."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


@cache
def _imports(path: Path, name: str) -> frozenset[str]:
    """The relu_lib modules that the source at `path` (module `name`) imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return frozenset(m for m in found if module_path(m) is not None)


def import_closure(entry: str | Path) -> list[str]:
    """Every relu_lib module that `entry` (a module name, or the path of a script) runs when imported,
    with the packages (`__init__`) on the way, sorted."""
    if isinstance(entry, Path) or entry.endswith(".py"):
        todo = set(_imports(Path(entry).resolve(), "__main__"))
        seen = set()
    else:
        todo, seen = {entry}, set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        todo.update(".".join(parts[:i]) for i in range(1, len(parts)))  # parent packages run first
        todo.update(_imports(module_path(name), name))
    return sorted(seen)


def fingerprint(entry: str | Path) -> str:
    """sha256 (16 hex digits) of the source of `entry`'s import closure (and of `entry` itself if a script)."""
    digest = hashlib.sha256()
    if isinstance(entry, Path) or entry.endswith(".py"):
        digest.update(Path(entry).read_bytes())
    for name in import_closure(entry):
        digest.update(name.encode())
        digest.update(module_path(name).read_bytes())
    return digest.hexdigest()[:16]


def config_hash(obj) -> str:
    """sha256 (16 hex digits) of a JSON-able object in canonical form."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def library_versions() -> dict:
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def stamp(config, module: str) -> dict:
    """The provenance record stored with every output: `config` is what the output was computed from
    (a cell's spec, or `inputs_config` of an aggregate), `module` the writer's `__name__`."""
    return {
        "package": "relu-repro",
        "version": __version__,
        "code_fingerprint": fingerprint(module),
        "code_modules": import_closure(module),
        "config_hash": config_hash(config),
        "libraries": library_versions(),
    }


def inputs_config(metas, **settings) -> dict:
    """The config of an aggregate output: its inputs' config hashes (sorted: the order of the
    input files does not matter) and its own settings."""
    hashes = sorted(str(meta.get("provenance", {}).get("config_hash")) for meta in metas)
    return {"inputs": hashes, **settings}
