"""The theorems study: one experiment per group of paper A's statements, one cell each; a cell's output is its
verdict rows (each statement's module simulates what it needs and judges it: relu_lib.paper_a.statements.trainer)."""

from relu_lib.study import Figure, Study

STUDY = Study(
    name="statements",
    paper="A",
    grid="relu_lib.paper_a.statements.grid",
    cost="relu_lib.paper_a.statements.cost",
    trainer="relu_lib.paper_a.statements.trainer",
    cell_file="results/statements/{experiment}/{cell}/rows.parquet",
    tables=(),
    figure_folder="paper_a",
    figures=(
        Figure("near_optimality", "near_optimality", ("near_optimality",), "§3.2: near-optimality"),
        Figure("glm_tron", "glm_tron_theorems", ("glm_tron",), "§2: GLM-Tron (Algorithm 1)"),
        Figure("tightness", "theorem_3_1_tightness", ("theorem_3_1",), "Theorem 3.1: how tight"),
    ),
    shardable=False,
    cells_are_verdicts=True,
)
