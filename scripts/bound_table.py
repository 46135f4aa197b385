"""Gather every experiment's verdict rows into figures/bound_checks.md, the report's HTML page and CSV,
and one Parquet."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--markdown", required=True, help="Markdown table to write")
    parser.add_argument("--html", required=True, help="HTML page to write (for the report)")
    parser.add_argument("--parquet", required=True, help="Parquet of all rows to write")
    parser.add_argument("--csv", help="CSV of all rows to write (the report's download of the full table)")
    parser.add_argument("--level", type=float, default=0.05, help="error level of the table (config checks.level)")
    parser.add_argument("--scope", choices=("table", "family"), default="table", help="where the level holds")
    parser.add_argument("--z", type=float, help="override: every row judged alone at z (config checks.z)")
    parser.add_argument("rows", nargs="+", help="per-experiment verdict rows Parquet files")
    args = parser.parse_args()

    from relu_lib.bound_table import write_bound_table

    write_bound_table(args.rows, args.markdown, args.html, args.parquet, args.csv, args.level, args.scope, args.z)


if __name__ == "__main__":
    cli.run(main)
