"""Paper B's PGD step: per-model matrix-vector products against a fused pass over X (issue 13 item 2).

    python benchmarks/paper_b.py [--repeats 5]

At d = 1000 and n in {625, 2500, 6656}, one BLAS thread, times 30 gradients of both observation models
(ReLU and linear, side by side on one trial's X) in three ways:
  per_model  pgd.gradient as it is: X w and X^T r as one matrix-vector product per model (two GEMV pairs);
  fused_gemm both models' X w in one pass (X W^T, a GEMM with two columns), X^T R likewise;
  fused_pass one compiled pass over X's rows (numba): each row's two inner products, residuals and
             gradient updates while the row is in cache (X read once per step instead of four times).
and drawing 4 trials' X into a new array each (then np.stack) against in place into one buffer.
CPU time of this process, the variants interleaved, minimum of `repeats`; the load is printed.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from common import SEED, load  # noqa: E402  (benchmarks/common.py)
from numba import njit  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from relu_lib.paper_b import pgd  # noqa: E402


def fused_gemm(X, W, Y, models=pgd.MODELS, relu_prime_at_zero=0.5):
    Z = np.matmul(W, X.transpose(0, 2, 1))  # (T, m, n): X read once for both models
    R = np.stack([pgd.residual(m, Z[:, k], Y[:, k], relu_prime_at_zero) for k, m in enumerate(models)], axis=1)
    return np.matmul(R, X) / X.shape[-2]


@njit(cache=True)
def _pass(X, W, Y, at_zero, out):
    n, d = X.shape
    for i in range(n):
        z0 = 0.0
        z1 = 0.0
        for j in range(d):
            z0 += X[i, j] * W[0, j]
            z1 += X[i, j] * W[1, j]
        g = 1.0 if z0 > 0 else (0.0 if z0 < 0 else at_zero)
        r0 = 2.0 * (max(z0, 0.0) - Y[0, i]) * g
        r1 = z1 - Y[1, i]
        for j in range(d):
            out[0, j] += r0 * X[i, j]
            out[1, j] += r1 * X[i, j]


def fused_pass(X, W, Y, models=pgd.MODELS, relu_prime_at_zero=0.5):
    assert tuple(models) == ("relu", "linear")
    out = np.zeros(W.shape)
    for t in range(X.shape[0]):
        _pass(X[t], W[t], Y[t], relu_prime_at_zero, out[t])
    return out / X.shape[-2]


def gradient_times(n, repeats, calls=30):
    """CPU seconds of `calls` gradients of both models on one trial's X (n x 1000), per variant."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((1, n, 1000))
    W = rng.standard_normal((1, 2, 1000)) * 0.03
    Y = rng.standard_normal((1, 2, n))
    best = {}
    reference = pgd.gradient(X, W, Y)
    agree = {}
    for name, grad in VARIANTS.items():
        agree[name] = float(np.max(np.abs(grad(X, W, Y) - reference)) / np.max(np.abs(reference)))
    for _ in range(repeats):
        for name, grad in VARIANTS.items():
            start = time.process_time()
            for _ in range(calls):
                grad(X, W, Y)
            best[name] = min(best.get(name, np.inf), time.process_time() - start)
    return best, agree


def draw_times(n, repeats, trials=4):
    """CPU seconds to draw `trials` trials' X: a new array per trial and np.stack (before), or in place."""
    buffer = np.empty((1, n, 1000))
    variants = {
        "allocate": lambda r: pgd.draw_trials(SEED, 20, 1000, n, [r]),
        "in_place": lambda r: pgd.draw_trials(SEED, 20, 1000, n, [r], out=buffer),
    }
    same = all((variants["allocate"](r)[1] == variants["in_place"](r)[1]).all() for r in range(2))
    best = {}
    for _ in range(repeats):
        for name, fn in variants.items():
            start = time.process_time()
            for r in range(trials):
                fn(r)
            best[name] = min(best.get(name, np.inf), time.process_time() - start)
    return best, same


VARIANTS = {"per_model": pgd.gradient, "fused_gemm": fused_gemm, "fused_pass": fused_pass}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[625, 2500, 6656])
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        before = load()
        grad, agree = gradient_times(n, args.repeats)
        draw, same = draw_times(n, args.repeats)
        row = {
            "n": n,
            "d": 1000,
            "gradient_cpu_s_30_calls": grad,
            "gradient_ratio_to_per_model": {k: v / grad["per_model"] for k, v in grad.items()},
            "gradient_max_rel_diff": agree,
            "draw_cpu_s_4_trials": draw,
            "draw_in_place_identical": same,
            "load": [before, load()],
        }
        rows.append(row)
        print(
            f"n={n}, d=1000, 30 gradients of both models: "
            + ", ".join(f"{k} {v * 1e3 / 30:.2f} ms ({v / grad['per_model']:.2f}x)" for k, v in grad.items())
            + f" (max rel. diff {max(agree.values()):.1e}); 4 trials' X drawn: allocate {draw['allocate']:.3f} s, "
            f"in place {draw['in_place']:.3f} s (identical: {same}); load {row['load']}",
            flush=True,
        )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
