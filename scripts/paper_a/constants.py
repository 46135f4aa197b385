"""Paper A: one input law's distribution constants (closed form or Monte Carlo) as JSON."""

import argparse
import json

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--law", required=True, type=json.loads, help="the law's config entry, as JSON")
    parser.add_argument("--samples", type=int, required=True, help="Monte Carlo sample size")
    parser.add_argument("--seed", type=int, required=True, help="master seed")
    parser.add_argument("--out", required=True, help="JSON file to write")
    args = parser.parse_args()

    from relu_lib.paper_a.laws import write_constants

    write_constants(args.law, args.samples, args.seed, args.out)


if __name__ == "__main__":
    cli.run(main)
