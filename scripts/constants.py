"""Compute one input law's distribution constants (closed form or Monte Carlo) as JSON."""

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

    from relu_lib.distributions import constants, make_law
    from relu_lib.io import write_json
    from relu_lib.provenance import stamp
    from relu_lib.seeding import generator

    law = make_law(args.law)
    consts = constants(law, args.samples, generator(args.seed, "constants", law.describe()))
    prov = stamp({"law": args.law, "samples": args.samples, "seed": args.seed})
    write_json(args.out, {"law": law.describe(), "samples": args.samples, **consts.to_json(), "provenance": prov})


if __name__ == "__main__":
    cli.run(main)
