# Paper A: law constants -> one train job per cell -> summary and checks per experiment -> figures.


rule law_constants:
    """One input law's constants (Sigma, lambda1-3, E||x||, ...), closed form or Monte Carlo."""
    localrule: True
    output:
        "results/constants/{law}.json",
    params:
        law=lambda w: json.dumps(CONFIG["laws"][w.law]),
        samples=CONFIG.get("paper_a", {}).get("moment_samples", 0),
        seed=CONFIG["seed"],
        code=code("paper_a/constants.py"),
    log:
        "logs/constants/{law}.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/constants.py --law {params.law:q} --samples {params.samples} '
        "--seed {params.seed} --out {output:q} > {log:q} 2>&1"


if CELLS_PER_JOB == 1:

    rule train_a:
        """One paper-A cell: every seed, Tron from 0 and Tron and SGD from a common start."""
        message:
            "paper A: train {wildcards.experiment} cell {wildcards.cell}"
        input:
            # not ancient(): Snakemake skips its own params check of a job whose ancient input's producer reruns
            # (a changed law would leave its cells stale); a touched file with the same bytes reruns nothing (checksum)
            constants=paper_a_constants,
        output:
            "results/trajectories/{experiment}/{cell}/data.parquet",
        wildcard_constraints:
            experiment=experiments_of(CELLS_A),
        params:
            spec=lambda w: json.dumps(paper_a_spec(w)),
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
            'python "$RELU_SCRIPTS"/paper_a/train.py --spec {params.spec:q} --constants {input.constants:q} '
            "--out {output:q} > {log:q} 2>&1"

else:
    for _name, (_experiment, _ids) in SHARDS_A.items():

        rule:
            name:
                f"train_a_{_name}"
            message:
                f"paper A: train shard {_name} ({len(_ids)} cells of {_experiment})"
            input:
                manifest=f"results/shards/{_name}.json",
                constants=sorted({f"results/constants/{CELLS_A[_experiment][c]['law_name']}.json" for c in _ids}),
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
    """Median, quantiles, RMS and diverged fraction per checkpoint of one experiment."""
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
    """One experiment's verdict rows against the theory, and the theory curves the figures draw."""
    localrule: True
    input:
        cells=lambda w: cell_files(CELLS_A, w.experiment),
        constants=paper_a_experiment_constants,
    output:
        rows="results/bounds/{experiment}.parquet",
        curves="results/curves/{experiment}.parquet",
    wildcard_constraints:
        experiment=experiments_of(CELLS_A),
    params:
        z=CHECKS["z"],
        epsilon=CHECKS["epsilon"],
        delta=CHECKS["delta"],
        code=code("paper_a/check.py"),
    log:
        "logs/bounds/{experiment}.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/check.py --experiment {wildcards.experiment} --z {params.z} '
        "--epsilon {params.epsilon} --delta {params.delta} --rows {output.rows:q} --curves {output.curves:q} "
        "--constants {input.constants:q} --cells {input.cells:q} > {log:q} 2>&1"


rule figure_a1:
    """A1: realizable convergence of Tron and SGD with the (A2) bound."""
    localrule: True
    input:
        summary="results/summary/realizable.parquet",
        curves="results/curves/realizable.parquet",
    output:
        pdf="figures/A1_realizable.pdf",
        png=report(
            "figures/A1_realizable.png",
            caption="../report/A1.rst",
            category="Paper A",
            subcategory="A1 realizable convergence",
            labels={"figure": "A1", "experiment": "realizable"},
        ),
    params:
        width=FIGURE_WIDTH,
        code=code("paper_a/figure.py"),
    log:
        "logs/figures/A1.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/figure.py A1 --width {params.width} --out figures/A1_realizable --summary {input.summary:q} '
        "--curves {input.curves:q} > {log:q} 2>&1"


