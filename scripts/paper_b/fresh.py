"""Paper B: fresh trials of one (constraint, s, d) at the smallest grid n/n0 >= the measured c, as Parquet."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--constraint", required=True)
    parser.add_argument("--s", type=int, required=True)
    parser.add_argument("--d", type=int, required=True)
    parser.add_argument("--trials", type=int, required=True, help="fresh trials (paper_b.fresh_trials)")
    parser.add_argument("--seed", type=int, required=True, help="the config's master seed")
    parser.add_argument("--cells", required=True, help="the sample_complexity per-cell statistics")
    parser.add_argument("--c-table", required=True, help="the sample_complexity c50/c90 table")
    parser.add_argument("--out", required=True, help="Parquet file to write")
    args = parser.parse_args()

    from relu_lib.paper_b.fresh import write_fresh

    write_fresh(args.cells, args.c_table, args.constraint, args.s, args.d, args.trials, args.seed, args.out)


if __name__ == "__main__":
    cli.run(main)
