# Every experiment's verdict rows (both papers) -> one table, and the optional verdict gate.


rule bound_table:
    """The bound-check table of every experiment: Parquet, Markdown, the report's HTML page and CSV download."""
    localrule: True
    input:
        BOUND_TABLES,
    output:
        markdown="figures/bound_checks.md",
        html=report(
            "figures/bound_checks.html",
            caption="../report/bound_checks.rst",
            category="Bound checks",
            labels={"table": "verdict counts and rows that do not hold"},
        ),
        csv=report(
            "figures/bound_checks.csv",
            caption="../report/bound_checks_csv.rst",
            category="Bound checks",
            labels={"table": "all rows (CSV download)"},
        ),
        parquet="results/bounds/all_checks.parquet",
    params:
        control=f"--level {CHECKS['level']} --scope {CHECKS['scope']}"
        + (f" --z {CHECKS['z']}" if CHECKS["override"] else ""),
        code=code("bound_table.py"),
    log:
        "logs/bounds/bound_table.log",
    shell:
        'python "$RELU_SCRIPTS"/bound_table.py --markdown {output.markdown:q} --html {output.html:q} '
        "--parquet {output.parquet:q} --csv {output.csv:q} {params.control} {input:q} > {log:q} 2>&1"


rule verdict_gate:
    """Fail the run if any bound check is violated (config checks.fail_on_violation)."""
    localrule: True
    input:
        "results/bounds/all_checks.parquet",
    output:
        "results/bounds/no_violation",
    params:
        code=code("verdict_gate.py"),
    log:
        "logs/bounds/verdict_gate.log",
    shell:
        'python "$RELU_SCRIPTS"/verdict_gate.py --table {input:q} --out {output:q} 2> >(tee {log:q} >&2)'
