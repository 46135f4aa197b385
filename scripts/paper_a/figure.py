"""Paper A: draw one figure (PDF and PNG) from an experiment's summary, checks and trajectories."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("figure", choices=("A1", "A2", "A3", "A4", "A5", "A7"))
    parser.add_argument("--out", required=True, help="output prefix: writes <out>.pdf and <out>.png")
    parser.add_argument("--width", default="screen", help="screen, single, double or inches (config figures.width)")
    parser.add_argument("--summary", help="A1, A2, A3: the experiment's summary Parquet")
    parser.add_argument("--curves", help="A1-A4, A7: the experiment's theory curves Parquet")
    parser.add_argument("--rows", help="A4: the experiment's verdict rows Parquet")
    parser.add_argument("--cells", nargs="+", help="A5, A7: the experiment's cell Parquet files")
    parser.add_argument("--adversary", help="A3: which adversary's cells to draw")
    parser.add_argument("--epsilon", type=float, help="A2: the target error")
    parser.add_argument("--delta", type=float, help="A2: the failure probability")
    args = parser.parse_args()

    from relu_lib import style

    style.set_width(args.width)

    from relu_lib.paper_a import figures

    figures.draw(
        args.figure,
        args.out,
        adversary=args.adversary,
        epsilon=args.epsilon,
        delta=args.delta,
        summary=args.summary,
        curves=args.curves,
        rows=args.rows,
        cells=args.cells,
    )


if __name__ == "__main__":
    cli.run(main)
