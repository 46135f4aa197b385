"""Fail the run if any bound check is `violated` (config checks.fail_on_violation)."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--table", required=True, help="the Parquet of all verdict rows")
    parser.add_argument("--out", required=True, help="marker file written when no row is violated")
    args = parser.parse_args()

    from relu_lib.bound_table import gate

    gate(args.table, args.out)


if __name__ == "__main__":
    cli.run(main)
