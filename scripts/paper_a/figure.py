"""Paper A: draw one figure (PDF and PNG) from its experiments' summaries and theory curves."""

import argparse
from pathlib import Path

from relu_lib import cli


def pairs(values):
    """["experiment=path", ...] -> {experiment: path}."""
    return dict(v.split("=", 1) for v in values or ())


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("figure", help="a figure id of relu_lib.paper_a.study.FIGURES")
    parser.add_argument(
        "--out",
        required=True,
        help="one output file (its suffix is dropped): writes <out>.pdf and <out>.png (a table: <out>.md)",
    )
    parser.add_argument("--width", default="screen", help="screen, single, double or inches (config figures.width)")
    parser.add_argument("--summary", nargs="+", required=True, help="experiment=summary.parquet, per experiment")
    parser.add_argument("--curves", nargs="+", required=True, help="experiment=curves.parquet, per experiment")
    args = parser.parse_args()

    from relu_lib import style

    style.set_width(args.width)

    from relu_lib.paper_a import figures

    if args.figure not in figures.PLOTS:
        parser.error(f"unknown figure {args.figure!r}; allowed: {', '.join(figures.PLOTS)}")
    figures.draw(args.figure, str(Path(args.out).with_suffix("")), pairs(args.summary), pairs(args.curves))


if __name__ == "__main__":
    cli.run(main)
