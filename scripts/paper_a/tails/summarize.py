"""Paper A, figure A6: tail-index estimates (Hill-KS with a seed bootstrap, moment) of every tails cell."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="summary Parquet to write")
    parser.add_argument("--bootstrap", type=int, required=True, help="seed-bootstrap replicates")
    parser.add_argument("cells", nargs="+", help="the tails cells' Parquet files")
    args = parser.parse_args()

    from relu_lib.paper_a.tails.summary import summarize

    summarize(args.cells, args.out, args.bootstrap)


if __name__ == "__main__":
    cli.run(main)
