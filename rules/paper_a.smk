# Paper A: law constants -> one train job per cell -> summary per experiment -> figures.

A_ADVERSARIES = CONFIG.get("paper_a", {}).get("experiments", {}).get("poisoning", {}).get("adversaries", [])
CHECKS = CONFIG["checks"]


def paper_a_figures():
    exps = CELLS_A.keys()
    out = []
    if "realizable" in exps:
        out += expand("figures/{fig}.{ext}", fig=["A1_realizable", "A5_tron_vs_sgd"], ext=["pdf", "png"])
    if "batch_scaling" in exps:
        out += expand("figures/A2_batch_scaling.{ext}", ext=["pdf", "png"])
    if "poisoning" in exps:
        out += expand("figures/A3_poisoned_{adv}.{ext}", adv=A_ADVERSARIES, ext=["pdf", "png"])
        out += expand("figures/A4_degradation.{ext}", ext=["pdf", "png"])
    return out


BOUND_TABLES += [f"results/bounds/{experiment}.parquet" for experiment in CELLS_A]


def cell_files(experiment):
    return [f"results/trajectories/{experiment}/{cell}/data.parquet" for cell in CELLS_A[experiment]]


def cell_spec(wildcards):
    return CELLS_A[wildcards.experiment][wildcards.cell]


rule law_constants:
    output:
        "results/constants/{law}.json",
    params:
        law=lambda w: json.dumps(CONFIG["laws"][w.law]),
        samples=lambda w: CONFIG["paper_a"]["moment_samples"],
        seed=CONFIG["seed"],
        code=TRAINER_CODE,
    log:
        "logs/constants/{law}.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        "{PYTHON} {SCRIPTS}/constants.py --law {params.law:q} --samples {params.samples} "
        "--seed {params.seed} --out {output} > {log} 2>&1"


rule train_a:
    input:
        constants=lambda w: f"results/constants/{cell_spec(w)['law_name']}.json",
    output:
        "results/trajectories/{experiment}/{cell}/data.parquet",
    wildcard_constraints:
        experiment="|".join(CELLS_A) or "no-paper-a-experiment",
    params:
        spec=lambda w: json.dumps(cell_spec(w)),
        code=TRAINER_CODE,
    log:
        "logs/train/{experiment}/{cell}.log",
    benchmark:
        "benchmarks/train/{experiment}/{cell}.tsv"
    threads: 1
    resources:
        mem_mb=lambda w: cost.paper_a(cell_spec(w))["mem_mb"],
        runtime=lambda w: cost.paper_a(cell_spec(w))["runtime"],
    shell:
        "{PYTHON} {SCRIPTS}/train_a.py --spec {params.spec:q} --constants {input.constants} "
        "--out {output} > {log} 2>&1"


rule summarize_a:
    input:
        lambda w: cell_files(w.experiment),
    output:
        "results/summary/{experiment}.parquet",
    wildcard_constraints:
        experiment="|".join(CELLS_A) or "no-paper-a-experiment",
    params:
        code=SUMMARY_CODE,
    log:
        "logs/summary/{experiment}.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "{PYTHON} {SCRIPTS}/summarize.py --out {output} {input} > {log} 2>&1"


rule check_a:
    input:
        cells=lambda w: cell_files(w.experiment),
        constants=lambda w: sorted({f"results/constants/{s['law_name']}.json" for s in CELLS_A[w.experiment].values()}),
    output:
        rows="results/bounds/{experiment}.parquet",
        curves="results/curves/{experiment}.parquet",
    wildcard_constraints:
        experiment="|".join(CELLS_A) or "no-paper-a-experiment",
    params:
        z=CHECKS["z"],
        epsilon=CHECKS["epsilon"],
        delta=CHECKS["delta"],
        code=CHECK_CODE,
    log:
        "logs/checks/{experiment}.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "{PYTHON} {SCRIPTS}/check_a.py --experiment {wildcards.experiment} --z {params.z} "
        "--epsilon {params.epsilon} --delta {params.delta} --rows {output.rows} --curves {output.curves} "
        "--constants {input.constants} --cells {input.cells} > {log} 2>&1"


rule figure_a1:
    input:
        summary="results/summary/realizable.parquet",
        curves="results/curves/realizable.parquet",
    output:
        pdf="figures/A1_realizable.pdf",
        png=report("figures/A1_realizable.png", caption="../report/A1.rst", category="Paper A",
                   subcategory="A1 realizable convergence", labels={"figure": "A1", "experiment": "realizable"}),
    params:
        code=PLOT_CODE,
    log:
        "logs/figures/A1.log",
    shell:
        "{PYTHON} {SCRIPTS}/plot.py A1 --out figures/A1_realizable --summary {input.summary} "
        "--curves {input.curves} > {log} 2>&1"


rule figure_a2:
    input:
        summary="results/summary/batch_scaling.parquet",
        curves="results/curves/batch_scaling.parquet",
    output:
        pdf="figures/A2_batch_scaling.pdf",
        png=report("figures/A2_batch_scaling.png", caption="../report/A2.rst", category="Paper A",
                   subcategory="A2 mini-batch scaling", labels={"figure": "A2", "experiment": "batch_scaling"}),
    params:
        epsilon=CHECKS["epsilon"],
        delta=CHECKS["delta"],
        code=PLOT_CODE,
    log:
        "logs/figures/A2.log",
    shell:
        "{PYTHON} {SCRIPTS}/plot.py A2 --out figures/A2_batch_scaling --summary {input.summary} "
        "--curves {input.curves} --epsilon {params.epsilon} --delta {params.delta} > {log} 2>&1"


rule figure_a3:
    input:
        summary="results/summary/poisoning.parquet",
        curves="results/curves/poisoning.parquet",
    output:
        pdf="figures/A3_poisoned_{adversary}.pdf",
        png=report("figures/A3_poisoned_{adversary}.png", caption="../report/A3.rst", category="Paper A",
                   subcategory="A3 poisoned trajectories", labels={"figure": "A3", "experiment": "poisoning", "adversary": "{adversary}"}),
    params:
        code=PLOT_CODE,
    log:
        "logs/figures/A3_{adversary}.log",
    shell:
        "{PYTHON} {SCRIPTS}/plot.py A3 --adversary {wildcards.adversary} --out figures/A3_poisoned_{wildcards.adversary} "
        "--summary {input.summary} --curves {input.curves} > {log} 2>&1"


rule figure_a4:
    input:
        rows="results/bounds/poisoning.parquet",
        curves="results/curves/poisoning.parquet",
    output:
        pdf="figures/A4_degradation.pdf",
        png=report("figures/A4_degradation.png", caption="../report/A4.rst", category="Paper A",
                   subcategory="A4 graceful degradation", labels={"figure": "A4", "experiment": "poisoning"}),
    params:
        code=PLOT_CODE,
    log:
        "logs/figures/A4.log",
    shell:
        "{PYTHON} {SCRIPTS}/plot.py A4 --out figures/A4_degradation --rows {input.rows} "
        "--curves {input.curves} > {log} 2>&1"


rule figure_a5:
    input:
        lambda w: cell_files("realizable"),
    output:
        pdf="figures/A5_tron_vs_sgd.pdf",
        png=report("figures/A5_tron_vs_sgd.png", caption="../report/A5.rst", category="Paper A",
                   subcategory="A5 Tron versus SGD", labels={"figure": "A5", "experiment": "realizable"}),
    params:
        code=PLOT_CODE,
    log:
        "logs/figures/A5.log",
    shell:
        "{PYTHON} {SCRIPTS}/plot.py A5 --out figures/A5_tron_vs_sgd --cells {input} > {log} 2>&1"
