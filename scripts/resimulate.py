"""Re-simulate cells from their Parquet files alone and report whether the rows match.

example: python scripts/resimulate.py results/trajectories/<experiment>/<cell>/data.parquet [...]
Exit status 0 if every file is reproduced bit-identically, 1 otherwise, 2 on a usage error or an unreadable file."""

import sys

from relu_lib import cli


def main():
    parser = cli.parser(__doc__)
    parser.add_argument("paths", nargs="+", metavar="CELL_FILE", help="a cell's data.parquet (paper A or B)")
    args = parser.parse_args()

    from relu_lib.resimulate import compare

    ok = True
    for path in args.paths:
        c = compare(path)
        ok &= c.identical
        print(f"{path}: paper {c.paper}, {c.rows} rows: {c.detail}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    cli.run(main)
