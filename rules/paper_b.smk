# Paper B: n0 per (constraint, s, d) -> one train job per cell -> summary per experiment ->
# c50/c90 table, figures B1 and B2, and the experiment's rows of the bound-check table.

from relu_lib.projections import PROJECTIONS

B_EXPERIMENTS = "|".join(CELLS_B) or "no-paper-b-experiment"
B_SUMMARY_CODE = provenance.fingerprint(("summary_b", "sample_complexity", "train_b", "io"))
B_CHECK_CODE = provenance.fingerprint(("checks", "checks_b", "summary_b"))
B_PLOT_CODE = provenance.fingerprint(provenance.PLOT_B_MODULES)
C_TABLE = "results/summary/sample_complexity_c50_c90.parquet"

BOUND_TABLES += [f"results/bounds/{experiment}.parquet" for experiment in CELLS_B]


def paper_b_outputs():
    out = []
    if "trajectories" in CELLS_B:
        out += expand("figures/B1_trajectories.{ext}", ext=["pdf", "png"])
    if "sample_complexity" in CELLS_B:
        out += expand("figures/B2_sample_complexity.{ext}", ext=["pdf", "png"])
        out += ["figures/B_sample_complexity.md"]
    return out


def b_cell_spec(wildcards):
    return CELLS_B[wildcards.experiment][wildcards.cell]


def b_cell_files(experiment):
    return [f"results/trajectories/{experiment}/{cell}/data.parquet" for cell in CELLS_B[experiment]]


def b_n0_file(wildcards):
    spec = b_cell_spec(wildcards)
    return f"results/n0/constraint={spec['constraint']}/s={spec['s']}/d={spec['d']}.json"


rule n0_b:
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
        code=PAPER_B_CODE,
    log:
        "logs/n0/constraint={constraint}/s={s}/d={d}.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        "{PYTHON} {SCRIPTS}/n0.py --constraint {wildcards.constraint} --s {wildcards.s} --d {wildcards.d} "
        "--samples {params.samples} --seed {params.seed} --out {output} > {log} 2>&1"


rule train_b:
    input:
        n0=b_n0_file,
    output:
        "results/trajectories/{experiment}/{cell}/data.parquet",
    wildcard_constraints:
        experiment=B_EXPERIMENTS,
    params:
        spec=lambda w: json.dumps(b_cell_spec(w)),
        code=PAPER_B_CODE,
    log:
        "logs/train/{experiment}/{cell}.log",
    benchmark:
        "benchmarks/train/{experiment}/{cell}.tsv"
    threads: 1
    resources:
        mem_mb=lambda w: cost.paper_b(b_cell_spec(w))["mem_mb"],
        runtime=lambda w: cost.paper_b(b_cell_spec(w))["runtime"],
    shell:
        "{PYTHON} {SCRIPTS}/train_b.py --spec {params.spec:q} --n0 {input.n0} --out {output} > {log} 2>&1"


rule summarize_b:
    input:
        lambda w: b_cell_files(w.experiment),
    output:
        curves="results/summary/{experiment}.parquet",
        cells="results/summary/{experiment}_cells.parquet",
    wildcard_constraints:
        experiment=B_EXPERIMENTS,
    params:
        threshold=lambda w: CONFIG["paper_b"]["success_threshold"],
        code=B_SUMMARY_CODE,
    log:
        "logs/summary/{experiment}.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "{PYTHON} {SCRIPTS}/summarize_b.py --success-threshold {params.threshold} --curves {output.curves} "
        "--cells {output.cells} {input} > {log} 2>&1"


rule sample_complexity_table:
    input:
        "results/summary/sample_complexity_cells.parquet",
    output:
        parquet=C_TABLE,
        markdown="figures/B_sample_complexity.md",
    params:
        code=B_SUMMARY_CODE,
    log:
        "logs/summary/sample_complexity_c50_c90.log",
    shell:
        "{PYTHON} {SCRIPTS}/table_b.py --parquet {output.parquet} --markdown {output.markdown} {input} > {log} 2>&1"


rule check_b:
    input:
        cells="results/summary/{experiment}_cells.parquet",
        c_table=lambda w: C_TABLE if "sample_complexity" in CELLS_B else [],
    output:
        "results/bounds/{experiment}.parquet",
    wildcard_constraints:
        experiment=B_EXPERIMENTS,
    params:
        c_table=lambda w, input: f"--c-table {input.c_table}" if input.c_table else "",
        code=B_CHECK_CODE,
    log:
        "logs/bounds/{experiment}.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        "{PYTHON} {SCRIPTS}/check_b.py --experiment {wildcards.experiment} --cells {input.cells} "
        "{params.c_table} --out {output} > {log} 2>&1"


rule figure_b1:
    input:
        lambda w: b_cell_files("trajectories"),
    output:
        pdf="figures/B1_trajectories.pdf",
        png=report("figures/B1_trajectories.png", caption="../report/B1.rst", category="Paper B",
                   subcategory="B1 PGD from zero", labels={"figure": "B1", "experiment": "trajectories"}),
    params:
        code=B_PLOT_CODE,
    log:
        "logs/figures/B1.log",
    shell:
        "{PYTHON} {SCRIPTS}/plot_b.py B1 --out figures/B1_trajectories {input} > {log} 2>&1"


rule figure_b2:
    input:
        cells="results/summary/sample_complexity_cells.parquet",
        table=C_TABLE,
    output:
        pdf="figures/B2_sample_complexity.pdf",
        png=report("figures/B2_sample_complexity.png", caption="../report/B2.rst", category="Paper B",
                   subcategory="B2 sample complexity", labels={"figure": "B2", "experiment": "sample_complexity"}),
    params:
        code=B_PLOT_CODE,
    log:
        "logs/figures/B2.log",
    shell:
        "{PYTHON} {SCRIPTS}/plot_b.py B2 --out figures/B2_sample_complexity {input.cells} {input.table} > {log} 2>&1"
