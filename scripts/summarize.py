"""Summarize every cell file of one experiment into one Parquet table."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="summary Parquet file to write")
    parser.add_argument("cells", nargs="+", help="the experiment's cell Parquet files")
    args = parser.parse_args()

    import pyarrow as pa

    from relu_lib.io import write_table
    from relu_lib.provenance import stamp
    from relu_lib.summary import load_trajectories, summarize

    table = pa.Table.from_pandas(summarize(load_trajectories(args.cells)), preserve_index=False)
    write_table(args.out, table, {"cells": len(args.cells), "provenance": stamp(sorted(args.cells))})


if __name__ == "__main__":
    cli.run(main)
