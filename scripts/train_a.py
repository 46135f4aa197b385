"""Train one paper-A grid cell (every seed, Tron and SGD on shared mini-batches) to Parquet."""

import argparse
import json

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", required=True, type=json.loads, help="the cell's spec, as JSON (see relu_lib.config)")
    parser.add_argument("--constants", required=True, help="the law's constants JSON")
    parser.add_argument("--out", required=True, help="Parquet file to write")
    args = parser.parse_args()

    from relu_lib.distributions import Constants
    from relu_lib.train import train_to_parquet

    compute = train_to_parquet(args.spec, Constants.read(args.constants), args.out)
    print(f"compute_seconds={compute:.6f}")  # the cell's training time, read by benchmarks/run.py


if __name__ == "__main__":
    cli.run(main)
