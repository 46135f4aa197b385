"""Paper B: summarize one experiment's cell files into error curves and per-cell statistics."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--success-threshold", type=float, required=True, help="success: final relative error <= this")
    parser.add_argument("--curves", required=True, help="Parquet file of the error curves to write")
    parser.add_argument("--cells", required=True, help="Parquet file of the per-cell statistics to write")
    parser.add_argument("inputs", nargs="+", help="the experiment's cell Parquet files")
    args = parser.parse_args()

    from relu_lib.paper_b.summary import write_summary

    write_summary(args.inputs, args.success_threshold, args.curves, args.cells)


if __name__ == "__main__":
    cli.run(main)
