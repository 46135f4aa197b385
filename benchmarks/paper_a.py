"""Benchmarks of paper A's theory and samplers, each printed next to its budget (pass/fail).

    python benchmarks/paper_a.py            # every measure, about a minute on one core
    python benchmarks/paper_a.py --quick    # fewer repeats and steps

1. the exact Gaussian recursion, relu_lib.paper_a.theory.exact_second_moment, 4000 steps at n = 500:
   <= 10 ms (wall minimum over repeats);
2. the projected sampler (relu_lib.paper_a.projected) per step and run at n = 500 against drawing its own normals
   (3 b + 2 n per step) with NumPy's Generator(SFC64).standard_normal: <= 3x (CPU minima, interleaved);
3. Figure 1 with the projected sampler (b in {4, 16, 64, 256, 1024}, 4000 steps, Algorithm 2 and S.G.D.) x 64 runs,
   extrapolated from timed runs: <= 10 s CPU;
4. the projected sampler against a plain NumPy loop of the same figure (one (b, n) draw and two products per step,
   as a researcher would write it): >= 100x faster at b = 1024, >= 5x at b = 16 (CPU minima, interleaved);
5. the full-draw kernel against NumPy's fill of the normals it draws: <= 0.6x at d = 100, b = 16 and <= 1.0x at
   d = 10, b = 1.
CPU times are time.process_time of this process with BLAS on one thread, so a loaded machine lengthens neither
side of a ratio; the load (os.getloadavg) is printed before and after. Results go to benchmarks/paper_a.json.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from relu_lib.paper_a import theory, trainer  # noqa: E402
from relu_lib.paper_a.cell import CellSpec  # noqa: E402

N, ETA, BETA, THETA = 500, 0.01, 0.5, 2.0


def load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def cpu_min(fn, repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def spec(b: int, n: int = N, iterations: int = 4000, runs: int = 1, sampler: str = "projected") -> CellSpec:
    return CellSpec(
        experiment="benchmark",
        law_name="gaussian",
        law={"family": "normal", "d": n, "sigma": 1.0},
        b=b,
        attack="alternating",
        beta=BETA,
        theta=THETA,
        beta_threshold=-math.inf,
        eta=ETA,
        iterations=iterations,
        runs=runs,
        checkpoints=2,
        start="per_run",
        sampler=sampler,
        master_seed=1,
        w_star_scale=1.0,
        start_scale=1.0,
    )


def numpy_figure_loop(b: int, steps: int, rng) -> None:
    """What a researcher would write: per step one (b, n) draw, labels, and two products per algorithm."""
    w_star, w = rng.standard_normal(N), rng.standard_normal((2, N))
    signs = np.where(np.arange(b) % 2 == 0, -THETA, THETA)
    for _ in range(steps):
        x = rng.standard_normal((b, N))
        clean = np.maximum(x @ w_star, 0.0)
        y = clean + (rng.random(b) < BETA) * signs
        for a in range(2):
            pred = x @ w[a]
            keep = y > THETA if a == 0 else pred > 0
            w[a] += (ETA / b) * (np.where(keep, y - pred, 0.0) @ x)


class Report:
    def __init__(self):
        self.rows = []

    def row(self, name, value, budget, ok, unit="", detail=None):
        self.rows.append(
            {"measure": name, "value": value, "unit": unit, "budget": budget, "pass": ok, **(detail or {})}
        )
        verdict = "pass" if ok else "FAIL"
        print(f"{name:<78} {value:>10.4g} {unit:<3} budget {budget:<10} {verdict}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeats, steps = (3, 400) if args.quick else (7, 1000)
    report, loads = Report(), [load()]

    rng = np.random.default_rng(0)
    w_star, w_start = rng.standard_normal(N), rng.standard_normal(N)
    theory.exact_second_moment(w_star, w_start, 16, ETA, BETA, THETA, 10)
    walls = []
    for _ in range(repeats * 3):
        begin = time.perf_counter()
        theory.exact_second_moment(w_star, w_start, 16, ETA, BETA, THETA, 4000)
        walls.append(time.perf_counter() - begin)
    report.row(
        "1 exact recursion, 4000 steps, n = 500 (wall minimum)", 1e3 * min(walls), "<= 10", min(walls) <= 0.01, "ms"
    )

    trainer.run_cell(spec(4, iterations=2))  # compile or load both kernels outside the timings
    trainer.run_cell(spec(4, iterations=2, sampler="full"))
    per_run = {}
    for b in (4, 16, 64, 256, 1024):
        cell = spec(b, iterations=steps)
        kernel = cpu_min(lambda cell=cell: trainer.run_cell(cell), repeats) / steps
        fill = np.random.Generator(np.random.SFC64(0))
        size = 3 * b + 2 * N
        normals = (
            cpu_min(lambda fill=fill, size=size: [fill.standard_normal(size) for _ in range(steps)], repeats) / steps
        )
        per_run[b] = kernel * 4000
        ratio = kernel / normals
        report.row(
            f"2 projected sampler / SFC64 fill of its normals, b = {b} ({1e6 * kernel:.1f} us per step)",
            ratio,
            "<= 3",
            ratio <= 3,
            detail={"kernel_us_per_step": 1e6 * kernel, "fill_us_per_step": 1e6 * normals},
        )
    figure = 64 * sum(per_run.values())
    report.row(
        "3 Figure 1 (5 b x 64 runs x 4000 steps), projected sampler (extrapolated)", figure, "<= 10", figure <= 10, "s"
    )

    for b, budget in ((1024, 100), (16, 5)):
        short = max(20, steps // (20 if b == 1024 else 4))
        cell = spec(b, iterations=short)
        ours = cpu_min(lambda cell=cell: trainer.run_cell(cell), repeats)
        plain = cpu_min(lambda b=b, short=short: numpy_figure_loop(b, short, np.random.default_rng(1)), repeats)
        report.row(
            f"4 plain NumPy loop / projected sampler, b = {b} ({short} steps)",
            plain / ours,
            f">= {budget}",
            plain / ours >= budget,
            detail={"ours_s": ours, "numpy_s": plain},
        )

    for d, b, budget in ((100, 16, 0.6), (10, 1, 1.0)):
        cell = replace(spec(b, n=d, iterations=steps), sampler="full", attack="none", beta=0.0, theta=0.0)
        ours = cpu_min(lambda cell=cell: trainer.run_cell(cell), repeats)
        fill = np.random.Generator(np.random.SFC64(0))
        buffer = np.empty((steps, b, d))
        normals = cpu_min(lambda fill=fill, buffer=buffer: fill.standard_normal(out=buffer), repeats)
        report.row(
            f"5 full-draw kernel / SFC64 fill of its inputs, d = {d}, b = {b}",
            ours / normals,
            f"<= {budget}",
            ours / normals <= budget,
        )
    loads.append(load())
    print(f"load (1, 5, 15 min) before {loads[0]}, after {loads[1]}")
    out = {"rows": report.rows, "load": loads, "quick": args.quick}
    (REPO / "benchmarks" / "paper_a.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
