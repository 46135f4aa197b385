"""Draw one paper-B figure (PDF and PNG): B1 from cell files, B2 from the cell statistics and c50/c90 table."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("figure", choices=("B1", "B2"))
    parser.add_argument("--out", required=True, help="output prefix: writes <out>.pdf and <out>.png")
    parser.add_argument("inputs", nargs="+", help="B1: the cell Parquet files; B2: the cell statistics and the c50/c90 table")
    args = parser.parse_args()

    from relu_lib import plots, plots_b
    from relu_lib.errors import UserError
    from relu_lib.io import read_metadata, read_table
    from relu_lib.provenance import PLOT_B_MODULES, inputs_config, stamp
    from relu_lib.summary_b import load_cells

    if args.figure == "B1":
        fig = plots_b.plot_trajectories(load_cells(args.inputs))
    else:
        if len(args.inputs) != 2:
            raise UserError("B2 needs two inputs: the cell statistics and the c50/c90 table")
        stats, table = (read_table(path)[0].to_pandas() for path in args.inputs)
        fig = plots_b.plot_sample_complexity(stats, table)
    metas = [read_metadata(path) for path in args.inputs]
    plots.save(fig, args.out, stamp(inputs_config(metas, figure=args.figure), PLOT_B_MODULES))


if __name__ == "__main__":
    cli.run(main)
