"""Benchmark of paper A's compiled trainer (relu_lib/paper_a/kernel.py), issue 13 item 1.

    python benchmarks/kernel.py            # about a minute and a half on 2 cores
    python benchmarks/kernel.py --quick    # a tenth of the iterations (smoke test of the script)

Prints, each with the load (os.getloadavg) around it:
1. kernel CPU time / the CPU time NumPy needs to fill the same normals (the cell's own per-seed
   Generator(SFC64) streams, standard_normal(out=...) per seed and chunk, as the NumPy trainer
   draws them), at (d=100, b=16, R=64) and (d=10, b=1, R=64); budgets <= 0.6 and <= 1.0. The
   NumPy trainer's ratio is measured alongside for comparison. Both sides run interleaved in
   this process, 3 times, and the ratio is that of the minima: other processes on a shared
   machine lengthen neither side.
2. kernel against the NumPy trainer (relu_lib.train.run_cell): largest relative difference of
   error, mean_error and mean_spread, and whether diverged_at and hit_step agree.
3. per-process overhead in a fresh interpreter with a warm cache: import numba, import the
   kernel module, first call (loads the cached machine code) minus a second call; budget <= 0.5 s.
4. first-run compile time: two fresh interpreters at once on an empty NUMBA_CACHE_DIR (the
   race of parallel jobs on a fresh clone), then a third that must load without compiling.
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
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's relu_lib, whatever is installed

from common import cell, law_constants, load  # noqa: E402  (benchmarks/common.py)

from relu_lib import seeding  # noqa: E402
from relu_lib.paper_a import trainer as train  # noqa: E402
from relu_lib.paper_a.laws import make_law  # noqa: E402

# (d, b, R, iterations): ~1-3 s per measurement on one core
POINTS = {"large": (100, 16, 64, 2000, 0.6), "small": (10, 1, 64, 200_000, 1.0)}


def fill_normals(spec) -> None:
    """The cell's normals and nothing else: its per-seed generators, one standard_normal(out=...)
    per seed and chunk into a preallocated buffer."""
    law = make_law(spec["law"])
    d, b, seeds = law.d, spec["b"], spec["seeds"]
    rngs = seeding.generators(
        spec["master_seed"], "inputs", law.describe(), b, count=seeds, bit_generator=train.BIT_GENERATOR
    )
    chunk = train.chunk_steps(b, d)
    buffer = np.empty(seeds * chunk * b * d)
    for first in range(0, spec["iterations"], chunk):
        size = min(chunk, spec["iterations"] - first)
        x = buffer[: seeds * size * b * d].reshape(seeds, size, b, d)
        for rng, out in zip(rngs, x, strict=True):
            rng.standard_normal(out=out)


def cpu(fn, *args) -> float:
    start = time.process_time()
    fn(*args)
    return time.process_time() - start


def relative(fast, slow, floor=1e-10) -> float:
    """Largest relative difference where the value is above `floor` (converged noise-free errors
    sit at the rounding floor, ~1e-17, where only absolute differences mean anything)."""
    both = np.isfinite(fast) & np.isfinite(slow) & (np.abs(slow) > floor)
    if not (np.isnan(fast) == np.isnan(slow)).all():
        return math.inf
    if not both.any():
        return 0.0
    return float(np.max(np.abs(fast[both] - slow[both]) / np.maximum(np.abs(slow[both]), 1e-300)))


def measure_ratios(quick: bool, out: dict) -> None:
    for name, (d, b, seeds, iterations, budget) in POINTS.items():
        spec = cell(d, b, seeds, iterations // (10 if quick else 1))
        consts = law_constants(spec)
        train.run_cell({**spec, "iterations": 10}, consts)  # compile or load, outside the timing
        before = load()
        fast, limit = math.inf, math.inf
        for _ in range(3):
            fast = min(fast, cpu(train.run_cell, spec, consts))
            limit = min(limit, cpu(fill_normals, spec))
        row = {
            "d": d,
            "b": b,
            "R": seeds,
            "iterations": spec["iterations"],
            "kernel_cpu_s": fast,
            "fill_cpu_s": limit,
            "ratio": fast / limit,
            "budget": budget,
            "pass": fast / limit <= budget,
            "fill_ns_per_normal": limit / (spec["iterations"] * seeds * b * d) * 1e9,
            "load": [before, load()],
        }
        out[f"ratio_{name}"] = row
        print(
            f"1 trainer / NumPy fill, d={d} b={b} R={seeds} T={spec['iterations']}: {row['ratio']:.3f} "
            f"(budget <= {budget}: {'pass' if row['pass'] else 'FAIL'}); trainer {fast:.3f} s, fill {limit:.3f} s "
            f"({row['fill_ns_per_normal']:.1f} ns/normal); load {row['load']}",
            flush=True,
        )


def reference_cell():
    """tests/paper_a/test_trainer.py::reference_cell: update_rule.step, one error check per step."""
    import importlib.util

    path = REPO / "tests" / "paper_a" / "test_trainer.py"
    module_spec = importlib.util.spec_from_file_location("reference_trainer_test", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.reference_cell


def measure_agreement(out: dict) -> None:
    reference = reference_cell()
    before = load()
    worst, same_steps = 0.0, True
    for d, b, seeds, _, _ in POINTS.values():
        for extra in ({}, {"adversary": "random_sign", "beta": 0.5, "theta": 0.5, "epsilon": 0.3}):
            spec = {**cell(d, b, seeds // 4, 300), **extra}
            consts = law_constants(spec)
            fast = train.run_cell(spec, consts)
            errors, diverged_at, hit_step = reference(spec, consts)
            worst = max(worst, relative(fast.error, errors[fast.steps]))
            same_steps &= bool((fast.diverged_at == diverged_at).all() and (fast.hit_step == hit_step).all())
    out["agreement"] = {
        "max_relative_error_difference": worst,
        "same_diverged_and_hit_steps": same_steps,
        "budget": 1e-12,
        "pass": worst <= 1e-12 and same_steps,
        "load": [before, load()],
    }
    print(
        f"2 trainer vs update_rule.step on the same draws (T=300, R=16, with and without attack): max relative "
        f"difference of the errors (values > 1e-10) {worst:.2e} (budget <= 1e-12: "
        f"{'pass' if out['agreement']['pass'] else 'FAIL'}); diverged_at and hit_step equal: {same_steps}; "
        f"load {out['agreement']['load']}",
        flush=True,
    )


CHILD = """
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
import numpy
t1, c1 = time.perf_counter(), time.process_time()
import numba
t2, c2 = time.perf_counter(), time.process_time()
from relu_lib.paper_a import kernel
from relu_lib.paper_a.trainer import run_cell
from relu_lib.paper_a.laws import constants, make_law
from relu_lib.seeding import generator
t3, c3 = time.perf_counter(), time.process_time()
law = {"family": "normal", "d": 10, "sigma": 1.0}
consts = constants(make_law(law), 1000, generator(0, "c"))
times = []
for _ in range(2):
    for b in (1, 4):
        spec = {"law": law, "b": b, "seeds": 4, "iterations": 100, "checkpoints": 10, "master_seed": 1,
                "step_factor": 1.0, "eta": None, "w_star_norm": 1.0, "start_norm": 1.0, "epsilon": 0.5,
                "adversary": "random_sign", "beta": 0.5, "theta": 0.5}
        start, cpu = time.perf_counter(), time.process_time()
        run_cell(spec, consts)
        times.append((time.perf_counter() - start, time.process_time() - cpu))
