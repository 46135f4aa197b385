"""Paper B: draw one figure (PDF and PNG): B1 from cell files, B2 from the cell statistics and c50/c90 table."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("figure", choices=("B1", "B2"))
    parser.add_argument("--out", required=True, help="output prefix: writes <out>.pdf and <out>.png")
    parser.add_argument("--width", default="screen", help="screen, single, double or inches (config figures.width)")
    parser.add_argument(
        "inputs", nargs="+", help="B1: the cell Parquet files; B2: the cell statistics and the c50/c90 table"
    )
    args = parser.parse_args()

    from relu_lib import style

    style.set_width(args.width)

    from relu_lib.paper_b.figures import draw

    draw(args.figure, args.out, args.inputs)


if __name__ == "__main__":
    cli.run(main)
