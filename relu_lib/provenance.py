"""Where a number came from: package version, code fingerprint, config hash, library versions."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from . import __version__

PACKAGE_DIR = Path(__file__).resolve().parent
# The modules whose code decides each kind of output. Each set's fingerprint is a Snakemake param
# of the rules making that output, so changing trainer code reruns the cells (and everything
# downstream), while changing plotting code reruns only the figures.
TRAINER_MODULES = ("seeding", "distributions", "attacks", "algorithms", "theory", "train", "io")
SUMMARY_MODULES = ("summary", "io")
CHECK_MODULES = ("seeding", "distributions", "theory", "checks", "paper_a_checks", "io")
PLOT_MODULES = ("plots", "summary", "io")  # figure A5 reads trajectories through summary
PLOT_B_MODULES = ("plots", "plots_b", "summary_b", "io")
# The same for paper B (n0 and PGD cells): changing PGD or projection code reruns B cells only.
PAPER_B_MODULES = ("seeding", "projections", "pgd", "sample_complexity", "train_b", "io")
LIBRARIES = ("numpy", "pandas", "pyarrow", "snakemake", "seaborn", "matplotlib")


def fingerprint(modules=TRAINER_MODULES) -> str:
    """sha256 (16 hex digits) of the source of the given relu_lib modules."""
    digest = hashlib.sha256()
    for name in modules:
        digest.update(name.encode())
        digest.update((PACKAGE_DIR / f"{name}.py").read_bytes())
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


def stamp(config, modules=TRAINER_MODULES) -> dict:
    """The provenance record stored with every output; `config` is what the output was computed
    from (a cell's spec, or `inputs_config` of an aggregate)."""
    return {"package": "relu-repro", "version": __version__, "code_fingerprint": fingerprint(modules),
            "code_modules": list(modules), "config_hash": config_hash(config), "libraries": library_versions()}


def inputs_config(metas, **settings) -> dict:
    """The config of an aggregate output: its inputs' config hashes (sorted: the order of the
    input files does not matter) and its own settings."""
    hashes = sorted(str(meta.get("provenance", {}).get("config_hash")) for meta in metas)
    return {"inputs": hashes, **settings}
