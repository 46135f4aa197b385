"""Paper A, the tails study: simulate one cell (Algorithm 2 and S.G.D. through the projected sampler, and the
model's chains; every seed, late thinned ||Delta||) to Parquet."""

import argparse
import json

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--spec", required=True, type=json.loads, help="the cell's spec, as JSON (relu_lib.paper_a.tails.grid)"
    )
    parser.add_argument("--out", required=True, help="Parquet file to write")
    args = parser.parse_args()

    from relu_lib.paper_a.tails.trainer import run_to_parquet

    seconds = run_to_parquet(args.spec, args.out)
    print(" ".join(f"cpu_seconds_{k}={v:.6f}" for k, v in seconds.items()))


if __name__ == "__main__":
    cli.run(main)
