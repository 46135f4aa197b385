"""Draw one paper-A figure (PDF and PNG) from an experiment's summary or trajectories."""

import argparse

from relu_lib import cli

FIGURES = ("A1", "A3", "A5")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("figure", choices=FIGURES)
    parser.add_argument("--out", required=True, help="output prefix: writes <out>.pdf and <out>.png")
    parser.add_argument("--adversary", help="A3: which adversary's cells to draw")
    parser.add_argument("inputs", nargs="+", help="A1, A3: the summary Parquet; A5: the cell Parquet files")
    args = parser.parse_args()

    from relu_lib import plots
    from relu_lib.io import read_table
    from relu_lib.summary import load_trajectories

    if args.figure == "A5":
        fig = plots.plot_tron_vs_sgd(load_trajectories(args.inputs))
    else:
        summary = read_table(args.inputs[0])[0].to_pandas()
        fig = plots.plot_realizable(summary) if args.figure == "A1" else plots.plot_poisoned(summary, args.adversary)
    plots.save(fig, args.out)


if __name__ == "__main__":
    cli.run(main)
