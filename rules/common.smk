# Shared by the workflow files. It holds the validated config, the grid cells of both papers, the code
# fingerprints, the target lists and the input functions, and no rules. No rules file reads another
# rule file's globals.

import json
import math
import shlex
import subprocess
import sys
from pathlib import Path

from relu_lib import config as relu_config
from relu_lib import provenance
from relu_lib import shards as relu_shards
from relu_lib.errors import UserError
from relu_lib.paper_a import cost as paper_a_cost
from relu_lib.paper_a import grid as paper_a_grid
from relu_lib.paper_b import cost as paper_b_cost
from relu_lib.paper_b.projections import PROJECTIONS

try:
    CONFIG = relu_config.load(config)  # the one input boundary: schema, cross-key rules, resource limits
    CELLS = relu_config.cells(CONFIG)
    # Every job's resources, computed (and checked against `limits`) here, so the rules' resource lambdas
    # are lookups that cannot fail while Snakemake builds the DAG.
    RESOURCES = {
        paper: {exp: {cell: cost(spec) for cell, spec in grid.items()} for exp, grid in exps.items()}
        for (paper, exps), cost in zip(CELLS.items(), (paper_a_cost.resources, paper_b_cost.resources))
    }
except UserError as exc:
    sys.exit(f"config error: {exc}")
CELLS_A, CELLS_B = CELLS["paper_a"], CELLS["paper_b"]
CELLS_TAILS = paper_a_grid.tails_cells(CONFIG)  # figure A6 (rules/tails.smk); {} without a `tails` experiment
CHECKS = CONFIG["checks"]
SCRIPTS = Path(workflow.basedir) / "scripts"
FIGURE_WIDTH = CONFIG.get("figures", {}).get("width", "screen")  # screen, single, double or inches

# Jobs run `python "$RELU_SCRIPTS"/<paper>/<stage>.py`: the interpreter running Snakemake (its
# folder first on PATH) and the checkout's scripts, both quoted, so a path with spaces or shell
# characters is only ever a path.
shell.prefix(
    f'export PATH={shlex.quote(str(Path(sys.executable).parent))}:"$PATH" '
    f"RELU_SCRIPTS={shlex.quote(str(SCRIPTS))}; "
)


def code(script):
    """Fingerprint of a script and every relu_lib module it imports. As the `code` param of a job, editing
    the code behind an output reruns exactly the jobs that make it."""
    return provenance.fingerprint(SCRIPTS / script)


def experiments_of(cells):
    """A wildcard constraint matching exactly the experiments of one paper."""
    return "|".join(cells) or "no-such-experiment"


def cell_file(experiment, cell):
    return f"results/trajectories/{experiment}/{cell}/data.parquet"


def cell_files(cells, experiment):
    return [cell_file(experiment, cell) for cell in cells[experiment]]


# ---- shards: one train job per shard of cells (config key cells_per_job, relu_lib/shards.py) --------
CELLS_PER_JOB = CONFIG.get("cells_per_job", 1)


def shards_of(cells):
    """{shard name: (experiment, [cell ids])} of one paper; empty unless cells_per_job > 1."""
    if CELLS_PER_JOB == 1:
        return {}
    return {
        name: (experiment, ids)
        for experiment, by_id in cells.items()
        for name, ids in relu_shards.partition(by_id, CELLS_PER_JOB, experiment).items()
    }


SHARDS_A, SHARDS_B = shards_of(CELLS_A), shards_of(CELLS_B)


def shard_manifest(name):
    """The JSON a shard's train job reads: every cell's spec, input file and output file."""
    if name in SHARDS_A:
        experiment, ids = SHARDS_A[name]
        cells = [
            {
                "spec": spec,
                "constants": f"results/constants/{spec['law_name']}.json",
                "out": cell_file(experiment, c),
            }
            for c, spec in ((c, CELLS_A[experiment][c]) for c in ids)
        ]
    else:
        experiment, ids = SHARDS_B[name]
        cells = [
            {
                "spec": spec,
                "n0": n0_path(spec),
                "out": cell_file(experiment, c),
            }
            for c, spec in ((c, CELLS_B[experiment][c]) for c in ids)
        ]
    return json.dumps({"shard": name, "cells": cells}, sort_keys=True, indent=0)


