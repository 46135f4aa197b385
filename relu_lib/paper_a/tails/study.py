"""The heavy-tail study (the authors' note on heavy tails; figure A6): the mini-batch GLM-Tron, an extension of
the paper's Algorithm 1, and S.G.D. at fractions of their stability edge."""

from relu_lib.study import Figure, Study

STUDY = Study(
    name="tails",
    paper="A",
    grid="relu_lib.paper_a.tails.grid",
    cost="relu_lib.paper_a.tails.cost",
    trainer="relu_lib.paper_a.tails.trainer",
    cell_file="results/tails/{cell}/norms.parquet",
    tables=("results/summary/{experiment}.parquet",),
    figure_folder="",
    figures=(Figure("A6", "A6_tail_index", ("tails",), "A6 tail index"),),
    shardable=False,
)
