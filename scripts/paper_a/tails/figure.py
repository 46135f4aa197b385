"""Paper A, the tails study: draw figure A6 (measured against predicted tail indices, two stationary tails) or
A6_conjecture (the derived indices of both algorithms), PDF and PNG."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("figure", choices=("A6", "A6_conjecture"))
    parser.add_argument("--out", required=True, help="output prefix: writes <out>.pdf and <out>.png")
    parser.add_argument("--conjecture", help="results/summary/tails_conjecture.parquet (A6_conjecture)")
    parser.add_argument("--summary", help="results/summary/tails.parquet (A6)")
    parser.add_argument("--cells", nargs="+", default=[], help="the tails cells' Parquet files (A6)")
    parser.add_argument("--width", default="screen", help="screen, single, double or inches (config figures.width)")
    args = parser.parse_args()

    from relu_lib.paper_a.tails.figures import draw, draw_conjecture

    if args.figure == "A6":
        if not args.summary or not args.cells:
            raise SystemExit("A6 needs --summary and --cells")
        draw(args.summary, args.cells, args.out, args.width)
    else:
        if not args.conjecture:
            raise SystemExit("A6_conjecture needs --conjecture")
        draw_conjecture(args.conjecture, args.out, args.width)


if __name__ == "__main__":
    cli.run(main)
