"""Paper A: check one experiment's trajectories against the theory: verdict rows and theory curves."""

import argparse

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--z", type=float, required=True, help="standard errors of every verdict")
    parser.add_argument("--moment-samples", type=int, required=True, help="Monte Carlo inputs for non-Gaussian laws")
    parser.add_argument("--epsilon", type=float, required=True, help="Theorem 3.1's target error (checks.epsilon)")
    parser.add_argument("--delta", type=float, required=True, help="its failure probability (checks.delta)")
    parser.add_argument("--rows", required=True, help="verdict rows Parquet to write")
    parser.add_argument("--curves", required=True, help="theory curves Parquet to write")
    parser.add_argument("--cells", nargs="+", required=True, help="the experiment's cell Parquet files")
    args = parser.parse_args()

    from relu_lib.paper_a.checks import Settings, check_experiment

    settings = Settings(z=args.z, moment_samples=args.moment_samples, epsilon=args.epsilon, delta=args.delta)
    check_experiment(args.experiment, args.cells, settings, args.rows, args.curves)


if __name__ == "__main__":
    cli.run(main)
