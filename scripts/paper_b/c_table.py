"""Paper B: the table of c50 and c90 per constraint and (s, d), as Parquet and Markdown."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parquet", required=True, help="Parquet table to write")
    parser.add_argument("--markdown", required=True, help="Markdown table to write")
    parser.add_argument("cells", help="the experiment's per-cell statistics (scripts/paper_b/summarize.py --cells)")
    args = parser.parse_args()

    from relu_lib.paper_b.c_table import write_c_table

    write_c_table(args.cells, args.parquet, args.markdown)


if __name__ == "__main__":
    cli.run(main)
