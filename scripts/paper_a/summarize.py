"""Paper A: summarize every cell file of one experiment into one Parquet table."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="summary Parquet file to write")
    parser.add_argument("cells", nargs="+", help="the experiment's cell Parquet files")
    args = parser.parse_args()

    from relu_lib.paper_a.summary import write_summary

    write_summary(args.cells, args.out)


if __name__ == "__main__":
    cli.run(main)
