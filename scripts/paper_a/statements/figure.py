"""Paper A's statements: draw one of the theorems study's figures (PDF and PNG)."""

import argparse
from pathlib import Path

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("figure", help="a figure id of relu_lib.paper_a.statements.study")
    parser.add_argument(
        "--out",
        required=True,
        help="one output file (its suffix is dropped): writes <out>.pdf and <out>.png (a table: <out>.md)",
    )
    parser.add_argument("--width", default="screen", help="screen, single, double or inches (config figures.width)")
    parser.add_argument("--cell", required=True, help="the statement's cell file")
    args = parser.parse_args()

    from relu_lib import style

    style.set_width(args.width)

    from relu_lib.paper_a.statements.figures import draw

    draw(args.figure, str(Path(args.out).with_suffix("")), args.cell)


if __name__ == "__main__":
    cli.run(main)
