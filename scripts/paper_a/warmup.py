"""Paper A: compile (or load from numba's cache) the trainer's kernel once, before the train jobs start,
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

    from relu_lib.paper_a import kernel
    from relu_lib.paper_a.laws import constants, make_law
    from relu_lib.paper_a.trainer import run_cell
    from relu_lib.seeding import generator

    law = {"family": "normal", "d": 2, "sigma": 1.0}
    spec = {
        "law": law,
        "b": 2,
        "seeds": 1,
        "iterations": 2,
        "checkpoints": 2,
        "master_seed": 0,
        "step_factor": 1.0,
        "eta": None,
        "w_star_norm": 1.0,
        "start_norm": 1.0,
        "adversary": "none",
        "beta": 0.0,
        "theta": 0.0,
    }
    consts = constants(make_law(law), 100, generator(0, "warmup"))
    start = time.perf_counter()
    run_cell(spec, consts)
    stats = kernel.run_seed.stats
    record = {
        "numba": numba.__version__,
        "seconds": round(time.perf_counter() - start, 3),
        "compiled": bool(sum(stats.cache_misses.values())),
        "numba_cache_dir_set": "NUMBA_CACHE_DIR" in os.environ,
    }
    print(json.dumps(record))


if __name__ == "__main__":
    cli.run(main)