rule figure_a2:
    """A2: iterations and samples to reach epsilon against the mini-batch size."""
    localrule: True
    input:
        summary="results/summary/batch_scaling.parquet",
        curves="results/curves/batch_scaling.parquet",
    output:
        pdf="figures/A2_batch_scaling.pdf",
        png=report(
            "figures/A2_batch_scaling.png",
            caption="../report/A2.rst",
            category="Paper A",
            subcategory="A2 mini-batch scaling",
            labels={"figure": "A2", "experiment": "batch_scaling"},
        ),
    params:
        width=FIGURE_WIDTH,
        epsilon=CHECKS["epsilon"],
        delta=CHECKS["delta"],
        code=code("paper_a/figure.py"),
    log:
        "logs/figures/A2.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/figure.py A2 --width {params.width} --out figures/A2_batch_scaling --summary {input.summary:q} '
        "--curves {input.curves:q} --epsilon {params.epsilon} --delta {params.delta} > {log:q} 2>&1"


rule figure_a3:
    """A3: poisoned trajectories of one adversary with the (A3)-(A5) floors."""
    localrule: True
    input:
        summary="results/summary/poisoning.parquet",
        curves="results/curves/poisoning.parquet",
    output:
        pdf="figures/A3_poisoned_{adversary}.pdf",
        png=report(
            "figures/A3_poisoned_{adversary}.png",
            caption="../report/A3.rst",
            category="Paper A",
            subcategory="A3 poisoned trajectories",
            labels={"figure": "A3", "experiment": "poisoning", "adversary": "{adversary}"},
        ),
    params:
        width=FIGURE_WIDTH,
        code=code("paper_a/figure.py"),
    log:
        "logs/figures/A3_{adversary}.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/figure.py A3 --width {params.width} --adversary {wildcards.adversary} '
        "--out figures/A3_poisoned_{wildcards.adversary} --summary {input.summary:q} --curves {input.curves:q} "
        "> {log:q} 2>&1"


rule figure_a4:
    """A4: graceful degradation of the late error with beta and theta."""
    localrule: True
    input:
        rows="results/bounds/poisoning.parquet",
        curves="results/curves/poisoning.parquet",
    output:
        pdf="figures/A4_degradation.pdf",
        png=report(
            "figures/A4_degradation.png",
            caption="../report/A4.rst",
            category="Paper A",
            subcategory="A4 graceful degradation",
            labels={"figure": "A4", "experiment": "poisoning"},
        ),
    params:
        width=FIGURE_WIDTH,
        code=code("paper_a/figure.py"),
    log:
        "logs/figures/A4.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/figure.py A4 --width {params.width} --out figures/A4_degradation --rows {input.rows:q} '
        "--curves {input.curves:q} > {log:q} 2>&1"


rule figure_a5:
    """A5: Tron against SGD from the same start on the same mini-batches."""
    localrule: True
    input:
        lambda w: cell_files(CELLS_A, "realizable"),
    output:
        pdf="figures/A5_tron_vs_sgd.pdf",
        png=report(
            "figures/A5_tron_vs_sgd.png",
            caption="../report/A5.rst",
            category="Paper A",
            subcategory="A5 Tron versus SGD",
            labels={"figure": "A5", "experiment": "realizable"},
        ),
    params:
        width=FIGURE_WIDTH,
        code=code("paper_a/figure.py"),
    log:
        "logs/figures/A5.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/figure.py A5 --width {params.width} --out figures/A5_tron_vs_sgd --cells {input:q} > {log:q} 2>&1'


rule figure_a7:
    """A7: Tron, true SGD and the authors' published SGD (sample 0's derivative) on the same mini-batches."""
    localrule: True
    input:
        cells=lambda w: cell_files(CELLS_A, "sgd_variants"),
        curves="results/curves/sgd_variants.parquet",
    output:
        pdf="figures/A7_sgd_variants.pdf",
        png=report(
            "figures/A7_sgd_variants.png",
            caption="../report/A7.rst",
            category="Paper A",
            subcategory="A7 SGD variants",
            labels={"figure": "A7", "experiment": "sgd_variants"},
        ),
    params:
        width=FIGURE_WIDTH,
        code=code("paper_a/figure.py"),
    log:
        "logs/figures/A7.log",
    shell:
        'python "$RELU_SCRIPTS"/paper_a/figure.py A7 --width {params.width} --out figures/A7_sgd_variants --cells {input.cells:q} '
        "--curves {input.curves:q} > {log:q} 2>&1"
