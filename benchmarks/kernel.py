"""Paper A's compiled samplers beyond their speed (benchmarks/paper_a.py times them): agreement, start-up, compile.

    python benchmarks/kernel.py            # about 1.5 min on 2 cores (most of it the cold compile of measure 3)
    python benchmarks/kernel.py --quick    # shorter runs in measure 1, two repeats in measure 2

Prints, each with the load (os.getloadavg) around it:
1. the full-draw kernel (relu_lib.paper_a.kernel, through trainer.run_cell with sampler = full) against the
   readable reference step (relu_lib.paper_a.update_rule.step) on the same draws (each run's input and attack
   streams, chunk by chunk, drawn with law.sample and adversary.noise as tests/paper_a/test_kernel.py::reference
   draws them): the largest relative difference of ||Delta_t|| of both algorithms at the recorded steps (values
   above 1e-10), budget <= 1e-12, without attack, with the random_sign attack and with the paper's alternating
   attack (the difference over the start's error ||Delta_0|| is printed too: tests/paper_a/test_kernel.py holds
   it to 1e-12); and, at a step size that diverges, whether the divergence steps agree.
2. per-process overhead in a fresh interpreter with a warm cache: import numba, import the trainer and both
   compiled modules (kernel, projected), first call of each sampler (loads the cached machine code) minus a second
   call; budget <= 0.5 s of CPU (the wall time is printed too: it depends on the load).
3. the first compile with a cold cache: two fresh interpreters at once on an empty NUMBA_CACHE_DIR (the race of
   parallel jobs on a fresh clone without the workflow's warm-up), then a third that must load without compiling.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # as in the pipeline's jobs

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's relu_lib, whatever is installed

from common import cell, load  # noqa: E402  (benchmarks/common.py)

from relu_lib.paper_a import streams  # noqa: E402
from relu_lib.paper_a import trainer as train  # noqa: E402
from relu_lib.paper_a.adversaries import make_adversary  # noqa: E402
from relu_lib.paper_a.cell import ALGORITHMS  # noqa: E402
from relu_lib.paper_a.laws import make_law  # noqa: E402
from relu_lib.paper_a.update_rule import step  # noqa: E402

# (d, b) of measure 1: the old issue's two points and the paper's n = 500
POINTS = ((100, 16), (10, 1), (500, 16))
ATTACKS = {
    "none": {},
    "random_sign": {"attack": "random_sign", "beta": 0.5, "theta": 0.5},
    "alternating": {"attack": "alternating", "beta": 0.5, "theta": 2.0},  # the paper's (§3.1)
}
FLOOR = 1e-10


def reference(spec, run: int) -> tuple[np.ndarray, np.ndarray]:
    """||Delta_t|| of both algorithms at every step t = 0..T (T + 1, A) and their divergence steps (A,), by
    update_rule.step on the run's own draws: tests/paper_a/test_kernel.py::reference, plus the trainer's
    divergence rule (||Delta_t||^2 above trainer.divergence_level, or not finite)."""
    law = make_law(spec.law)
    key = law.describe()
    w_star, w_start = train.starts(spec)[run]
    rng_in = streams.input_stream(spec.master_seed, key, spec.b, run)
    rng_att = streams.attack_stream(spec.master_seed, key, spec.b, spec.attack_key(), run)
    adversary = make_adversary(spec.attack if spec.attacked else "none", spec.beta, spec.theta, w_star)
    level = train.divergence_level(spec, w_star, w_start)
    w = np.stack([w_start[None, :].copy() for _ in ALGORITHMS])  # (A, R = 1, d)
    errors = [np.linalg.norm(w - w_star, axis=-1)[:, 0]]
    chunk = streams.chunk_steps(spec.b, spec.n)
    with np.errstate(over="ignore", invalid="ignore"):
        for first in range(0, spec.iterations, chunk):
            size = min(chunk, spec.iterations - first)
            x = law.sample(rng_in, (size, spec.b))
            y = np.maximum(x @ w_star, 0.0) + adversary.noise(rng_att, x)
            for k in range(size):
                step(w, ALGORITHMS, x[None, k], y[None, k], spec.eta, spec.theta)
                errors.append(np.linalg.norm(w - w_star, axis=-1)[:, 0])
    errors = np.array(errors)
    over = ~(errors**2 <= level)
    diverged_at = np.where(over.any(axis=0), over.argmax(axis=0), -1)
    return errors, diverged_at


def relative(fast: np.ndarray, slow: np.ndarray) -> float:
    """Largest relative difference where the reference is above FLOOR (a converged noise-free error sits at the
    rounding floor, where only absolute differences mean anything); inf if one is NaN where the other is not."""
    if not (np.isnan(fast) == np.isnan(slow)).all():
        return math.inf
    both = np.isfinite(fast) & np.isfinite(slow) & (np.abs(slow) > FLOOR)
    if not both.any():
        return 0.0
    return float(np.max(np.abs(fast[both] - slow[both]) / np.abs(slow[both])))


def measure_agreement(quick: bool, out: dict) -> None:
    iterations, runs = (100, 2) if quick else (300, 4)
    before = load()
    worst, rows = 0.0, []
    for d, b in POINTS:
        for name, attack in ATTACKS.items():
            spec = cell(d, b, runs, iterations, checkpoints=iterations + 1, **attack)
            result = train.run_cell(spec)
            diff, scaled, same = 0.0, 0.0, True
            for r in range(runs):
                errors, diverged_at = reference(spec, r)
                diff = max(diff, relative(result["error"][:, :, r], errors[result["steps"]]))
                gap = np.abs(result["error"][:, :, r] - errors[result["steps"]]) / errors[0].max()
                scaled = max(scaled, float(np.nanmax(gap)))
                same &= bool((result["diverged_at"][:, r] == diverged_at).all() and (diverged_at == -1).all())
            worst = max(worst, diff)
            rows.append(
                {
                    "d": d,
                    "b": b,
                    "attack": name,
                    "max_relative_difference": diff,
                    "max_difference_over_start_error": scaled,
                    "no_divergence": same,
                }
            )
    # a step far past the stability edge: every run diverges, at the same step in both
    spec = cell(10, 1, runs, 200, checkpoints=201, eta=5.0)
    result = train.run_cell(spec)
    references = [reference(spec, r)[1] for r in range(runs)]
    diverged_same = all((result["diverged_at"][:, r] == references[r]).all() for r in range(runs))
    diverged_same &= bool((result["diverged_at"] > 0).all())
    ok = worst <= 1e-12 and all(row["no_divergence"] for row in rows) and diverged_same
    out["agreement"] = {
        "iterations": iterations,
        "runs": runs,
        "cases": rows,
        "max_relative_error_difference": worst,
        "max_difference_over_start_error": max(row["max_difference_over_start_error"] for row in rows),
        "divergence_steps_equal": diverged_same,
        "diverged_at": result["diverged_at"].tolist(),
        "budget": 1e-12,
        "pass": ok,
        "load": [before, load()],
    }
    for row in rows:
        print(
            f"  d={row['d']:<3} b={row['b']:<2} attack {row['attack']:<11}: max relative difference "
            f"{row['max_relative_difference']:.2e}; max difference / ||Delta_0|| "
            f"{row['max_difference_over_start_error']:.2e}",
            flush=True,
        )
    print(
        f"1 full-draw kernel vs update_rule.step on the same draws (T={iterations}, {runs} runs per case, "
        f"{len(rows)} cases): max relative difference of ||Delta_t|| (values > {FLOOR:g}) {worst:.2e}, max "
        f"difference / ||Delta_0|| {out['agreement']['max_difference_over_start_error']:.2e} "
        f"(budget <= 1e-12: {'pass' if ok else 'FAIL'}); divergence steps equal at eta = 5 (d=10, b=1): "
        f"{diverged_same} {result['diverged_at'].tolist()}; load {out['agreement']['load']}",
        flush=True,
    )


CHILD = """
import json, math, sys, time
t0, c0 = time.perf_counter(), time.process_time()
import numpy
t1, c1 = time.perf_counter(), time.process_time()
import numba
t2, c2 = time.perf_counter(), time.process_time()
from relu_lib.paper_a import kernel, projected
from relu_lib.paper_a.cell import CellSpec
from relu_lib.paper_a.trainer import run_cell
t3, c3 = time.perf_counter(), time.process_time()
times = []
for _ in range(2):
    for sampler in ("full", "projected"):
        spec = CellSpec(experiment="bench", law_name="normal", law={"family": "normal", "d": 10, "sigma": 1.0}, b=4,
                        attack="random_sign", beta=0.5, theta=0.5, beta_threshold=-math.inf, eta=0.05,
                        iterations=100, runs=4, checkpoints=10, start="per_run", sampler=sampler, master_seed=1,
                        w_star_scale=1.0, start_scale=1.0)
        start, cpu = time.perf_counter(), time.process_time()
        run_cell(spec)
        times.append((time.perf_counter() - start, time.process_time() - cpu))
