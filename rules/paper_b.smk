# Paper B: n0 per (constraint, s, d) -> one train job per cell -> summary per experiment ->
# c50/c90 table -> fresh trials at the measured c -> figures B1 and B2, and the experiment's rows of the
# bound-check table.


rule n0_b:
    """Paper B's sample complexity n0 of one (constraint, s, d): exact for l1, Monte Carlo for l0."""
    localrule: True
    output:
        "results/n0/constraint={constraint}/s={s}/d={d}.json",
    wildcard_constraints:
        constraint="|".join(sorted(PROJECTIONS)),
        s=r"\d+",
        d=r"\d+",
    params:
        # only the l0 Monte Carlo uses the sample size: changing it reruns the l0 cells only
        samples=lambda w: CONFIG["paper_b"]["n0_samples"] if w.constraint == "l0" else 0,
        seed=CONFIG["seed"],
        code=code("paper_b/n0.py"),
    log:
        "logs/n0/constraint={constraint}/s={s}/d={d}.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_b/n0.py --constraint {wildcards.constraint:q} --s {wildcards.s:q} '
        "--d {wildcards.d:q} --samples {params.samples} --seed {params.seed} --out {output:q} > {log:q} 2>&1"


if CELLS_PER_JOB == 1:

    rule train_b:
        """One paper-B cell: every trial, PGD from zero with ReLU and linear observations on the same data."""
        message:
            "paper B: train {wildcards.experiment} cell {wildcards.cell}"
        input:
            n0=paper_b_n0,  # not ancient(): Snakemake would skip the cells' own rerun checks when n0 reruns
        output:
            "results/trajectories/{experiment}/{cell}/data.parquet",
        wildcard_constraints:
            experiment=experiments_of(CELLS_B),
        params:
            spec=lambda w: json.dumps(paper_b_spec(w), sort_keys=True),
            code=code("paper_b/train.py"),
        log:
            "logs/train/{experiment}/{cell}.log",
        benchmark:
            "benchmarks/train/{experiment}/{cell}.tsv"
        threads: 1
        resources:
            mem_mb=resource("paper_b", "mem_mb"),
            runtime=resource("paper_b", "runtime"),
        shell:
            'python "$RELU_SCRIPTS"/paper_b/train.py --spec {params.spec:q} --n0 {input.n0:q} --out {output:q} '
            "> {log:q} 2>&1"

else:
    for _name, (_experiment, _ids) in SHARDS_B.items():

        rule:
            name:
                f"train_b_{_name}"
            message:
                f"paper B: train shard {_name} ({len(_ids)} cells of {_experiment})"
            input:
                manifest=f"results/shards/{_name}.json",
                n0=sorted({n0_path(CELLS_B[_experiment][c]) for c in _ids}),
            output:
                [update(cell_file(_experiment, c)) for c in _ids],
            params:
                code=code("paper_b/train.py"),
            log:
                f"logs/train/shards/{_name}.log",
            benchmark:
                f"benchmarks/train/shards/{_name}.tsv"
            threads: 1
            resources:
                **shard_resources("paper_b", _experiment, _ids),
            shell:
                'python "$RELU_SCRIPTS"/paper_b/train.py --manifest {input.manifest:q} > {log:q} 2>&1'

        index_outputs(f"train_b_{_name}")


rule summarize_b:
    """One experiment's error curves and per-cell statistics (envelope, success, rate, first step)."""
    localrule: True
    input:
        lambda w: cell_files(CELLS_B, w.experiment),
    output:
        curves="results/summary/{experiment}.parquet",
        cells="results/summary/{experiment}_cells.parquet",
    wildcard_constraints:
        experiment=experiments_of(CELLS_B),
    params:
        threshold=CONFIG.get("paper_b", {}).get("success_threshold", 0),
        code=code("paper_b/summarize.py"),
    log:
        "logs/summary/{experiment}.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_b/summarize.py --success-threshold {params.threshold} '
        "--curves {output.curves:q} --cells {output.cells:q} {input:q} > {log:q} 2>&1"


