"""Paper B: one experiment's rows of the bound-check table, as Parquet."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--z", type=float, required=True, help="standard errors of every verdict")
    parser.add_argument("--cells", required=True, help="the experiment's per-cell statistics")
    parser.add_argument("--c-table", help="the sample_complexity c50/c90 table (absent: c is not measured)")
    parser.add_argument("--fresh", nargs="*", default=[], help="sample_complexity: its fresh-trial files")
    parser.add_argument("--out", required=True, help="Parquet file to write")
    args = parser.parse_args()

    from relu_lib.paper_b.checks import check_experiment

    check_experiment(args.experiment, args.cells, args.c_table, args.out, args.z, args.fresh)


if __name__ == "__main__":
    cli.run(main)
