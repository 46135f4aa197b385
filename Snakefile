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
    CELLS_B = relu_config.paper_b_cells(CONFIG)
except UserError as exc:
    sys.exit(f"config error: {exc}")

PYTHON = sys.executable
SCRIPTS = f"{workflow.basedir}/scripts"
TRAINER_CODE = provenance.fingerprint()  # a param: changed trainer code reruns the cells
PAPER_B_CODE = provenance.fingerprint(provenance.PAPER_B_MODULES)  # the same for paper B's cells
BOUND_TABLES = []  # results/bounds/<experiment>.parquet of both papers; each rules/*.smk adds its own


include: "rules/paper_a.smk"
include: "rules/paper_b.smk"


rule all:
    default_target: True
    input:
        paper_a_figures(),
        paper_b_outputs(),
        BOUND_TABLES,