stats = [kernel.run_seed.stats, projected.core_stats()]
print(json.dumps({"import_numpy": t1 - t0, "import_numba": t2 - t1, "import_kernel": t3 - t2,
                  "import_numba_cpu": c2 - c1, "import_kernel_cpu": c3 - c2,
                  "first_calls": times[0][0] + times[1][0], "first_calls_cpu": times[0][1] + times[1][1],
                  "second_calls": times[2][0] + times[3][0], "second_calls_cpu": times[2][1] + times[3][1],
                  "hits": sum(sum(s.cache_hits.values()) for s in stats),
                  "misses": sum(sum(s.cache_misses.values()) for s in stats)}))
"""


def child(env):
    return subprocess.Popen(
        [sys.executable, "-c", CHILD], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def result_of(proc) -> dict:
    out, err = proc.communicate(timeout=900)
    if proc.returncode:
        raise RuntimeError(err[-3000:])
    return json.loads(out)


def overhead(run: dict) -> tuple[float, float]:
    """(wall, CPU) of import numba + import the compiled modules + loading the cached code."""
    wall = run["import_numba"] + run["import_kernel"] + run["first_calls"] - run["second_calls"]
    cpu = run["import_numba_cpu"] + run["import_kernel_cpu"] + run["first_calls_cpu"] - run["second_calls_cpu"]
    return wall, cpu


def measure_overhead(quick: bool, out: dict) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result_of(child(env))  # the cache this checkout uses is warm afterwards
    before = load()
    runs = [result_of(child(env)) for _ in range(2 if quick else 3)]
    best = min(runs, key=lambda r: overhead(r)[1])
    wall, cpu = overhead(best)
    out["overhead"] = {
        **best,
        "cache_load_s": best["first_calls"] - best["second_calls"],
        "total_s": wall,
        "total_cpu_s": cpu,
        "budget_cpu_s": 0.5,
        "pass": cpu <= 0.5,
        "load": [before, load()],
    }
    print(
        f"2 per-process overhead, warm cache (best of {len(runs)} by CPU): import numba {best['import_numba']:.3f} s "
        f"+ import trainer, kernel and projected {best['import_kernel']:.3f} s + cache load of both samplers "
        f"{best['first_calls'] - best['second_calls']:.3f} s = {wall:.3f} s wall, {cpu:.3f} s CPU "
        f"(budget <= 0.5 s CPU: {'pass' if cpu <= 0.5 else 'FAIL'}; cache hits {best['hits']}, misses "
        f"{best['misses']}; import numpy {best['import_numpy']:.3f} s not counted); load {out['overhead']['load']}",
        flush=True,
    )


def measure_compile(out: dict) -> None:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPATH": str(REPO), "NUMBA_CACHE_DIR": cache}
        before = load()
        cold = [result_of(proc) for proc in [child(env), child(env)]]  # started together: they race
        warm = result_of(child(env))
        after = load()
    compile_s = [r["first_calls"] - r["second_calls"] for r in cold]
    compile_cpu = [r["first_calls_cpu"] for r in cold]
    ok = all(r["misses"] > 0 for r in cold) and warm["misses"] == 0 and warm["hits"] > 0
    out["compile"] = {
        "cold_wall_s": compile_s,
        "cold_cpu_s": compile_cpu,
        "warm_after_race": warm,
        "race_ok": ok,
        "load": [before, after],
    }
    print(
        f"3 first compile of both samplers, two processes at once on an empty NUMBA_CACHE_DIR: "
        f"{', '.join(f'{w:.1f} s wall / {c:.1f} s CPU' for w, c in zip(compile_s, compile_cpu, strict=True))}; "
        f"a third process then loads without compiling: {ok} (hits {warm['hits']}, misses {warm['misses']}); "
        f"load {out['compile']['load']}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter runs in measure 1, two repeats in measure 2")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument("--only", type=int, nargs="+", choices=[1, 2, 3], help="some measures only")
    args = parser.parse_args()
    out = {
        "command": "python benchmarks/kernel.py " + " ".join(sys.argv[1:]),
        "nproc": os.cpu_count(),
        "numpy": np.__version__,
        "numba": __import__("numba").__version__,
        "load_at_start": load(),
    }
    print(f"numpy {out['numpy']}, numba {out['numba']}, {out['nproc']} CPUs, load {out['load_at_start']}", flush=True)
    train.run_cell(replace(cell(4, 2, 1, 2), sampler="full"))  # compile or load outside every measure
    measures = {
        1: lambda: measure_agreement(args.quick, out),
        2: lambda: measure_overhead(args.quick, out),
        3: lambda: measure_compile(out),
    }
    for number in args.only or measures:
        measures[number]()
    out["load_at_end"] = load()
    print(f"load {out['load_at_start']} -> {out['load_at_end']}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
