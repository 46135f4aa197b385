"""Paper B's rows of the bound-check table for one experiment, as Parquet."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--cells", required=True, help="the experiment's per-cell statistics")
    parser.add_argument("--c-table", help="the sample_complexity c50/c90 table (absent: c is not measured)")
    parser.add_argument("--out", required=True, help="Parquet file to write")
    args = parser.parse_args()

    import pyarrow as pa

    from relu_lib.checks import summary_line, to_frame
    from relu_lib.checks_b import rows_for
    from relu_lib.io import read_table, write_table
    from relu_lib.provenance import stamp

    stats = read_table(args.cells, required=("cell", "observation", "ratio", "envelope_freq"))[0].to_pandas()
    table = read_table(args.c_table, required=("constraint", "c90"))[0].to_pandas() if args.c_table else None
    frame = to_frame(rows_for(args.experiment, stats, table))
    write_table(args.out, pa.Table.from_pandas(frame, preserve_index=False),
                {"experiment": args.experiment, "paper": "B", "provenance": stamp([args.cells, args.c_table])})
    print(summary_line(args.experiment, frame))


if __name__ == "__main__":
    cli.run(main)
