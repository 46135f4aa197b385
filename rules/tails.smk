# Paper A's heavy-tail study (the authors' note): tails cells -> estimates -> verdict rows, figures A6 and
# A6_conjecture. The cells come from `paper_a.experiments.tails` (relu_lib/paper_a/tails/grid.py); see docs/tails.md.


rule tails_train:
    """One tails cell: Algorithm 2 and S.G.D. (projected sampler) and the model's chains, late thinned ||Delta||."""
    message:
        "paper A: tails cell {wildcards.cell}"
    output:
        "results/tails/{cell}/norms.parquet",
    params:
        spec=lambda w: json.dumps(CELLS_TAILS[w.cell], sort_keys=True),
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


rule tails_conjecture:
    """The derived table: Kesten indices of Algorithm 2 and S.G.D. over attacks, n, b and fractions of the edge."""
    output:
        "results/summary/tails_conjecture.parquet",
    params:
        axes=json.dumps(tails_grid.conjecture_grid(CONFIG), sort_keys=True),
        code=code("paper_a/tails/conjecture.py"),
    log:
        "logs/summary/tails_conjecture.log",
    benchmark:
        "benchmarks/tails/conjecture.tsv"
    threads: 1
    resources:
        mem_mb=tails_conjecture_resources()["mem_mb"],
        runtime=tails_conjecture_resources()["runtime"],
    shell:
        'python "$RELU_SCRIPTS"/paper_a/tails/conjecture.py --axes {params.axes:q} --out {output:q} > {log:q} 2>&1'


rule tails_estimate:
    """Tail estimates of one cell: Hill at a fixed k/n, the model's at the same n and k, the growth factors."""
    message:
        "paper A: tails estimates {wildcards.cell}"
    input:
        "results/tails/{cell}/norms.parquet",
    output:
        "results/tails/{cell}/estimates.parquet",
    params:
        bootstrap=tails_grid.estimation(CONFIG)["bootstrap"],
        tail_fraction=tails_grid.estimation(CONFIG)["tail_fraction"],
        growth_draws=tails_grid.estimation(CONFIG)["growth_draws"],
        code=code("paper_a/tails/estimate.py"),
    log:
        "logs/tails/{cell}.estimate.log",
    benchmark:
        "benchmarks/tails/{cell}.estimate.tsv"
    threads: 1
    resources:
        mem_mb=lambda w: tails_estimate_resources(w.cell)["mem_mb"],
        runtime=lambda w: tails_estimate_resources(w.cell)["runtime"],
    shell:
        'python "$RELU_SCRIPTS"/paper_a/tails/estimate.py --cell {input:q} --out {output:q} '
        "--bootstrap {params.bootstrap} --tail-fraction {params.tail_fraction} "
        "--growth-draws {params.growth_draws} > {log:q} 2>&1"


rule tails_summarize:
    """Every cell's estimates in one table."""
    localrule: True
    input:
        [f.replace("norms.parquet", "estimates.parquet") for f in tails_cell_files()],
    output:
        "results/summary/tails.parquet",
    params:
        code=code("paper_a/tails/summarize.py"),
    log:
        "logs/summary/tails.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/tails/summarize.py --out {output:q} {input:q} > {log:q} 2>&1'


rule tails_check:
    """Verdict rows: tail index, growth factor, Algorithm 2 vs S.G.D., the conjecture."""
    localrule: True
    input:
        summary="results/summary/tails.parquet",
        conjecture="results/summary/tails_conjecture.parquet",
    output:
        "results/bounds/tails.parquet",
    params:
        z=CHECKS["z"],
        code=code("paper_a/tails/check.py"),
    log:
        "logs/bounds/tails.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/tails/check.py --summary {input.summary:q} --conjecture {input.conjecture:q} '
        "--z {params.z} --rows {output:q} > {log:q} 2>&1"


rule figure_a6:
    """A6: measured tail indices against eta / eta_edge with both predictions, and two stationary tails."""
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
        width=FIGURE_WIDTH,
        code=code("paper_a/tails/figure.py"),
    log:
        "logs/figures/A6.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/tails/figure.py A6 --width {params.width} --out figures/A6_tail_index '
        "--summary {input.summary:q} --cells {input.cells:q} > {log:q} 2>&1"


rule figure_a6_conjecture:
    """A6_conjecture: the derived tail indices of Algorithm 2 and S.G.D. and their difference."""
    localrule: True
    input:
        "results/summary/tails_conjecture.parquet",
    output:
        pdf="figures/A6_conjecture.pdf",
        png=report(
            "figures/A6_conjecture.png",
            caption="../report/A6_conjecture.rst",
            category="Paper A",
            subcategory="A6 tail index",
            labels={"figure": "A6_conjecture", "experiment": "tails"},
        ),
    params:
        width=FIGURE_WIDTH,
        code=code("paper_a/tails/figure.py"),
    log:
        "logs/figures/A6_conjecture.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/tails/figure.py A6_conjecture --width {params.width} '
        "--out figures/A6_conjecture --conjecture {input:q} > {log:q} 2>&1"
