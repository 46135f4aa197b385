"""Re-simulate cells from their Parquet files alone and report whether the rows match.

usage: python scripts/resimulate.py results/.../cell.parquet [...]
Exit status 0 if every file is reproduced bit-identically, 1 otherwise."""

import sys

from relu_lib.cli import run as cli_run


def main(paths):
    from relu_lib.resimulate import compare

    ok = True
    for path in paths:
        c = compare(path)
        ok &= c.identical
        print(f"{path}: paper {c.paper}, {c.rows} rows: {c.detail}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    cli_run(lambda: main(sys.argv[1:]))