rule c_table_b:
    """The measured constants c50 and c90 per constraint and (s, d)."""
    localrule: True
    input:
        "results/summary/sample_complexity_cells.parquet",
    output:
        parquet=C_TABLE,
        markdown="figures/B_sample_complexity.md",
    params:
        code=code("paper_b/c_table.py"),
    log:
        "logs/summary/sample_complexity_c50_c90.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_b/c_table.py --parquet {output.parquet:q} --markdown {output.markdown:q} '
        "{input:q} > {log:q} 2>&1"


rule fresh_b:
    """The (1/2)^tau envelope on fresh trials at the smallest grid n/n0 >= the measured c, one (constraint, s, d)."""
    message:
        "paper B: fresh trials of constraint={wildcards.constraint}/s={wildcards.s}/d={wildcards.d} at the measured c"
    input:
        cells="results/summary/sample_complexity_cells.parquet",
        c_table=C_TABLE,
    output:
        paper_b_fresh.FRESH_FILE,
    wildcard_constraints:
        constraint="|".join(sorted(PROJECTIONS)),
        s=r"\d+",
        d=r"\d+",
    params:
        trials=paper_b_fresh.fresh_trials(CONFIG),
        seed=CONFIG["seed"],
        code=code("paper_b/fresh.py"),
    log:
        "logs/summary/sample_complexity_fresh/constraint={constraint}/s={s}/d={d}.log",
    threads: 1
    resources:
        mem_mb=paper_b_fresh_resource("mem_mb"),
        runtime=paper_b_fresh_resource("runtime"),
    shell:
        'python "$RELU_SCRIPTS"/paper_b/fresh.py --constraint {wildcards.constraint:q} --s {wildcards.s:q} '
        "--d {wildcards.d:q} --trials {params.trials} --seed {params.seed} --cells {input.cells:q} "
        "--c-table {input.c_table:q} --out {output:q} > {log:q} 2>&1"


rule check_b:
    """One experiment's verdict rows: the (1/2)^tau envelope and rate, and the first-step identity."""
    localrule: True
    input:
        cells="results/summary/{experiment}_cells.parquet",
        c_table=paper_b_c_table,
        fresh=paper_b_fresh_files,
    output:
        "results/bounds/{experiment}.parquet",
    wildcard_constraints:
        experiment=experiments_of(CELLS_B),
    params:
        c_table=lambda w, input: f"--c-table {shlex.quote(input.c_table)}" if input.c_table else "",
        fresh=lambda w, input: " ".join(["--fresh", *map(shlex.quote, input.fresh)]) if input.fresh else "",
        z=CHECKS["z"],
        code=code("paper_b/check.py"),
    log:
        "logs/bounds/{experiment}.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_b/check.py --experiment {wildcards.experiment:q} --z {params.z} '
        "--cells {input.cells:q} {params.c_table} {params.fresh} --out {output:q} > {log:q} 2>&1"


rule figure_b1:
    """B1: PGD from zero, relative error per iteration, ReLU and linear observations."""
    localrule: True
    input:
        lambda w: cell_files(CELLS_B, "trajectories"),
    output:
        pdf="figures/B1_trajectories.pdf",
        png=report(
            "figures/B1_trajectories.png",
            caption="../report/B1.rst",
            category="Paper B",
            subcategory="B1 PGD from zero",
            labels={"figure": "B1", "experiment": "trajectories"},
        ),
    params:
        width=FIGURE_WIDTH,
        code=code("paper_b/figure.py"),
    log:
        "logs/figures/B1.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_b/figure.py B1 --width {params.width} --out figures/B1_trajectories {input:q} > {log:q} 2>&1'


rule figure_b2:
    """B2: the fraction of successful trials against n/n0, per constraint."""
    localrule: True
    input:
        cells="results/summary/sample_complexity_cells.parquet",
        table=C_TABLE,
    output:
        pdf="figures/B2_sample_complexity.pdf",
        png=report(
            "figures/B2_sample_complexity.png",
            caption="../report/B2.rst",
            category="Paper B",
            subcategory="B2 sample complexity",
            labels={"figure": "B2", "experiment": "sample_complexity"},
        ),
    params:
        width=FIGURE_WIDTH,
        code=code("paper_b/figure.py"),
    log:
        "logs/figures/B2.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_b/figure.py B2 --width {params.width} --out figures/B2_sample_complexity {input.cells:q} '
        "{input.table:q} > {log:q} 2>&1"
