# Paper A's statements (the theorems study): one cell per group of statements -> the group's verdict rows -> figures.


rule statements_train:
    """One group of paper A's statements: simulate what they need and judge them (seconds)."""
    message:
        "paper A: statements {wildcards.experiment}"
    output:
        "results/statements/{experiment}/{cell}/rows.parquet",
    wildcard_constraints:
        experiment=experiments_of(CELLS_STATEMENTS),
        cell=CELL_PATTERN,
    params:
        spec=lambda w: json.dumps(CELLS_STATEMENTS[w.experiment][w.cell], sort_keys=True),
        code=code("paper_a/statements/train.py"),
    log:
        "logs/statements/{experiment}/{cell}.log",
    threads: 1
    resources:
        mem_mb=resource("statements", "mem_mb"),
        runtime=resource("statements", "runtime"),
    shell:
        'python "$RELU_SCRIPTS"/paper_a/statements/train.py --spec {params.spec:q} --out {output:q} > {log:q} 2>&1'


rule statements_check:
    """One group's verdict rows, gathered from its cells."""
    localrule: True
    input:
        lambda w: cell_files_of("statements", w.experiment),
    output:
        "results/bounds/{experiment}.parquet",
    wildcard_constraints:
        experiment=experiments_of(CELLS_STATEMENTS),
    params:
        code=code("paper_a/statements/check.py"),
    log:
        "logs/bounds/{experiment}.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/statements/check.py --experiment {wildcards.experiment} --rows {output:q} '
        "{input:q} > {log:q} 2>&1"


for _figure in [f for f in STUDIES["statements"].figures if f.wanted(CELLS_STATEMENTS)]:

    rule:
        name:
            f"figure_statements_{_figure.id}"
        message:
            f"paper A: figure {_figure.stem}"
        localrule: True
        input:
            cell=cell_files_of("statements", _figure.experiments[0])[0],
        output:
            pdf=f"figures/paper_a/{_figure.stem}.pdf",
            png=report(
                f"figures/paper_a/{_figure.stem}.png",
                caption=f"../report/paper_a/{_figure.stem}.rst",
                category="Paper A",
                subcategory=_figure.caption,
                labels={"figure": _figure.id},
            ),
        params:
            figure=_figure.id,  # in params, not the shell string (formatted late, when _figure is the last one)
            width=FIGURE_WIDTH,
            code=code("paper_a/statements/figure.py"),
        log:
            f"logs/figures/paper_a/{_figure.stem}.log",
        shell:
            'python "$RELU_SCRIPTS"/paper_a/statements/figure.py {params.figure} --width {params.width} '
            "--out {output.png:q} --cell {input.cell:q} > {log:q} 2>&1"
