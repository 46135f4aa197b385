"""Re-simulate cells from their Parquet files alone and report whether the rows match.

example: python scripts/resimulate.py results/trajectories/<experiment>/<cell>/data.parquet [...]
Each file must be a cell of the run's config (config.yaml of the current folder, or --config), at its own path and
simulated by today's code: a misplaced or stale file is refused. --no-config checks a lone file by its metadata.
Exit status 0 if every file is reproduced bit-identically, 1 otherwise, 2 on a usage error or an unreadable,
misplaced or stale file."""

import sys

from relu_lib import cli


def main():
    parser = cli.parser(__doc__)
    parser.add_argument("paths", nargs="+", metavar="CELL_FILE", help="a cell's file (e.g. its data.parquet)")
    parser.add_argument(
        "--config", action="append", metavar="FILE", help="the run's config file(s), in order (default: config.yaml)"
    )
    parser.add_argument("--no-config", action="store_true", help="a file outside any run: check it by its metadata")
    args = parser.parse_args()

    from relu_lib.resimulate import compare, expected_cell

    config = args.config or ["config.yaml"]
    ok = True
    for path in args.paths:
        c = compare(path, None if args.no_config else expected_cell(path, config))
        ok &= c.identical
        print(f"{path}: paper {c.paper}, {c.rows} rows: {c.detail}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    cli.run(main)
