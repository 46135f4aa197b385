"""How far apart must late iterates be to count as independent for a tail estimate? A measurement.

    python benchmarks/tails_autocorrelation.py                # defaults below, about a minute on 2 cores
    python benchmarks/tails_autocorrelation.py --seeds 1000 --steps 40000

Simulates Tron and SGD (the update rule of relu_lib.paper_a.update_rule, common random numbers) on x ~ N(0, I_10),
w* a unit vector, labels poisoned by the zero-mean random_sign attack (beta = 0.5, theta = 1), from w_0 = w*,
at the step sizes where the companion check of the Kesten prediction was made (b = 1: eta = 0.133; b = 4:
eta = 0.455; about 0.7 of the stability edge) and at b = 1, eta = 0.7 of the edge. For each (algorithm, b) it prints

* the autocorrelation of log||Delta_t|| against the lag (averaged over seeds, after a burn-in), and the
  first lag where it falls below THRESHOLD; the same for the tail indicator 1{||Delta_t|| > its 99.9 %
  quantile}, since extremes of a Kesten recursion come in clusters;
* the Hill estimate (KS choice of k, Gamma interval) and the moment estimate of alpha from the iterates
  thinned at the larger of the two lags, next to the predicted Kesten index (relu_lib.paper_a.tails.theory).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # small arrays: threads only add overhead on a shared machine

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's relu_lib

from relu_lib.paper_a.adversaries import make_adversary  # noqa: E402
from relu_lib.paper_a.tails import estimators as tail_estimators  # noqa: E402
from relu_lib.paper_a.tails import theory as tails  # noqa: E402
from relu_lib.paper_a.update_rule import GATED, step  # noqa: E402

D = 10
# (b, eta): the reference check of the Kesten prediction (0.739 and 0.700 of the edge), and b = 1 at exactly
# 0.7 of its edge (None: computed)
POINTS = ((1, 0.133), (1, None), (4, 0.455))
EDGE_FRACTION = 0.7
ALGORITHMS = ("glm_tron", "sgd")
# An autocorrelation below 0.05 explains under 0.25 % of the variance: thinned values are then
# independent for any estimator whose error is of order 1/sqrt(n) with n a few thousand.
THRESHOLD = 0.05
MAX_LAG = 400
CHUNK = 500


def simulate(b: int, eta: float, seeds: int, steps: int, burn_in: int, rng: np.random.Generator) -> np.ndarray:
    """||Delta_t|| after the burn-in, shape (algorithm, step, seed); both algorithms see the same data."""
    w_star = np.zeros(D)
    w_star[0] = 1.0
    adversary = make_adversary("random_sign", 0.5, 1.0, w_star)
    gated = np.array([GATED[a] for a in ALGORITHMS])
    w = np.broadcast_to(w_star, (len(ALGORITHMS), seeds, D)).copy()
    norms = np.empty((len(ALGORITHMS), steps, seeds))
    for start in range(0, burn_in + steps, CHUNK):
        x = rng.standard_normal((CHUNK, seeds, b, D))
        y = np.maximum(x @ w_star, 0.0) + adversary.noise(rng, x)
        for j in range(CHUNK):
            step(w, gated, x[j], y[j], eta)
            t = start + j - burn_in
            if 0 <= t < steps:
                norms[:, t] = np.linalg.norm(w - w_star, axis=-1)
    return norms


def autocorrelation(series: np.ndarray, max_lag: int) -> np.ndarray:
    """Autocorrelation at lags 0..max_lag of stationary series (step, seed), pooled over seeds (by FFT)."""
    centred = series - series.mean()
    n = centred.shape[0]
    spectrum = np.fft.rfft(centred, 2 * n, axis=0)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), axis=0)[: max_lag + 1].sum(axis=1)
    acov /= (n - np.arange(max_lag + 1)) * centred.shape[1]
    return acov / acov[0]


def first_below(acf: np.ndarray, threshold: float) -> int:
    below = np.nonzero(acf < threshold)[0]
    return int(below[0]) if below.size else -1


def report(b: int, eta: float, norms: np.ndarray) -> None:
    edge = tails.stability_edge(b, D)
    predicted = tails.tail_index(eta, b, D)
    print(f"\nb = {b}, eta = {eta} ({eta / edge:.3f} of the edge {edge:.4f}); predicted alpha = {predicted:.3f}")
    lags = [1, 2, 5, 10, 20, 50, 100, 200, 400]
    print("  acf of log||Delta_t|| at lags " + " ".join(f"{lag:>6}" for lag in lags))
    for a, name in enumerate(ALGORITHMS):
        logs = np.log(norms[a])
        acf = autocorrelation(logs, MAX_LAG)
        exceed = (norms[a] > np.quantile(norms[a], 0.999)).astype(float)
        acf_tail = autocorrelation(exceed, MAX_LAG)
        lag_log, lag_tail = first_below(acf, THRESHOLD), first_below(acf_tail, THRESHOLD)
        print(f"  {name:>4}: " + " " * 24 + " ".join(f"{acf[lag]:6.3f}" for lag in lags))
        print("        tail indicator 1{>q99.9}:" + " ".join(f"{acf_tail[lag]:6.3f}" for lag in lags))
        thin = max(lag_log, lag_tail) if min(lag_log, lag_tail) > 0 else MAX_LAG
        sample = norms[a, ::thin].ravel()
        hill = tail_estimators.hill(sample)
        moment = tail_estimators.moment_estimator(sample)
        print(
            f"        first lag with acf < {THRESHOLD}: log-norm {lag_log}, tail indicator {lag_tail} "
            f"(-1: not within {MAX_LAG}); thinned every {thin}: n = {sample.size}"
        )
        print(
            f"        Hill-KS alpha = {hill.alpha:.2f} [{hill.lower:.2f}, {hill.upper:.2f}] (k = {hill.k}); "
            f"moment alpha = {moment.alpha:.2f} [{moment.lower:.2f}, {moment.upper:.2f}]; "
            f"predicted {predicted:.2f}"
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=400)
    parser.add_argument("--steps", type=int, default=20000, help="recorded steps after the burn-in")
    parser.add_argument("--burn-in", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261116)
    args = parser.parse_args(argv)
    print("command: python benchmarks/tails_autocorrelation.py " + " ".join(argv or sys.argv[1:]))
    print(
        f"d = {D}, random_sign attack beta = 0.5 theta = 1, seeds = {args.seeds}, steps = {args.steps} "
        f"after burn-in {args.burn_in}, master seed {args.seed}"
    )
    for i, (b, eta) in enumerate(POINTS):
        t0 = time.perf_counter()
        eta = eta or round(EDGE_FRACTION * tails.stability_edge(b, D), 4)
        rng = np.random.default_rng([args.seed, i])
        norms = simulate(b, eta, args.seeds, args.steps, args.burn_in, rng)
        report(b, eta, norms)
        print(f"  ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
