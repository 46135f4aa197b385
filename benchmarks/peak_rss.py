"""Peak RSS of one paper-A train job against the memory its cost model declares, at several d.

    python benchmarks/peak_rss.py [d ...]      (default d = 1000 3000 6000)

Each d runs the real scripts (constants, then train) in fresh processes on a normal law, b = 16,
64 seeds (the default grid's realizable cell shape) and a short run; prints one line per d and
fails if a measured peak exceeds the declared mem_mb. Numbers: docs/guarantees.md.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from relu_lib.paper_a import cost

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts" / "paper_a"
WRAP = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def peak_mb(args) -> float:
    """Peak RSS (MB) of a command, measured in a fresh wrapper process so no other child counts."""
    out = subprocess.run([sys.executable, "-c", WRAP, *map(str, args)], check=True, capture_output=True, text=True)
    return int(out.stdout.split()[-1]) / 1024


def spec(d: int) -> dict:
    law = {"family": "normal", "d": d, "sigma": 1.0}
    return {
        "experiment": "realizable",
        "law_name": "normal",
        "law": law,
        "b": 16,
        "adversary": "none",
        "beta": 0.0,
        "theta": 0.0,
        "iterations": 40,
        "seeds": 64,
        "checkpoints": 10,
        "master_seed": 1,
        "step_factor": 1.0,
        "eta": None,
        "w_star_norm": 1.0,
        "start_norm": 1.0,
        "epsilon": 0.01,
        "delta": 0.1,
    }


def main(dims) -> None:
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for d in dims:
            cell, consts = spec(d), Path(tmp) / f"c{d}.json"
            constants_mb = peak_mb(
                [
                    sys.executable,
                    SCRIPTS / "constants.py",
                    "--law",
                    json.dumps(cell["law"]),
                    "--samples",
                    1000,
                    "--seed",
                    1,
                    "--out",
                    consts,
                ]
            )
            train_mb = peak_mb(
                [
                    sys.executable,
                    SCRIPTS / "train.py",
                    "--spec",
                    json.dumps(cell),
                    "--constants",
                    consts,
                    "--out",
                    Path(tmp) / f"t{d}.parquet",
                ]
            )
            declared = cost.resources(cell)["mem_mb"]
            ok &= train_mb <= declared
            constants_declared = cost.constants_resources(cell["law"], 1000)["mem_mb"]
            print(
                f"d={d}: train peak RSS {train_mb:.0f} MB, declared mem_mb {declared}; "
                f"constants peak {constants_mb:.0f} MB (declared {constants_declared})"
            )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 3000, 6000])
