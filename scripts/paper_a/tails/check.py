"""Paper A, the tails study: verdict rows (A6 tail index, growth factor, Algorithm 2 vs S.G.D., the conjecture)."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--summary", required=True, help="results/summary/tails.parquet")
    parser.add_argument("--conjecture", required=True, help="results/summary/tails_conjecture.parquet")
    parser.add_argument("--z", type=float, required=True, help="standard errors of every verdict")
    parser.add_argument("--rows", required=True, help="verdict rows Parquet to write")
    args = parser.parse_args()

    from relu_lib.paper_a.tails.checks import check

    check(args.summary, args.conjecture, args.z, args.rows)


if __name__ == "__main__":
    cli.run(main)
