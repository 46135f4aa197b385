"""How far apart must late iterates be to count as independent for a tail estimate? A measurement, for both of the
tails study's algorithms (the justification of its thinning lag).

    python benchmarks/tails_autocorrelation.py            # the default cells and b = 1, a few minutes on one core
    python benchmarks/tails_autocorrelation.py --quick    # the default cells only, shorter series

The series are ||Delta_t|| of relu_lib.paper_a.tails.model (Algorithm 2 and S.G.D. in the two coordinates their
law sees: the same law as the real update rule, at O(b) a step) on x ~ N(0, I_n), w* a unit vector, the attack
(random_sign or the paper's alternating, beta = 0.5, theta = 1), after a burn-in of 8 time scales, at fractions of
each algorithm's own edge. For each (attack, n, b, fraction, algorithm) it prints

* time_scale = 1 / (eta m) + 1 / (alpha |gamma|) (relu_lib.paper_a.tails.prediction.time_scale: the body's mean
  contraction time, m the smallest eigenvalue of E[gate x x^T] in the far field: 1/2 for S.G.D., P(s = 1) ~ 0.21
  for Algorithm 2 under these attacks, plus the tail's relaxation time of a log-scale walk with drift gamma);
* the first lag where the autocorrelation of log||Delta_t|| (per-chain centred, pooled) falls below 0.05 and 0.2,
  in steps and in time scales, and the autocorrelation at the study's lag ceil(thin_factor time_scale) for
  thin_factor = 2 (the default) and 3.
Measured (one core, load 4-5): the 0.05-lag is 2.3-6.4 time scales at n = 10 (Algorithm 2 3.5-6.4, S.G.D. 2.3-5.0)
for b in {1, 4, 16}, 0.7 and 0.9 of the edge and both attacks; at the default lag of 2 time scales the
autocorrelation is 0.15-0.36 (Algorithm 2) and 0.06-0.30 (S.G.D.) (docs/tails.md, "thinning").
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # small arrays: threads only add overhead on a shared machine

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's relu_lib

from common import SEED, load  # noqa: E402

from relu_lib.paper_a.tails import model, prediction  # noqa: E402

DEFAULT = [(a, 10, b, f) for a in ("alternating", "random_sign") for b in (4, 16) for f in (0.7, 0.9)]
EXTRA = [(a, 10, 1, f) for a in ("alternating", "random_sign") for f in (0.7, 0.9)]


def autocorrelation(series: np.ndarray, max_lag: int) -> np.ndarray:
    """Autocorrelation at lags 0..max_lag of (chain, step) series, each chain centred on its own mean (by FFT)."""
    centred = series - series.mean(axis=1, keepdims=True)
    n = centred.shape[1]
    spectrum = np.fft.rfft(centred, 2 * n, axis=1)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), axis=1)[:, : max_lag + 1].sum(axis=0)
    acov /= (n - np.arange(max_lag + 1)) * centred.shape[0]
    return acov / acov[0]


def first_below(acf: np.ndarray, threshold: float) -> int:
    below = np.nonzero(acf < threshold)[0]
    return int(below[0]) if below.size else -1


def measure(attack: str, n: int, b: int, fraction: float, length: float, budget: float) -> list[dict]:
    flt = prediction.alg2_filter(attack, 0.5, 1.0, 1.0)
    out = []
    for name in prediction.ALGORITHMS:
        eta = fraction * prediction.edge(name, b, n, flt)
        scale = prediction.time_scale(name, eta, b, n, flt)
        steps = int(length * scale)
        chains = max(50, int(budget / steps))
        rng = np.random.default_rng([SEED, n, b, int(1000 * fraction), len(attack), len(name)])
        series = model.trajectory(
            rng, name, chains, steps, b=b, n=n, eta=eta, w_star_norm=1.0, beta=0.5, theta=1.0, attack=attack,
            burn_in=int(8 * scale),
        )  # fmt: skip
        # a chain can sit at Delta = 0 exactly until its first attacked sample passes Algorithm 2's filter (b = 1,
        # alternating: B = 0 otherwise); such transients say nothing about the stationary correlation
        keep = np.all(series > 0, axis=1)
        acf = autocorrelation(np.log(series[keep]), steps // 3)
        rec = {
            "attack": attack,
            "n": n,
            "b": b,
            "fraction": fraction,
            "algorithm": name,
            "eta": round(eta, 5),
            "time_scale": round(scale, 1),
            "chains": int(keep.sum()),
            "steps": steps,
        }
        for threshold in (0.05, 0.2):
            lag = first_below(acf, threshold)
            rec[f"lag_{threshold:g}"] = lag
            rec[f"lag_{threshold:g}_in_time_scales"] = round(lag / scale, 2) if lag > 0 else None
        for factor in (2, 3):
            lag = math.ceil(factor * scale)
            rec[f"acf_at_{factor}_time_scales"] = round(float(acf[lag]), 3) if lag < acf.size else None
        out.append(rec)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the default cells only, shorter series")
    args = parser.parse_args(argv)
    print(json.dumps({"command": "python benchmarks/tails_autocorrelation.py " + " ".join(argv or sys.argv[1:])}))
    length, budget = (60, 2e6) if args.quick else (150, 6e6)
    for point in DEFAULT + ([] if args.quick else EXTRA):
        for rec in measure(*point, length, budget):
            print(json.dumps({**rec, "load": load()}))


if __name__ == "__main__":
    main()
