"""Paper B: the sample complexity n0 of one (constraint, s, d) as JSON."""

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

    from relu_lib.paper_b.theory import write_n0

    write_n0(args.constraint, args.s, args.d, args.samples, args.seed, args.out)


if __name__ == "__main__":
    cli.run(main)
