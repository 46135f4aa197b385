"""Paper A's statements: the verdict rows of one group of statements (one cell of the theorems study) to Parquet."""

import argparse
import json

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", type=json.loads, required=True, help="the cell's spec, as JSON")
    parser.add_argument("--out", required=True, help="Parquet file to write")
    args = parser.parse_args()

    from relu_lib.paper_a.statements.trainer import train_to_parquet

    train_to_parquet(args.spec, args.out)


if __name__ == "__main__":
    cli.run(main)
