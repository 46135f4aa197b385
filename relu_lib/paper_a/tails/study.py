"""The heavy-tail study (the authors' note on heavy tails, arXiv 2204.12554): Algorithm 2, paper A's algorithm, and
S.G.D. at fractions of their own stability edges, against the Kesten indices derived here (docs/tails.md)."""

from relu_lib.study import Figure, Study

STUDY = Study(
    name="tails",
    paper="A",
    grid="relu_lib.paper_a.tails.grid",
    cost="relu_lib.paper_a.tails.cost",
    trainer="relu_lib.paper_a.tails.trainer",
    cell_file="results/tails/{cell}/norms.parquet",
    tables=("results/summary/{experiment}.parquet", "results/summary/{experiment}_conjecture.parquet"),
    figure_folder="",
    figures=(
        Figure("A6", "A6_tail_index", ("tails",), "A6 tail index"),
        Figure("A6_conjecture", "A6_conjecture", ("tails",), "A6 conjecture: tail indices of Algorithm 2 and S.G.D."),
    ),
    shardable=False,
)
