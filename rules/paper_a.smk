# Paper A: one train job per cell -> summary and checks per experiment -> the figures of FIGURES_A.


if CELLS_PER_JOB == 1:

    rule train_a:
        """One paper-A cell: every run, Algorithm 2 and S.G.D. on the same mini-batches from the same start."""
        message:
            "paper A: train {wildcards.experiment} cell {wildcards.cell}"
        output:
            "results/trajectories/{experiment}/{cell}/data.parquet",
        wildcard_constraints:
            experiment=experiments_of(CELLS_A),
            cell=CELL_PATTERN,
        params:
            spec=lambda w: json.dumps(paper_a_spec(w), sort_keys=True),  # key order is not a change
            code=code("paper_a/train.py"),
        log:
            "logs/train/{experiment}/{cell}.log",
        benchmark:
            "benchmarks/train/{experiment}/{cell}.tsv"
        threads: 1
        resources:
            mem_mb=resource("paper_a", "mem_mb"),
            runtime=resource("paper_a", "runtime"),
        shell:
            'python "$RELU_SCRIPTS"/paper_a/train.py --spec {params.spec:q} --out {output:q} > {log:q} 2>&1'

else:
    for _name, (_experiment, _ids) in SHARDS_A.items():

        rule:
            name:
                f"train_a_{_name}"
            message:
                f"paper A: train shard {_name} ({len(_ids)} cells of {_experiment})"
            input:
                manifest=f"results/shards/{_name}.json",
            output:
                [update(cell_file(_experiment, c)) for c in _ids],
            params:
                code=code("paper_a/train.py"),
            log:
                f"logs/train/shards/{_name}.log",
            benchmark:
                f"benchmarks/train/shards/{_name}.tsv"
            threads: 1
            resources:
                **shard_resources("paper_a", _experiment, _ids),
            shell:
                'python "$RELU_SCRIPTS"/paper_a/train.py --manifest {input.manifest:q} > {log:q} 2>&1'

        index_outputs(f"train_a_{_name}")


rule summarize_a:
    """Mean error over runs with its standard error, the 10-90 % band and the mean squared error per step."""
    localrule: True
    input:
        lambda w: cell_files(CELLS_A, w.experiment),
    output:
        "results/summary/{experiment}.parquet",
    wildcard_constraints:
        experiment=experiments_of(CELLS_A),
    params:
        code=code("paper_a/summarize.py"),
    log:
        "logs/summary/{experiment}.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/summarize.py --out {output:q} {input:q} > {log:q} 2>&1'


rule check_a:
    """One experiment's verdict rows (exact theory, the paper's figure values) and the theory curves."""
    localrule: True
    input:
        cells=lambda w: cell_files(CELLS_A, w.experiment),
    output:
        rows="results/bounds/{experiment}.parquet",
        curves="results/curves/{experiment}.parquet",
    wildcard_constraints:
        experiment=experiments_of(CELLS_A),
    params:
        z=CHECKS["z"],
        samples=CONFIG.get("paper_a", {}).get("moment_samples", 0),
        epsilon=CHECKS["epsilon"],
        delta=CHECKS["delta"],
        code=code("paper_a/check.py"),
    log:
        "logs/bounds/{experiment}.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/check.py --experiment {wildcards.experiment:q} --z {params.z} '
        "--moment-samples {params.samples} --epsilon {params.epsilon} --delta {params.delta} "
        "--rows {output.rows:q} --curves {output.curves:q} "
        "--cells {input.cells:q} > {log:q} 2>&1"


for _figure in FIGURES_A:

    rule:
        name:
            f"figure_a_{_figure.id}"
        message:
            f"paper A: figure {_figure.stem}"
        localrule: True
        input:
            summaries=[f"results/summary/{e}.parquet" for e in _figure.experiments if e in CELLS_A],
            curves=[f"results/curves/{e}.parquet" for e in _figure.experiments if e in CELLS_A],
        output:
            # a figure is a PDF and a PNG (the PNG in the report), a table one Markdown file
            **({"pdf": f"figures/paper_a/{_figure.stem}.pdf"} if _figure.kind == "figure" else {}),
            main=report(
                f"figures/paper_a/{_figure.stem}.{_figure.extensions[-1]}",
                caption=f"../report/paper_a/{_figure.stem}.rst",
                category="Paper A",
                subcategory=_figure.caption,
                labels={"figure": _figure.id},
            ),
        params:
            # the loop variable in params, not in the shell string: Snakemake formats the shell command late,
            # when _figure names the last figure of the loop
            figure=_figure.id,
            width=FIGURE_WIDTH,
            summaries=figure_inputs(_figure, "summary"),
            curves=figure_inputs(_figure, "curves"),
            code=code("paper_a/figure.py"),
        log:
            f"logs/figures/paper_a/{_figure.stem}.log",
        shell:
            'python "$RELU_SCRIPTS"/paper_a/figure.py {params.figure} --width {params.width} --out {output.main:q} '
            "--summary {params.summaries} --curves {params.curves} > {log:q} 2>&1"
