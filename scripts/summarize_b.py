"""Summarize every cell file of one paper-B experiment: error curves and per-cell statistics."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--success-threshold", type=float, required=True, help="success: final relative error <= this")
    parser.add_argument("--curves", required=True, help="Parquet file of the error curves to write")
    parser.add_argument("--cells", required=True, help="Parquet file of the per-cell statistics to write")
    parser.add_argument("inputs", nargs="+", help="the experiment's cell Parquet files")
    args = parser.parse_args()

    import pyarrow as pa

    from relu_lib.io import write_table
    from relu_lib.provenance import stamp
    from relu_lib.summary_b import cell_stats, curves, load_cells

    cells = load_cells(args.inputs)
    meta = {"cells": len(cells), "success_threshold": args.success_threshold, "provenance": stamp(sorted(args.inputs))}
    write_table(args.curves, pa.Table.from_pandas(curves(cells), preserve_index=False), meta)
    write_table(args.cells, pa.Table.from_pandas(cell_stats(cells, args.success_threshold), preserve_index=False), meta)


if __name__ == "__main__":
    cli.run(main)
