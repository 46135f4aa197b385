"""Compute paper B's sample complexity n0 of one (constraint, s, d) as JSON (MATH.md B.2)."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--constraint", required=True, help="l0, l1 or none")
    parser.add_argument("--s", type=int, required=True, help="sparsity of w*")
    parser.add_argument("--d", type=int, required=True, help="dimension")
    parser.add_argument("--samples", type=int, required=True, help="Monte Carlo draws (l0 only)")
    parser.add_argument("--seed", type=int, required=True, help="master seed")
    parser.add_argument("--out", required=True, help="JSON file to write")
    args = parser.parse_args()

    from relu_lib.io import write_json
    from relu_lib.provenance import PAPER_B_MODULES, stamp
    from relu_lib.train_b import n0_record

    record = n0_record(args.constraint, args.s, args.d, args.samples, args.seed)
    write_json(args.out, {**record, "provenance": stamp(record, PAPER_B_MODULES)})


if __name__ == "__main__":
    cli.run(main)
