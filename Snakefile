"""relu-repro: regenerate the simulation figures of two papers on one ReLU gate and check
their theorem bounds. Run `snakemake --cores N`; see README.md."""

import json
import sys

from relu_lib import config as relu_config
from relu_lib import cost, provenance
from relu_lib.errors import UserError


configfile: "config.yaml"


report: "report/workflow.rst"


try:
    CONFIG = relu_config.load(config)
    CELLS_A = relu_config.paper_a_cells(CONFIG)
    CELLS_B = relu_config.paper_b_cells(CONFIG)
except UserError as exc:
    sys.exit(f"config error: {exc}")

PYTHON = sys.executable
SCRIPTS = f"{workflow.basedir}/scripts"
# Fingerprints of the code behind each kind of output, as params of its rules: changed trainer
# code reruns the cells (and what depends on them), changed plotting code only the figures.
TRAINER_CODE = provenance.fingerprint(provenance.TRAINER_MODULES)
SUMMARY_CODE = provenance.fingerprint(provenance.SUMMARY_MODULES)
CHECK_CODE = provenance.fingerprint(provenance.CHECK_MODULES)
PLOT_CODE = provenance.fingerprint(provenance.PLOT_MODULES)
PAPER_B_CODE = provenance.fingerprint(provenance.PAPER_B_MODULES)  # the same for paper B's cells
BOUND_TABLES = []  # results/bounds/<experiment>.parquet of both papers; each rules/*.smk adds its own


include: "rules/paper_a.smk"
include: "rules/paper_b.smk"
include: "rules/checks.smk"


# Everything but training runs where Snakemake runs: seconds each, never worth a cluster job.
localrules:
    all,
    law_constants,
    summarize_a,
    check_a,
    figure_a1,
    figure_a2,
    figure_a3,
    figure_a4,
    figure_a5,
    n0_b,
    summarize_b,
    sample_complexity_table,
    check_b,
    figure_b1,
    figure_b2,
    bound_table,
    verdict_gate,


rule all:
    default_target: True
    input:
        paper_a_figures(),
        paper_b_outputs(),
        verdict_targets(),


onsuccess:
    print_verdict_summary()
