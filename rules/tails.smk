# Paper A follow-up, figure A6: tails cells -> tail-index estimates -> verdict rows, figure A6.
# The cells come from the optional `tails` experiment (relu_lib/paper_a/tails/grid.py); see docs/paper_a.md.


rule tails_train:
    """One tails cell: GLM-Tron and SGD on every seed from w*, ||w_t - w*|| after the burn-in, thinned."""
    message:
        "paper A: tails cell {wildcards.cell}"
    output:
        "results/tails/{cell}/norms.parquet",
    params:
        spec=lambda w: json.dumps(CELLS_TAILS[w.cell]),
        code=code("paper_a/tails/train.py"),
    log:
        "logs/tails/{cell}.log",
    benchmark:
        "benchmarks/tails/{cell}.tsv"
    threads: 1
    resources:
        mem_mb=lambda w: tails_resources(CELLS_TAILS[w.cell])["mem_mb"],
        runtime=lambda w: tails_resources(CELLS_TAILS[w.cell])["runtime"],
    shell:
        'python "$RELU_SCRIPTS"/paper_a/tails/train.py --spec {params.spec:q} --out {output:q} > {log:q} 2>&1'


rule tails_summarize:
    """Tail-index estimates of every tails cell and algorithm: Hill-KS, its seed bootstrap, the moment estimator."""
    localrule: True
    input:
        tails_cell_files(),
    output:
        "results/summary/tails.parquet",
    params:
        bootstrap=tails_grid.bootstrap_size(CONFIG),
        code=code("paper_a/tails/summarize.py"),
    log:
        "logs/summary/tails.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/tails/summarize.py --bootstrap {params.bootstrap} --out {output:q} {input:q} '
        "> {log:q} 2>&1"


rule tails_check:
    """Verdict rows: measured against predicted tail index, and GLM-Tron's against SGD's."""
    localrule: True
    input:
        "results/summary/tails.parquet",
    output:
        "results/bounds/tails.parquet",
    params:
        z=CHECKS["z"],
        code=code("paper_a/tails/check.py"),
    log:
        "logs/bounds/tails.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/tails/check.py --summary {input:q} --z {params.z} --rows {output:q} '
        "> {log:q} 2>&1"


rule figure_a6:
    """A6: measured tail index against eta / eta_edge with the Kesten prediction, and two stationary tails."""
    localrule: True
    input:
        summary="results/summary/tails.parquet",
        cells=tails_cell_files(),
    output:
        pdf="figures/A6_tail_index.pdf",
        png=report(
            "figures/A6_tail_index.png",
            caption="../report/A6.rst",
            category="Paper A",
            subcategory="A6 tail index",
            labels={"figure": "A6", "experiment": "tails"},
        ),
    params:
        code=code("paper_a/tails/figure.py"),
    log:
        "logs/figures/A6.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/tails/figure.py --out figures/A6_tail_index --summary {input.summary:q} '
        "--cells {input.cells:q} > {log:q} 2>&1"