def write_manifest(manifest, out, log):
    from relu_lib.io import write_text

    write_text(out, manifest)
    write_text(log, f"{out}: {len(json.loads(manifest)['cells'])} cells\n")


def index_outputs(name):
    """Make the shard train rule `name` (no wildcards, hundreds of explicit outputs) answer "do you
    make this file?" by a set lookup. Snakemake 9 answers it (Rule.is_producer, Rule.get_wildcards) by
    matching the file against each of the rule's outputs in turn, one compiled regular expression per
    output: for a shard that is linear in its cells, and a dry run of 10^4 cells took minutes. For a rule
    without wildcards the membership test is the same answer and no wildcards are the same match."""
    rule_ = workflow.get_rule(name)
    assert not rule_.wildcard_names, f"{name}: only for rules without wildcards"
    products = frozenset(map(str, rule_.products()))
    rule_.is_producer = products.__contains__
    rule_.get_wildcards = lambda requested_output, wildcards_dict=None: (
        {} if requested_output is None or requested_output in products else None
    )


def shard_resources(paper, experiment, ids):
    """A shard job's resources (checked against `limits` by the config's validation)."""
    return relu_shards.shard_cost(RESOURCES[paper][experiment][c] for c in ids)


def resource(paper, name):
    """A rule's resource `name`, looked up in RESOURCES (computed and checked before any job)."""
    return lambda w: RESOURCES[paper][w.experiment][w.cell][name]


def result_targets():
    """Every Parquet and JSON file under results/ (cells, constants, n0, summaries, checks). As targets of `rule all`, a deleted one is rebuilt
    (Snakemake does not rebuild a missing intermediate file whose consumers exist)."""
    cells = [f for grid in (CELLS_A, CELLS_B) for exp in grid for f in cell_files(grid, exp)]
    constants = sorted({f"results/constants/{s['law_name']}.json" for g in CELLS_A.values() for s in g.values()})
    n0 = sorted({n0_path(s) for g in CELLS_B.values() for s in g.values()})
    tables = (
        [f"results/{k}/{e}.parquet" for e in CELLS_A for k in ("summary", "curves")]
        + [f"results/summary/{e}{x}.parquet" for e in CELLS_B for x in ("", "_cells")]
        + ([C_TABLE] if "sample_complexity" in CELLS_B else [])
        + BOUND_TABLES
        + (["results/bounds/all_checks.parquet"] if BOUND_TABLES else [])
    )
    return cells + constants + n0 + tables


def quarantine_corrupt(paths):
    """A cheap integrity pass over the existing result files: each one whose checksum fails is moved aside
    (hidden `.<name>.corrupt`, kept for inspection) so that this run rebuilds it. A dry run only reports."""
    from relu_lib.io import verify

    for path in paths:
        if not Path(path).exists() or (problem := verify(path)) is None:
            continue
        if workflow.dryrun:
            print(f"integrity: {problem} (a real run rebuilds it)", file=sys.stderr)
            continue
        aside = Path(path).with_name(f".{Path(path).name}.corrupt")
        Path(path).replace(aside)
        print(f"integrity: {problem}; moved to {aside}, rebuilt by this run", file=sys.stderr)


# ---- paper A ------------------------------------------------------------------------------------
KERNEL_WARMUP_LOG = Path("logs/warmup/paper_a_kernel.log")


