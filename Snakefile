"""relu-repro: regenerate the simulation figures of two papers on one ReLU gate and check
their theorem bounds. Run `snakemake --cores N`; see README.md."""

import json
import sys

from relu_lib import config as relu_config
from relu_lib import cost, provenance
from relu_lib.errors import UserError


configfile: "config.yaml"


try:
    CONFIG = relu_config.load(config)
    CELLS_A = relu_config.paper_a_cells(CONFIG)
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
BOUND_TABLES = []  # every experiment's verdict rows, gathered by rules/checks.smk


include: "rules/paper_a.smk"
include: "rules/checks.smk"


rule all:
    default_target: True
    input:
        paper_a_figures(),
        verdict_targets(),


onsuccess:
    print_verdict_summary()
