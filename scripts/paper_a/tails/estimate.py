"""Paper A, the tails study: tail estimates of one cell (Hill at a fixed k/n with a seed bootstrap, the model's
Hill at the same n and k, the predictions, the growth factors through the real update rule, diagnostics)."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cell", required=True, help="the cell's norms.parquet")
    parser.add_argument("--out", required=True, help="estimates Parquet to write")
    parser.add_argument("--bootstrap", type=int, required=True, help="seed-bootstrap replicates")
    parser.add_argument("--tail-fraction", type=float, required=True, help="k / n of the fixed-k Hill estimate")
    parser.add_argument("--growth-draws", type=int, required=True, help="Monte Carlo draws of the growth factors")
    args = parser.parse_args()

    from relu_lib.paper_a.tails.summary import estimate

    settings = {"tail_fraction": args.tail_fraction, "growth_draws": args.growth_draws}
    estimate(args.cell, args.out, args.bootstrap, settings)


if __name__ == "__main__":
    cli.run(main)
