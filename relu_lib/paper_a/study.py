"""Paper A's study: Algorithm 2 and S.G.D. on the paper's settings (Figures 1-5) and beyond the paper."""

from relu_lib.study import Figure, Study

FIGURES = (
    Figure("fig1", "fig1_batch_size", ("batch_size",), "Figure 1: Algorithm 2, mini-batch size"),
    Figure("fig2", "fig2_attack_probability", ("attack_probability",), "Figure 2: Algorithm 2, probability of attack"),
    Figure("fig3", "fig3_attack_magnitude", ("attack_magnitude",), "Figure 3: Algorithm 2, attack magnitude"),
    Figure("fig4", "fig4_sgd_attack_probability", ("attack_probability",), "Figure 4: S.G.D., probability of attack"),
    Figure("fig5", "fig5_sgd_attack_magnitude", ("attack_magnitude",), "Figure 5: S.G.D., attack magnitude"),
    Figure(
        "alg2_vs_sgd",
        "alg2_vs_sgd",
        ("attack_probability", "attack_magnitude"),
        "Algorithm 2 against S.G.D.",
        needs_all=False,
    ),
    Figure("milder", "milder_conditions", ("milder_conditions",), "Beyond the paper: laws without symmetry"),
    Figure(
        "comparison",
        "comparison",
        ("batch_size", "attack_probability", "attack_magnitude"),
        "The paper's values, the simulation and the exact theory",
        needs_all=False,
        kind="table",
    ),
)

STUDY = Study(
    name="paper_a",
    paper="A",
    grid="relu_lib.paper_a.grid",
    cost="relu_lib.paper_a.cost",
    trainer="relu_lib.paper_a.trainer",
    cell_file="results/trajectories/{experiment}/{cell}/data.parquet",
    tables=("results/summary/{experiment}.parquet", "results/curves/{experiment}.parquet"),
    figure_folder="paper_a",
    figures=FIGURES,
)