stats = kernel.run_seed.stats
print(json.dumps({"import_numpy": t1 - t0, "import_numba": t2 - t1, "import_kernel": t3 - t2,
                  "import_numba_cpu": c2 - c1, "import_kernel_cpu": c3 - c2,
                  "second_calls_cpu": times[2][1] + times[3][1],
                  "first_calls": times[0][0] + times[1][0], "first_calls_cpu": times[0][1] + times[1][1],
                  "second_calls": times[2][0] + times[3][0],
                  "hits": sum(stats.cache_hits.values()), "misses": sum(stats.cache_misses.values())}))
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


def measure_overhead(out: dict) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result_of(child(env))  # the cache this checkout uses is warm afterwards
    before = load()
    runs = [result_of(child(env)) for _ in range(3)]
    best = min(runs, key=lambda r: r["import_numba"] + r["import_kernel"] + r["first_calls"] - r["second_calls"])
    load_s = best["first_calls"] - best["second_calls"]
    total = best["import_numba"] + best["import_kernel"] + load_s
    total_cpu = min(
        r["import_numba_cpu"] + r["import_kernel_cpu"] + r["first_calls_cpu"] - r["second_calls_cpu"] for r in runs
    )
    out["overhead"] = {
        **best,
        "cache_load_s": load_s,
        "total_s": total,
        "total_cpu_s": total_cpu,
        "budget_s": 0.5,
        "pass": total <= 0.5,
        "load": [before, load()],
    }
    print(
        f"3 per-process overhead, warm cache (best of 3): import numba {best['import_numba']:.3f} s + import "
        f"kernel module {best['import_kernel']:.3f} s + cache load {load_s:.3f} s = {total:.3f} s "
        f"wall, {total_cpu:.3f} s CPU (budget <= 0.5 s: {'pass' if total <= 0.5 else 'FAIL'}; "
        f"cache hits {best['hits']}, misses "
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
        f"4 first-run compile, two processes at once on an empty NUMBA_CACHE_DIR: "
        f"{', '.join(f'{w:.1f} s wall / {c:.1f} s CPU' for w, c in zip(compile_s, compile_cpu, strict=True))}; "
        f"a third process then loads without compiling: {ok} (hits {warm['hits']}, misses {warm['misses']}); "
        f"load {out['compile']['load']}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the iterations")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument("--only", type=int, nargs="+", choices=[1, 2, 3, 4], help="some measures only")
    args = parser.parse_args()
    out = {
        "command": "python benchmarks/kernel.py" + (" --quick" if args.quick else ""),
        "nproc": os.cpu_count(),
        "numpy": np.__version__,
        "numba": __import__("numba").__version__,
        "load_at_start": load(),
    }
    print(f"numpy {out['numpy']}, numba {out['numba']}, {out['nproc']} CPUs, load {out['load_at_start']}", flush=True)
    measures = {
        1: lambda: measure_ratios(args.quick, out),
        2: lambda: measure_agreement(out),
        3: lambda: measure_overhead(out),
        4: lambda: measure_compile(out),
    }
    for number in args.only or measures:
        measures[number]()
    out["load_at_end"] = load()
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
