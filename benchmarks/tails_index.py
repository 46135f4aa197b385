"""How fast and how accurate is the tails study's Kesten index of Algorithm 2? A measurement against the budget.

    python benchmarks/tails_index.py            # about a minute on one core
    python benchmarks/tails_index.py --quick    # the default cells only

Budget (issue 22): alpha at one (eta, b, n) in <= 0.5 s to 1e-3. For each point (attack, n, b, fraction of the
edge) it prints, with the load average around it:
* the CPU seconds (process time: other jobs on a shared machine do not count) of alpha at that step, the edge
  being known (the grid computes it once per (b, n, filter); its own time is printed as `edge_s`), in a warm
  process (first call per (b, filter) builds the rules for S1 | K, printed as `cold_s`);
* alpha, its numerical error (transfer.tail_index_with_error: the change under refined rules) and the difference
  to a much finer reference (every rule about doubled), all against the 1e-3 budget;
* S.G.D.'s index at the same fraction of its own edge (theory.tail_index, the far field), for comparison.
Also the per-step cost of the cell's two samplers (projected.run and the model) that relu_lib/paper_a/tails/cost.py
uses, measured at b in {1, 4, 16}, n in {10, 100}.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # as in the pipeline's jobs

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's relu_lib

from common import load  # noqa: E402

from relu_lib.paper_a import projected  # noqa: E402
from relu_lib.paper_a.kernel import RANDOM_SIGN  # noqa: E402
from relu_lib.paper_a.tails import cost, model, theory, transfer  # noqa: E402

BUDGET_S, BUDGET_ALPHA = 0.5, 1e-3
DEFAULT = [(a, 10, b, f) for a in ("alternating", "random_sign") for b in (4, 16) for f in (0.7, 0.9)]
EXTRA = [("random_sign", 10, 1, 0.9), ("random_sign", 10, 4, 0.99), ("random_sign", 100, 4, 0.99)]
REFERENCE = transfer.Resolution(20, 20, 24, 16, 22)


def point(attack: str, n: int, b: int, fraction: float) -> dict:
    flt = transfer.attack_filter(attack, 0.5, 1.0, 1.0)
    t0 = time.process_time()
    transfer.s1_rules(flt, b, transfer.Resolution().s1)
    cold = time.process_time() - t0
    t0 = time.process_time()
    edge = transfer.stability_edge(b, n, flt, guess=theory.stability_edge(b, n))
    edge_s = time.process_time() - t0
    eta = fraction * edge
    t0 = time.process_time()
    alpha = transfer.tail_index(eta, b, n, flt)
    seconds = time.process_time() - t0
    _, err = transfer.tail_index_with_error(eta, b, n, flt)
    fine = transfer.Operator(eta, b, n, flt, REFERENCE).root(start=alpha) if n <= 10 else float("nan")
    sgd = float(theory.tail_index(fraction * theory.stability_edge(b, n), b, n))
    return {
        "attack": attack,
        "n": n,
        "b": b,
        "fraction": fraction,
        "alpha_alg2": round(alpha, 6),
        "alpha_sgd": round(sgd, 6),
        "cpu_s": round(seconds, 3),
        "budget_s": BUDGET_S,
        "cold_s": round(cold, 3),
        "edge_s": round(edge_s, 3),
        "error_estimate": float(f"{err:.2g}"),
        "vs_finer_reference": float(f"{abs(alpha - fine):.2g}"),
        "budget_alpha": BUDGET_ALPHA,
        "within_budget": bool(seconds <= BUDGET_S and max(err, abs(alpha - fine) if fine == fine else 0) <= 1e-3),
    }


def step_costs() -> list[dict]:
    out = []
    for n in (10, 100):
        for b in (1, 4, 16):
            w = np.zeros(n)
            w[0] = 1.0
            rng = np.random.default_rng(1)
            projected.run(rng, w, w, b, 0.01, 0.5, 1.0, RANDOM_SIGN, -np.inf, 10, np.array([10]), 1e300)
            steps = 200_000 if n == 10 else 50_000
            t0 = time.process_time()
            projected.run(rng, w, w, b, 0.01, 0.5, 1.0, RANDOM_SIGN, -np.inf, steps, np.array([steps]), 1e300)
            proj = (time.process_time() - t0) / steps
            args = {"b": b, "n": n, "eta": 0.01, "w_star_norm": 1.0, "beta": 0.5, "theta": 1.0}
            args.update(attack="random_sign", burn_in=0)
            model.simulate(rng, "alg2", 2, 1, thin=10, **args)
            t0 = time.process_time()
            model.simulate(rng, "alg2", 100, 1, thin=steps // 100, **args)
            mod = (time.process_time() - t0) / steps
            fitted = cost.step_seconds(b, n)
            out.append(
                {
                    "n": n,
                    "b": b,
                    "projected_ns": round(proj * 1e9),
                    "model_ns": round(mod * 1e9),
                    "cost_model_ns": [round(v * 1e9) for v in fitted],
                }
            )
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the default cells only, no step costs")
    args = parser.parse_args(argv)
    print(json.dumps({"command": "python benchmarks/tails_index.py " + " ".join(argv or sys.argv[1:]), "load": load()}))
    for p in DEFAULT + ([] if args.quick else EXTRA):
        print(json.dumps({**point(*p), "load": load()}))
    if not args.quick:
        for row in step_costs():
            print(json.dumps({**row, "load": load()}))


if __name__ == "__main__":
    main()
