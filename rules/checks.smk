# Every experiment's verdict rows (BOUND_TABLES, filled by the paper rules) -> one table.


rule bound_table:
    input:
        BOUND_TABLES,
    output:
        markdown="figures/bound_checks.md",
        html=report("figures/bound_checks.html", caption="../report/bound_checks.rst", category="Bound checks",
                    labels={"table": "all verdicts"}),
        parquet="results/bounds/all_checks.parquet",
    params:
        code=CHECK_CODE,
    log:
        "logs/checks/bound_table.log",
    shell:
        "{PYTHON} {SCRIPTS}/bound_table.py --markdown {output.markdown} --html {output.html} "
        "--parquet {output.parquet} {input} > {log} 2>&1"


rule verdict_gate:
    input:
        "results/bounds/all_checks.parquet",
    output:
        "results/bounds/no_violation",
    log:
        "logs/checks/verdict_gate.log",
    shell:
        "{PYTHON} {SCRIPTS}/verdict_gate.py --table {input} --out {output} 2> >(tee {log} >&2)"


def verdict_targets():
    gate = ["results/bounds/no_violation"] if CHECKS["fail_on_violation"] else []
    return ["figures/bound_checks.md", *gate] if BOUND_TABLES else []


def print_verdict_summary():
    """One line per experiment at the end of a run: how many rows hold, fail, ..."""
    from relu_lib.checks import summary_lines

    for line in summary_lines(BOUND_TABLES):
        print(line)
