"""relu-repro: regenerate the simulation figures of two papers on one ReLU gate and check their
theorem bounds. Run `snakemake --cores N`; see README.md and docs/pipeline.md."""

from snakemake.utils import min_version

min_version("9.0")

from relu_lib.config import preflight

# Snakemake's own loader keeps the last of duplicate keys and prints a traceback for a file that is not UTF-8
# or not YAML: read config.yaml and every --configfile strictly first (docs/guarantees.md).
preflight("config.yaml", workflow.config_settings.configfiles)


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/paper_a.smk"  # cells -> summaries, checks -> the paper's Figures 1-5 and two more
include: "rules/statements.smk"  # paper A's statements: Theorem 3.1, Remark 1, the examples, §3.2, §2
include: "rules/tails.smk"  # tails cells -> tail-index estimates, checks -> figure A6
include: "rules/paper_b.smk"  # n0 -> cells -> summaries, c50/c90 table, checks -> figures B1, B2
include: "rules/shards.smk"  # cells_per_job > 1: one train job per shard of cells
include: "rules/bound_table.smk"  # every experiment's verdict rows -> one table (and the gate)


rule all:
    """Every figure and table of the config's experiments."""
    default_target: True
    localrule: True
    input:
        figure_targets(),
        bound_table_targets(),
        result_targets(),  # every cell, n0 and table file: a deleted or corrupt one is rebuilt


onstart:
    warm_up_paper_a_kernel()


onsuccess:
    print_verdict_summary()
