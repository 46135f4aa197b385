"""Paper A, the tails study: every cell's estimates in one summary table (results/summary/tails.parquet)."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="summary Parquet to write")
    parser.add_argument("estimates", nargs="+", help="the cells' estimates Parquet files")
    args = parser.parse_args()

    from relu_lib.paper_a.tails.summary import summarize

    summarize(args.estimates, args.out)


if __name__ == "__main__":
    cli.run(main)