def warm_up_paper_a_kernel():
    """Compile paper A's trainer kernel once (or load it from numba's cache) before any job starts, so that
    parallel train jobs on a fresh clone load it instead of each compiling it (~10 s of CPU). Called by
    `onstart` (not in a dry run; not inside cluster jobs, which Snakemake starts with --no-hooks). It is not
    a job on purpose. When a job upstream of every cell reruns, Snakemake skips the cells' own rerun checks
    (changed params, code) unless the cells rerun too. Results never depend on the warm-up."""
    if not CELLS_A:
        return
    KERNEL_WARMUP_LOG.parent.mkdir(parents=True, exist_ok=True)
    with KERNEL_WARMUP_LOG.open("w") as log:
        done = subprocess.run(
            [sys.executable, str(SCRIPTS / "paper_a" / "warmup.py")],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    if done.returncode:
        print(
            f"warning: paper A's kernel warm-up failed ({KERNEL_WARMUP_LOG}); each train job compiles it",
            file=sys.stderr,
        )


A_ADVERSARIES = CONFIG.get("paper_a", {}).get("experiments", {}).get("poisoning", {}).get("adversaries", [])


def paper_a_targets():
    out = []
    if "realizable" in CELLS_A:
        out += expand("figures/{fig}.{ext}", fig=["A1_realizable", "A5_tron_vs_sgd"], ext=["pdf", "png"])
    if "batch_scaling" in CELLS_A:
        out += expand("figures/A2_batch_scaling.{ext}", ext=["pdf", "png"])
    if "poisoning" in CELLS_A:
        out += expand("figures/A3_poisoned_{adv}.{ext}", adv=A_ADVERSARIES, ext=["pdf", "png"])
        out += expand("figures/A4_degradation.{ext}", ext=["pdf", "png"])
    if "sgd_variants" in CELLS_A:
        out += expand("figures/A7_sgd_variants.{ext}", ext=["pdf", "png"])
    if CELLS_TAILS:
        out += expand("figures/A6_tail_index.{ext}", ext=["pdf", "png"])
    return out


def tails_cell_files():
    return [f"results/tails/{cell}/norms.parquet" for cell in CELLS_TAILS]


def tails_resources(spec):
    """Memory and minutes of a tails cell: inputs are drawn a chunk at a time for a block of seeds (bounded
    buffers); time from the normals it draws, at 5e8 per minute (measured 7e8-1.2e9 on one core) times 2."""
    normals = spec["seeds"] * (spec["burn_in_lags"] + spec["samples"]) * spec["thin"] * spec["b"] * spec["law"]["d"]
    return {"mem_mb": 1000, "runtime": max(5, math.ceil(2 * normals / 5e8))}


def paper_a_spec(wildcards):
    return CELLS_A[wildcards.experiment][wildcards.cell]


def paper_a_constants(wildcards):
    return f"results/constants/{paper_a_spec(wildcards)['law_name']}.json"


def paper_a_experiment_constants(wildcards):
    return sorted({f"results/constants/{s['law_name']}.json" for s in CELLS_A[wildcards.experiment].values()})


# ---- paper B ------------------------------------------------------------------------------------
C_TABLE = "results/summary/sample_complexity_c50_c90.parquet"


def paper_b_targets():
    out = []
    if "trajectories" in CELLS_B:
        out += expand("figures/B1_trajectories.{ext}", ext=["pdf", "png"])
    if "sample_complexity" in CELLS_B:
        out += expand("figures/B2_sample_complexity.{ext}", ext=["pdf", "png"])
        out += ["figures/B_sample_complexity.md"]
    return out


def paper_b_spec(wildcards):
    return CELLS_B[wildcards.experiment][wildcards.cell]


def n0_path(spec):
    return f"results/n0/constraint={spec['constraint']}/s={spec['s']}/d={spec['d']}.json"


def paper_b_n0(wildcards):
    return n0_path(paper_b_spec(wildcards))


def paper_b_c_table(wildcards):
    return C_TABLE if "sample_complexity" in CELLS_B else []


# ---- the bound-check table ------------------------------------------------------------------------
BOUND_TABLES = [f"results/bounds/{experiment}.parquet" for paper in CELLS.values() for experiment in paper]
BOUND_TABLES += ["results/bounds/tails.parquet"] if CELLS_TAILS else []


def bound_table_targets():
    if not BOUND_TABLES:
        return []
    # the CSV too: the report's download of the full table (an older run has no CSV: this reruns the rule)
    return ["figures/bound_checks.md", "figures/bound_checks.csv"] + (
        ["results/bounds/no_violation"] if CHECKS["fail_on_violation"] else []
    )


def print_verdict_summary():
    """The end of a run: one line per experiment (how many rows hold, fail, ...), then where the
    figures and the verdict table are and how to build the report."""
    from relu_lib.bound_table import end_of_run_message

    print(end_of_run_message(BOUND_TABLES, paper_a_targets() + paper_b_targets(), Path.cwd()))


if workflow.is_main_process:
    quarantine_corrupt(result_targets())
