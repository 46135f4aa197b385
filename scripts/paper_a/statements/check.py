"""Paper A's statements: one group's verdict rows (its cells' files) as the group's bound-check file."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--rows", required=True, help="verdict rows Parquet to write")
    parser.add_argument("cells", nargs="+", help="the group's cell files")
    args = parser.parse_args()

    from relu_lib.paper_a.statements.checks import collect

    collect(args.experiment, args.cells, args.rows)


if __name__ == "__main__":
    cli.run(main)
