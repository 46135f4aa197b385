"""Paper A, the tails study: the derived table of the Kesten indices of Algorithm 2 and S.G.D. (the note's
conjecture as numbers)."""

import argparse
import json

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--axes", required=True, type=json.loads, help="the table's axes (grid.conjecture_grid)")
    parser.add_argument("--out", required=True, help="Parquet file to write")
    args = parser.parse_args()

    from relu_lib.paper_a.tails.conjecture import write

    write(args.axes, args.out)


if __name__ == "__main__":
    cli.run(main)
