"""Train one paper-B grid cell (every trial, ReLU and linear observations on the same data) to Parquet."""

import argparse
import json

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", required=True, help="the cell's spec, as JSON (see relu_lib.config)")
    parser.add_argument("--n0", required=True, help="the n0 JSON of the cell's (constraint, s, d)")
    parser.add_argument("--out", required=True, help="Parquet file to write")
    args = parser.parse_args()

    from time import perf_counter

    from relu_lib.train_b import train_to_parquet_b

    start = perf_counter()
    train_to_parquet_b(json.loads(args.spec), args.n0, args.out)
    print(f"compute_seconds={perf_counter() - start:.6f}")  # training and writing, read by benchmarks/run.py


if __name__ == "__main__":
    cli.run(main)
