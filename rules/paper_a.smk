# Paper A: law constants -> one train job per cell -> summary per experiment -> figures.

A_ADVERSARIES = CONFIG.get("paper_a", {}).get("experiments", {}).get("poisoning", {}).get("adversaries", [])


def paper_a_figures():
    exps = CELLS_A.keys()
    out = []
    if "realizable" in exps:
        out += expand("figures/{fig}.{ext}", fig=["A1_realizable", "A5_tron_vs_sgd"], ext=["pdf", "png"])
    if "poisoning" in exps:
        out += expand("figures/A3_poisoned_{adv}.{ext}", adv=A_ADVERSARIES, ext=["pdf", "png"])
    return out


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
    log:
        "logs/summary/{experiment}.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "{PYTHON} {SCRIPTS}/summarize.py --out {output} {input} > {log} 2>&1"


rule figure_a1:
    input:
        "results/summary/realizable.parquet",
    output:
        multiext("figures/A1_realizable", ".pdf", ".png"),
    log:
        "logs/figures/A1.log",
    shell:
        "{PYTHON} {SCRIPTS}/plot.py A1 --out figures/A1_realizable {input} > {log} 2>&1"


rule figure_a3:
    input:
        "results/summary/poisoning.parquet",
    output:
        multiext("figures/A3_poisoned_{adversary}", ".pdf", ".png"),
    log:
        "logs/figures/A3_{adversary}.log",
    shell:
        "{PYTHON} {SCRIPTS}/plot.py A3 --adversary {wildcards.adversary} "
        "--out figures/A3_poisoned_{wildcards.adversary} {input} > {log} 2>&1"


rule figure_a5:
    input:
        lambda w: cell_files("realizable"),
    output:
        multiext("figures/A5_tron_vs_sgd", ".pdf", ".png"),
    log:
        "logs/figures/A5.log",
    shell:
        "{PYTHON} {SCRIPTS}/plot.py A5 --out figures/A5_tron_vs_sgd {input} > {log} 2>&1"
