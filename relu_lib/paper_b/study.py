"""Paper B's study: projected gradient descent from zero, figures B1, B2 and the c50/c90 table."""

from relu_lib.study import Figure, Study

C_TABLE = "results/summary/sample_complexity_c50_c90.parquet"  # c50/c90 of the sample-complexity experiment

STUDY = Study(
    name="paper_b",
    paper="B",
    grid="relu_lib.paper_b.grid",
    cost="relu_lib.paper_b.cost",
    trainer="relu_lib.paper_b.trainer",
    cell_file="results/trajectories/{experiment}/{cell}/data.parquet",
    tables=("results/summary/{experiment}.parquet", "results/summary/{experiment}_cells.parquet"),
    figure_folder="",
    extra_tables=(("sample_complexity", C_TABLE),),
    constants="relu_lib.paper_b.grid",
    config_tables="relu_lib.paper_b.fresh",  # the envelope's fresh trials, one file per (constraint, s, d)
    figures=(
        Figure("B1", "B1_trajectories", ("trajectories",), "B1 PGD from zero"),
        Figure("B2", "B2_sample_complexity", ("sample_complexity",), "B2 sample complexity"),
    ),
)
