# Shared by the workflow files. It holds the validated config, the grid cells of every study (relu_lib/studies.py),
# the code fingerprints, the target lists and the input functions, and no rules. No rules file reads another
# rule file's globals.

import json
import math
import shlex
import subprocess
import sys
from pathlib import Path

from relu_lib import config as relu_config
from relu_lib import currency as relu_currency
from relu_lib import provenance
from relu_lib import shards as relu_shards
from relu_lib.errors import UserError
from relu_lib.paper_a.tails import grid as tails_grid
from relu_lib.paper_b import fresh as paper_b_fresh
from relu_lib.paper_b.cost import fresh_resources
from relu_lib.paper_b.grid import n0_path
from relu_lib.paper_b.projections import PROJECTIONS
from relu_lib.paper_b.study import C_TABLE
from relu_lib.studies import BY_NAME as STUDIES

try:
    CONFIG = relu_config.load(config)  # the one input boundary: schema, cross-key rules, resource limits
    CELLS = relu_config.cells(CONFIG)
    # Every job's resources, computed (and checked against `limits`) here, so the rules' resource lambdas
    # are lookups that cannot fail while Snakemake builds the DAG.
    RESOURCES = {
        name: {exp: {cell: STUDIES[name].resources(spec) for cell, spec in grid.items()} for exp, grid in exps.items()}
        for name, exps in CELLS.items()
    }
    EXPECTED = relu_currency.expected_files(CONFIG, CELLS)  # every result file and what it must prove
except UserError as exc:
    sys.exit(f"config error: {exc}")
CELLS_A, CELLS_B = CELLS["paper_a"], CELLS["paper_b"]
CELLS_TAILS = CELLS["tails"].get(tails_grid.NAME, {})  # {cell id: spec} of the tails study (rules/tails.smk)
CELLS_STATEMENTS = CELLS["statements"]  # paper A's theorems study (rules/statements.smk)
CHECKS = relu_config.checks(CONFIG)  # with the verdicts' defaults (level, scope, the rows' z)
FIGURES_A = [f for f in STUDIES["paper_a"].figures if f.wanted(CELLS_A)]  # one rule each (rules/paper_a.smk)
CELL_PATTERN = r"[A-Za-z0-9_.+=-]+(/[A-Za-z0-9_.+=-]+)*"  # a cell id: no shell characters ever reach a command
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


def cell_files_of(study, experiment):
    """The cell files of one experiment of a study, at the study's own paths."""
    return [STUDIES[study].file_of(experiment, cell) for cell in CELLS[study].get(experiment, {})]


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
    """Every Parquet and JSON file under results/ (cells, n0, summaries, checks). As targets of `rule all`, a deleted one is rebuilt
    (Snakemake does not rebuild a missing intermediate file whose consumers exist)."""
    return list(EXPECTED)


def figure_targets():
    """Every study's figures whose experiments the config has, and its further outputs."""
    out = []
    for name, experiments in CELLS.items():
        out += STUDIES[name].figure_files(experiments)
    return out + (["figures/B_sample_complexity.md"] if "sample_complexity" in CELLS_B else [])


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
    print("paper A: loading the compiled kernel (a fresh clone compiles it first: about 30 s)", file=sys.stderr)
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


def figure_inputs(figure, kind):
    """`experiment=path` arguments of a paper-A figure's summaries or theory curves, shell-quoted."""
    folder = {"summary": "summary", "curves": "curves"}[kind]
    return " ".join(shlex.quote(f"{e}=results/{folder}/{e}.parquet") for e in figure.experiments if e in CELLS_A)


def tails_cell_files():
    return [STUDIES["tails"].file_of(tails_grid.NAME, cell) for cell in CELLS_TAILS]


def tails_resources(spec):
    return STUDIES["tails"].resources(spec)


def tails_estimate_resources(cell):
    """A cell's estimation job cost (relu_lib/paper_a/tails/cost.py)."""
    cost = STUDIES["tails"].module("cost")
    return cost.estimate_resources(CELLS_TAILS[cell], tails_grid.estimation(CONFIG))


def tails_conjecture_resources():
    """The derived table's job cost (relu_lib/paper_a/tails/cost.py), checked with the cells' against `limits`."""
    return STUDIES["tails"].module("cost").conjecture_resources(tails_grid.conjecture_grid(CONFIG))


def paper_a_spec(wildcards):
    return CELLS_A[wildcards.experiment][wildcards.cell]


# ---- paper B ------------------------------------------------------------------------------------
def paper_b_spec(wildcards):
    return CELLS_B[wildcards.experiment][wildcards.cell]


def paper_b_n0(wildcards):
    return n0_path(paper_b_spec(wildcards))


def paper_b_c_table(wildcards):
    return C_TABLE if "sample_complexity" in CELLS_B else []


def paper_b_fresh_files(wildcards):
    return paper_b_fresh.config_tables(CONFIG, wildcards.experiment)


def paper_b_fresh_resource(name):
    return lambda w: fresh_resources(CONFIG, w.constraint, int(w.s), int(w.d))[name]


# ---- the bound-check table ------------------------------------------------------------------------
BOUND_TABLES = [f"results/bounds/{experiment}.parquet" for study in CELLS.values() for experiment in study]


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

    print(end_of_run_message(BOUND_TABLES, figure_targets(), Path.cwd()))


def set_aside_stale_before_the_dag(build_dag):
    """Wrap Snakemake's DAG build so that, in an execution (a real or a dry run; not --lint, --list, --summary
    or --report) of the main process, every existing result file that is corrupt or that the config did not
    make is first set aside (a dry run only names it), then rebuilt by the DAG (relu_lib/currency.py). While
    the Snakefile is parsed Snakemake does not yet know whether the run is a dry run (its executor is set
    just before the DAG is built), so the pass cannot run at parse time."""

    def build(*args, **kwargs):
        if workflow.is_main_process and workflow.executor_plugin is not None:
            relu_currency.set_aside_stale(EXPECTED, relu_currency.record(CONFIG, CELLS), workflow.dryrun)
        return build_dag(*args, **kwargs)

    return build


workflow._build_dag = set_aside_stale_before_the_dag(workflow._build_dag)
