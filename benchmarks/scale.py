"""Big grids: Snakemake's dry run at 10^3, 10^4 and 10^5 cells and the SLURM submissions at 5 x 10^4
cells (issue 13 items 3 and 4).

    python benchmarks/scale.py                          # dry runs, 1e3..1e5 cells (a few minutes)
    python benchmarks/scale.py --cells 1000 --no-all-cells
    .venv-cluster/bin/python benchmarks/scale.py --slurm   # submissions, with the cluster extra installed

Each grid is paper A's poisoning grid in the experiment schema of today (6 laws x 5 batch sizes x beta x theta
pairs, one experiment per attack: random_sign and alternating; tiny cells, d = 4) with `cells_per_job`
(default 500, relu_lib/shards.py). A dry run is one
`snakemake -n` in a scratch directory (benchmarks/out/scale/, git-ignored) with no results yet;
wall clock and the peak RSS of Snakemake's process (getrusage of the child). "all cells" runs the dry
run through a wrapper Snakefile whose target lists every cell file besides rule `all`'s inputs, as a
rule `all` that checks every file would. --slurm counts the train jobs (one sbatch each: a shard's
job is one rule's single job, so the profile's groups do not apply) in a dry run of profiles/slurm.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import load  # benchmarks/common.py

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out" / "scale"
LAWS = {f"law{i}": {"family": "normal", "d": 4, "sigma": 1.0 + i / 10} for i in range(6)}
BATCHES = [1, 2, 4, 8, 16]
ATTACKS = ["random_sign", "alternating"]  # one experiment each: an experiment has one attack


def grid(cells: int, cells_per_job: int) -> dict:
    """A config with about `cells` paper-A cells: laws x batch sizes x betas x thetas, once per attack."""
    pairs = math.ceil(cells / (len(LAWS) * len(BATCHES) * len(ATTACKS)))
    betas = max(1, int(math.sqrt(pairs)))
    thetas = math.ceil(pairs / betas)
    experiment = {
        "laws": list(LAWS),
        "batch_sizes": BATCHES,
        "betas": [round(0.01 + 0.9 * i / betas, 6) for i in range(betas)],
        "thetas": [round(0.01 * (i + 1), 6) for i in range(thetas)],
        "eta": 0.05,
        "iterations": 10,
        "runs": 2,
        "checkpoints": 4,
    }
    return {
        "seed": 1,
        "cells_per_job": cells_per_job,
        "laws": LAWS,
        "paper_a": {
            "w_star_scale": 1.0,
            "start_scale": 1.0,
            "moment_samples": 1000,
            "experiments": {f"poisoning_{attack}": {**experiment, "attack": attack} for attack in ATTACKS},
        },
        "checks": {"z": 3, "epsilon": 0.05, "delta": 0.1, "fail_on_violation": False},
        # every cell declares at least 2 minutes (relu_lib/paper_a/cost.py) and a shard the sum of its cells' (see
        # relu_lib/shards.py shard_cost): a shard of ~750 of these 1-ms cells declares more than the default 24 h
        "limits": {"max_runtime_min": 100_000},
    }


def cell_files(config: dict) -> list[str]:
    sys.path.insert(0, str(REPO))
    from relu_lib import config as relu_config
    from relu_lib.studies import BY_NAME

    cells = relu_config.cells(relu_config.load(config))
    return [
        BY_NAME[study].file_of(exp, cell)
        for study, experiments in cells.items()
        for exp, by_id in experiments.items()
        for cell in by_id
    ]


WRAPPER = """include: {snakefile!r}


rule all_cells:
    input:
        rules.all.input,
        json.load(open("cell_files.json")),
"""


def dry_run(workdir: Path, config: dict, all_cells: bool, *extra) -> dict:
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    (workdir / "config.yaml").write_text(json.dumps(config))
    snakefile, target = REPO / "Snakefile", []
    if all_cells:
        (workdir / "cell_files.json").write_text(json.dumps(cell_files(config)))
        (workdir / "Snakefile").write_text("import json\n" + WRAPPER.format(snakefile=str(REPO / "Snakefile")))
        (workdir / "scripts").symlink_to(REPO / "scripts")  # the wrapper's folder is the workflow's base
        (workdir / "report").symlink_to(REPO / "report")
        snakefile, target = workdir / "Snakefile", ["all_cells"]
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "-n",
        "--quiet",
        "rules",
        "--snakefile",
        str(snakefile),
        "--directory",
        str(workdir),
        *extra,
        *target,
    ]
    before = load()
    start = time.perf_counter()
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        cmd,
        cwd=workdir,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise RuntimeError(done.stdout[-2000:] + done.stderr[-3000:])
    jobs = {m[0]: int(m[1]) for m in re.findall(r"^(\w+)\s+(\d+)$", done.stdout + done.stderr, re.M)}
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime - usage0.ru_utime - usage0.ru_stime,
        "max_rss_mb": usage.ru_maxrss / 1024,
        "jobs": jobs,
        "load": [before, load()],
    }


def verdict(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--cells-per-job", type=int, default=500)
    parser.add_argument("--no-all-cells", action="store_true", help="only rule all's own targets")
    parser.add_argument("--slurm", action="store_true", help="count SLURM submissions at 5e4 cells")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    rows = []
    if args.slurm:
        config = grid(50_000, args.cells_per_job)
        n = len(cell_files(config))
        res = dry_run(OUT / "slurm", config, False, "--workflow-profile", str(REPO / "profiles" / "slurm"))
        submissions = sum(v for k, v in res["jobs"].items() if k.startswith("train_"))
        rows.append({"measure": "slurm", "cells": n, "submissions": submissions, **res})
        print(
            f"SLURM dry run, {n} cells, cells_per_job {args.cells_per_job}: {submissions} submissions "
            f"(budget <= 200: {verdict(submissions <= 200)}); {res['wall_s']:.1f} s; load {res['load']}"
        )
    else:
        for cells in args.cells:
            config = grid(cells, args.cells_per_job)
            n = len(cell_files(config))
            for all_cells in [False] if args.no_all_cells else [False, True]:
                res = dry_run(OUT / f"{cells}{'_all' if all_cells else ''}", config, all_cells)
                jobs = sum(res["jobs"].get(k, 0) for k in ("total",)) or sum(res["jobs"].values())
                ok = res["wall_s"] <= 10 and res["max_rss_mb"] <= 1024
                rows.append({"measure": "dry_run", "cells": n, "all_cells": all_cells, "jobs": jobs, **res})
                print(
                    f"dry run, {n} cells in {jobs} jobs (cells_per_job {args.cells_per_job})"
                    f"{', every cell file a target' if all_cells else ''}: {res['wall_s']:.1f} s wall, "
                    f"{res['cpu_s']:.1f} s CPU, {res['max_rss_mb']:.0f} MB peak RSS"
                    + (f" (budget <= 10 s, <= 1 GB: {verdict(ok)})" if n >= 100_000 else "")
                    + f"; load {res['load']}",
                    flush=True,
                )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
