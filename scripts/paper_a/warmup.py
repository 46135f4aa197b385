"""Paper A: compile (or load from numba's cache) the trainer's two kernels once, before the train jobs start,
so that parallel jobs on a fresh clone load the cached code instead of each compiling it (~10 s of CPU).
Run by the workflow's onstart handler (rules/common.smk); prints one JSON line (time, numba version,
whether it compiled). Results never depend on it: a compiled entry is the machine code of the same
compilation, and a job that finds no cache compiles the same code itself."""

import argparse
import json
import os
import time

from relu_lib import cli


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()

    import numba

    from relu_lib.paper_a import kernel, projected
    from relu_lib.paper_a.cell import CellSpec
    from relu_lib.paper_a.trainer import run_cell

    law = {"family": "normal", "d": 2, "sigma": 1.0}
    common = {
        "experiment": "warmup",
        "law_name": "normal",
        "law": law,
        "b": 2,
        "attack": "none",
        "beta": 0.0,
        "theta": 0.0,
        "beta_threshold": float("-inf"),
        "eta": 0.1,
        "iterations": 2,
        "runs": 1,
        "checkpoints": 2,
        "start": "per_run",
        "master_seed": 0,
        "w_star_scale": 1.0,
        "start_scale": 1.0,
    }
    start = time.perf_counter()
    for sampler in ("full", "projected"):
        run_cell(CellSpec(**common, sampler=sampler))
    stats = [kernel.run_seed.stats, projected.core_stats()]
    record = {
        "numba": numba.__version__,
        "seconds": round(time.perf_counter() - start, 3),
        "compiled": any(sum(s.cache_misses.values()) for s in stats),
        "numba_cache_dir_set": "NUMBA_CACHE_DIR" in os.environ,
    }
    print(json.dumps(record))


if __name__ == "__main__":
    cli.run(main)
