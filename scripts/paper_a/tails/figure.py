"""Paper A: draw figure A6 (PDF and PNG): measured against predicted tail index, and two stationary tails."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="output prefix: writes <out>.pdf and <out>.png")
    parser.add_argument("--summary", required=True, help="results/summary/tails.parquet")
    parser.add_argument("--cells", nargs="+", required=True, help="the tails cells' Parquet files")
    args = parser.parse_args()

    from relu_lib.paper_a.tails.figures import draw

    draw(args.summary, args.cells, args.out)


if __name__ == "__main__":
    cli.run(main)
