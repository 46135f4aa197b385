"""Peak RSS of one paper-A train job against the memory its cost model declares, at several d, per sampler.

    python benchmarks/peak_rss.py [d ...]      (default d = 1000 3000 6000)

Each (d, sampler) runs the real train script (scripts/paper_a/train.py) in a fresh process on N(0, I_d) inputs,
b = 16, 64 runs (the default grid's cell shape), 40 iterations and 10 recorded steps, with the full-draw sampler
and with the projected one; prints one line each with the load, and fails if a measured peak exceeds the mem_mb
that relu_lib.paper_a.cost.resources declares. Numbers: docs/guarantees.md.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's relu_lib, whatever is installed

from common import cell, load  # noqa: E402  (benchmarks/common.py)

from relu_lib.paper_a import cost  # noqa: E402

TRAIN = REPO / "scripts" / "paper_a" / "train.py"
WRAP = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def peak_mb(args) -> float:
    """Peak RSS (MB) of a command, measured in a fresh wrapper process so no other child counts."""
    out = subprocess.run(
        [sys.executable, "-c", WRAP, *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return int(out.stdout.split()[-1]) / 1024


def main(dims) -> None:
    ok = True
    print(f"load {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        for d in dims:
            for sampler in ("full", "projected"):
                spec = cell(d, 16, 64, 40, sampler=sampler, checkpoints=10).to_json()
                train_mb = peak_mb(
                    [sys.executable, TRAIN, "--spec", json.dumps(spec), "--out", Path(tmp) / "t.parquet"]
                )
                declared = cost.resources(spec)["mem_mb"]
                ok &= train_mb <= declared
                print(
                    f"d={d} {sampler:>9}: train peak RSS {train_mb:.0f} MB, declared mem_mb {declared} "
                    f"({'pass' if train_mb <= declared else 'FAIL'}); load {load()}",
                    flush=True,
                )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 3000, 6000])
