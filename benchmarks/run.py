"""Performance suite of relu-repro: the workflow-level measures, each next to its budget.

    python benchmarks/run.py                 # everything, the end-to-end run of measure 4 included (minutes)
    python benchmarks/run.py --skip-e2e      # without the end-to-end run of the default config
    python benchmarks/run.py --only 3 5 6    # some measures only
    python benchmarks/run.py --quick --skip-e2e   # a smoke test of the suite (smaller sizes, fewer repeats)

3. per-job overhead through Snakemake: a tiny paper-A cell's train job wall (its `benchmark:` file) minus the cell's
   compute (its log), once per sampler (full, projected), numba cached; and what the train job imports;
4. the default config end to end on `--cores` cores from a fresh clone (an empty NUMBA_CACHE_DIR: the run pays the
   compile, in the onstart warm-up): total wall, the share of the cores' time outside the train jobs, the share
   of all CPU time outside the cells' training and writing, and the jobs' peak RSS against their declared mem_mb;
5. peak RSS of the largest default paper-A cell, run as its job runs (scripts/paper_a/train.py), against the
   mem_mb its cost model declares (relu_lib.paper_a.cost.resources);
6. scaling exponents of a cell's CPU time in T (iterations) and R (runs), for both samplers, and in b and d for the
   full-draw sampler (the projected sampler costs O(b + n) per step by design, not O(b n): no exponent of 1 to
   hold it to).

Paper A's samplers against their draws and at the paper's scale: benchmarks/paper_a.py; the full-draw kernel
against the reference step, per-process overhead and first compile: benchmarks/kernel.py; paper B's products:
benchmarks/paper_b.py; big grids: benchmarks/scale.py.

Prints a table (measure, value, budget, pass/fail) and writes benchmarks/results.json; scratch
workflows run in benchmarks/out/ (git-ignored). Run it from anywhere: it uses the repository it
lives in and the Python it is run with.

How it times. Measure 6 uses the CPU time of this process (time.process_time), with BLAS pinned to
one thread: on a shared machine other processes then lengthen neither side. Each size runs
`--repeats` times and the minimum is kept. Measures 3 to 5 are wall clock (jobs, Snakemake) and so
depend on the load, which is recorded (os.getloadavg) before and after each measure.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # as in the pipeline's jobs

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's relu_lib, whatever is installed

from common import cell, load  # noqa: E402  (benchmarks/common.py)

from relu_lib import config as relu_config  # noqa: E402
from relu_lib.paper_a import cost  # noqa: E402
from relu_lib.paper_a import grid as paper_a_grid  # noqa: E402
from relu_lib.paper_a import trainer as train  # noqa: E402
from relu_lib.paper_a.cell import CellSpec  # noqa: E402
from relu_lib.studies import BY_NAME  # noqa: E402

OUT = REPO / "benchmarks" / "out"
RESULTS = REPO / "benchmarks" / "results.json"
HEAVY = ("pandas", "seaborn", "matplotlib", "scipy", "snakemake", "jsonschema", "yaml")
E2E_BUDGET_S = 120  # issue 23: the whole default run (both papers, every figure) on 2 cores from a fresh clone


class Timer:
    """Minimum CPU and wall time of a callable over repeats."""

    def __init__(self):
        self.cpu, self.wall = math.inf, math.inf

    def __call__(self, fn, *args):
        wall, cpu = time.perf_counter(), time.process_time()
        fn(*args)
        self.cpu = min(self.cpu, time.process_time() - cpu)
        self.wall = min(self.wall, time.perf_counter() - wall)


# --------------------------------------------------------------------------- the measures


def measure_scaling(args, report):
    """6. cell time against T and R (both samplers), b and d (full-draw sampler): fitted log-log exponent."""
    short = 4 if args.quick else 1
    bases = {
        # the full-draw kernel around the old issue's large point; the projected sampler at the paper's n = 500
        "full": {"d": 100, "b": 16, "runs": 64, "iterations": 200 // short},
        "projected": {"d": 500, "b": 16, "runs": 16, "iterations": 2000 // short},
    }
    grids = [
        ("full", "iterations", [bases["full"]["iterations"] * k for k in (1, 2, 4, 8)]),
        ("full", "runs", [16, 32, 64, 128]),
        ("full", "b", [8, 16, 32, 64]),
        ("full", "d", [50, 100, 200, 400]),
        ("projected", "iterations", [bases["projected"]["iterations"] * k for k in (1, 2, 4, 8)]),
        ("projected", "runs", [4, 8, 16, 32]),
    ]
    for sampler, param, values in grids:
        base = bases[sampler]
        times, loads = [], [load()]
        for value in values:
            spec = cell(**{**base, param: value}, sampler=sampler)
            timer = Timer()
            train.run_cell(spec)
            for _ in range(args.repeats):
                timer(train.run_cell, spec)
            times.append(timer.cpu)
        loads.append(load())
        slope = float(np.polyfit(np.log(values), np.log(times), 1)[0])
        label = {"iterations": "T", "runs": "R"}.get(param, param)
        report.row(
            f"6 scaling exponent of cell CPU time in {label} ({values[0]}..{values[-1]}), {sampler} sampler",
            slope,
            "0.9-1.1",
            0.9 <= slope <= 1.1,
            detail={"values": values, "cpu_s": times, "base": base, "sampler": sampler, "load": loads},
        )
        if param == "b":  # where a fixed cost per step comes from: time per step = fixed + per row x b
            per_step_us = [1e6 * t / (base["runs"] * base["iterations"]) for t in times]
            per_row, fixed = np.polyfit(values, per_step_us, 1)
            report.row(
                f"6 full-draw kernel, d={base['d']}: CPU per step and run = fixed + per row x b (fit of the b series)",
                f"{fixed:.2f} us + {per_row:.3f} us x b",
                "report",
                None,
                detail={"per_step_us": per_step_us, "fixed_us": fixed, "per_row_us": per_row},
            )


def snakemake(workdir: Path, *extra, cores=1, env=None) -> tuple[subprocess.CompletedProcess, float]:
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--cores",
        str(cores),
        *extra,
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]), **(env or {})}
    start, usage = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    done.cpu_s = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime  # Snakemake and every job
    if done.returncode:
        raise RuntimeError(f"snakemake failed in {workdir}:\n{done.stderr[-3000:]}")
    return done, wall


def compute_seconds(log: Path, key: str = "compute_seconds") -> float | None:
    """A job log's `key=` value: paper A's and B's train scripts print compute_seconds (wall in the trainer) and
    compute_cpu_seconds; the tails study's prints cpu_seconds_<part>= per part of its cell (CPU seconds, one
    thread), whose sum stands in for its compute_seconds. None if the log has neither."""
    text = log.read_text()
    if match := re.search(rf"^{key}=([0-9.]+)", text, re.M):
        return float(match.group(1))
    if key == "compute_seconds" and (parts := re.findall(r"\bcpu_seconds_\w+=([0-9.]+)", text)):
        return sum(map(float, parts))
    return None


def benchmark_table(path: Path) -> dict:
    header, *rows = path.read_text().splitlines()
    values = rows[-1].split("\t")
    return dict(zip(header.split("\t"), values, strict=True))


# measure 3's cells: the same tiny cell on each sampler (N(0, I_10), b = 4, no attack, 4 runs of 100 steps)
JOB_EXPERIMENT = {
    "laws": ["normal"],
    "batch_sizes": [4],
    "attack": "none",
    "betas": [0],
    "thetas": [0],
    "eta": 0.05,
    "iterations": 100,
    "runs": 4,
    "checkpoints": 10,
}


def measure_job(args, report):
    """3. per-job overhead: a tiny cell as a Snakemake job, minus its compute, per sampler; and what it imports."""
    workdir = OUT / "job"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    config = {
        "seed": 7,
        "laws": {"normal": {"family": "normal", "d": 10, "sigma": 1.0}},
        "paper_a": {
            "w_star_scale": 1.0,
            "start_scale": 1.0,
            "moment_samples": 1000,
            "experiments": {f"job_{s}": {**JOB_EXPERIMENT, "sampler": s} for s in ("full", "projected")},
        },
        "checks": {"z": 3, "epsilon": 0.05, "delta": 0.1, "fail_on_violation": False},
    }
    (workdir / "config.yaml").write_text(json.dumps(config))  # JSON is YAML
    cells = {exp: next(iter(by_id.items())) for exp, by_id in paper_a_grid.cells(relu_config.load(config)).items()}
    targets = [f"results/trajectories/{exp}/{cell_id}/data.parquet" for exp, (cell_id, _) in cells.items()]
    snakemake(workdir, *targets)  # the warm-up and a first run, not timed
    overheads, job_walls = {exp: [] for exp in cells}, {exp: [] for exp in cells}
    walls, loads = [], [load()]
    for _ in range(args.repeats):
        _, wall = snakemake(workdir, *targets, "--forcerun", "train_a")
        for exp, (cell_id, _) in cells.items():
            job = float(benchmark_table(workdir / "benchmarks" / "train" / exp / f"{cell_id}.tsv")["s"])
            job_walls[exp].append(job)
            overheads[exp].append(job - compute_seconds(workdir / "logs" / "train" / exp / f"{cell_id}.log"))
        walls.append(wall)
    loads.append(load())
    for exp, values in overheads.items():
        overhead = float(np.median(values))
        report.row(
            f"3 per-job overhead, {exp.removeprefix('job_')} sampler: train job wall (Snakemake benchmark) - cell "
            "compute (its log)",
            overhead,
            "<= 0.5",
            overhead <= 0.5,
            unit="s",
            detail={"overheads_s": values, "snakemake_invocation_wall_s": walls, "load": loads},
        )
    # The log's compute_seconds is the job's time in run_cell, whose first call imports numba and loads the
    # cached machine code: the same job minus the cell's compute in a warm process counts that as overhead too.
    for exp, (_, spec) in cells.items():
        cell_spec = CellSpec.from_json(spec)
        timer = Timer()
        for _ in range(args.repeats + 1):
            timer(train.run_cell, cell_spec)
        jobs = job_walls[exp]
        job = float(np.median(jobs))
        report.row(
            f"3 per-job overhead, {exp.removeprefix('job_')} sampler: train job wall - the cell's compute in a warm "
            "process (numba's import and cache load counted as overhead)",
            job - timer.wall,
            "<= 0.5",
            job - timer.wall <= 0.5,
            unit="s",
            detail={"job_wall_s": jobs, "warm_compute_wall_s": timer.wall, "warm_compute_cpu_s": timer.cpu},
        )

    # what the job imports (python -X importtime on the job's own command line)
    for exp, (_, spec) in cells.items():
        cmd = [
            sys.executable,
            "-X",
            "importtime",
            str(REPO / "scripts" / "paper_a" / "train.py"),
            "--spec",
            json.dumps(spec),
            "--out",
            str(OUT / f"{exp}.parquet"),
        ]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
        wall = time.perf_counter() - start
        modules = re.findall(r"^import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)$", done.stderr, re.M)
        chains = import_chains(modules)
        heavy = sorted({root(name) for name, chain in chains if root(name) in HEAVY and "numba" not in chain})
        by_numba = sorted({root(name) for name, chain in chains if root(name) in HEAVY and "numba" in chain})
        top = sorted(((int(us), name) for us, indent, name in modules if len(indent) == 1), reverse=True)[:5]
        imports_s = sum(int(us) for us, indent, name in modules if len(indent) == 1) / 1e6
        report.row(
            f"3 heavy modules the train job imports outside numba's own imports, {exp.removeprefix('job_')} sampler ("
            + ", ".join(HEAVY[:4])
            + ", ...; numba: "
            + (", ".join(by_numba) or "none")
            + ")",
            ", ".join(heavy) or "none",
            "none",
            not heavy,
            detail={
                "imported_by_numba_itself": by_numba,
                "import_seconds": imports_s,
                "slowest_imports_us": top,
                "job_wall_s": wall,
                "compute_s": compute_seconds_from(done.stdout),
            },
        )


def root(module: str) -> str:
    return module.split(".")[0]


def import_chains(modules) -> list[tuple[str, set]]:
    """(module, the top-level packages of the modules that imported it) for `python -X importtime` rows
    (self us, indent, name). The rows are in post-order, a module's imports before it one indent deeper, so a
    module's importer is the next row with a smaller indent."""
    out = []
    for i, (_, indent, name) in enumerate(modules):
        chain, level = set(), len(indent)
        for _, later_indent, later in modules[i + 1 :]:
            if len(later_indent) < level:
                chain.add(root(later))
                level = len(later_indent)
        out.append((name, chain))
    return out


def compute_seconds_from(text: str) -> float | None:
    match = re.search(r"compute_seconds=([0-9.]+)", text)
    return float(match.group(1)) if match else None


def default_specs(path: Path) -> dict:
    """{(experiment, cell id): (study name, spec)} of every cell of a config file (measure 4: config.yaml)."""
    import yaml

    config = relu_config.load(yaml.safe_load(path.read_text()))
    return {
        (exp, cell_id): (study, spec)
        for study, experiments in relu_config.cells(config).items()
        for exp, by_id in experiments.items()
        for cell_id, spec in by_id.items()
    }


SNAKEMAKE_STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")


def rule_walls(log: Path) -> dict:
    """{rule: {'jobs', 'wall_s'}} from the stamps of Snakemake's own log (1 s resolution): a job starts at the
    stamp before its `Job N: <message>` (or `rule NAME:` ... `jobid: N`) line, ends at the one before
    `Finished jobid: N (Rule: NAME)`."""
    stamp, started, total = None, {}, {}
    for line in log.read_text().splitlines():
        line = line.strip()
        if match := SNAKEMAKE_STAMP.match(line):
            stamp = time.mktime(time.strptime(match.group(1), "%a %b %d %H:%M:%S %Y"))
        elif match := re.match(r"^(?:Job (\d+): |jobid: (\d+)$)", line):
            started.setdefault(match.group(1) or match.group(2), stamp)
        elif (match := re.match(r"^Finished jobid: (\d+) \(Rule: (\w+)\)", line)) and match.group(1) in started:
            entry = total.setdefault(match.group(2), {"jobs": 0, "wall_s": 0.0})
            entry["jobs"] += 1
            entry["wall_s"] += stamp - started.pop(match.group(1))
    return total


def measure_e2e(args, report):
    """4. the default config on 2 cores from a fresh clone; 5. the jobs' peak RSS against their declared mem_mb."""
    workdir = Path(args.e2e_dir).resolve() if args.e2e_dir else OUT / "e2e"
    if not args.e2e_reuse:
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        shutil.copy(args.e2e_config, workdir / "config.yaml")
        loads = [load()]
        # a fresh clone: an empty numba cache, so the run pays the kernels' compile (the onstart warm-up)
        done, wall = snakemake(workdir, cores=args.cores, env={"NUMBA_CACHE_DIR": str(workdir / "numba_cache")})
        loads.append(load())
        (workdir / "e2e_wall.json").write_text(
            json.dumps({"wall_s": wall, "cpu_s": done.cpu_s, "cores": args.cores, "load": loads})
        )
    run = json.loads((workdir / "e2e_wall.json").read_text())
    wall, cores = run["wall_s"], run["cores"]
    # the warm-up's log is its one JSON line (scripts/paper_a/warmup.py)
    warmup = json.loads((workdir / "logs" / "warmup" / "paper_a_kernel.log").read_text().strip().splitlines()[-1])
    specs = default_specs(workdir / "config.yaml")
    jobs = []
    benchmarks = []  # (benchmark file, experiment, cell id, job log); a cell id has slashes (law=.../b=...)
    for folder, log_folder in (("train", "train"), ("tails", "tails")):
        for tsv in sorted((workdir / "benchmarks" / folder).rglob("*.tsv")):
            rel = tsv.relative_to(workdir / "benchmarks" / folder).with_suffix("")
            experiment, cell_id = ("tails", str(rel)) if folder == "tails" else (rel.parts[0], "/".join(rel.parts[1:]))
            benchmarks.append((tsv, experiment, cell_id, workdir / "logs" / log_folder / f"{rel}.log"))
    others = {}  # jobs with a benchmark: file that are not cells (the tails study's summary and conjecture jobs)
    for tsv, experiment, cell_id, log in benchmarks:
        table = benchmark_table(tsv)
        if (experiment, cell_id) not in specs:
            others[f"{experiment}/{cell_id}"] = {"job_s": float(table["s"]), "max_rss_mb": float(table["max_rss"])}
            continue
        study, spec = specs[(experiment, cell_id)]
        cell_file = workdir / BY_NAME[study].file_of(experiment, cell_id)
        jobs.append(
            {
                "cell": f"{experiment}/{cell_id}",
                "study": study,
                "job_s": float(table["s"]),
                "max_rss_mb": float(table["max_rss"]),
                "declared_mem_mb": BY_NAME[study].resources(spec)["mem_mb"],
                "compute_s": compute_seconds(log),
                "compute_cpu_s": compute_seconds(log, "compute_cpu_seconds"),
                "parquet_bytes": cell_file.stat().st_size,
            }
        )
    no_compute = [j["cell"] for j in jobs if j["compute_s"] is None]  # a log without a compute line: counted as 0
    compute = sum(j["compute_s"] or 0.0 for j in jobs)
    job_time = sum(j["job_s"] for j in jobs)
    share = 1 - job_time / (cores * wall)
    logs = sorted((workdir / ".snakemake" / "log").glob("*.snakemake.log"))
    by_rule = rule_walls(logs[-1]) if logs else {}
    counts = {study: sum(j["study"] == study for j in jobs) for study in BY_NAME}
    detail = {
        "train_jobs": len(jobs),
        "train_jobs_per_study": counts,
        "cell_compute_s": compute,
        "train_job_wall_s": job_time,
        "capacity_s": cores * wall,
        "train_job_overhead_s": job_time - compute,
        "other_rules_and_idle_s": cores * wall - job_time,
        "other_jobs_with_benchmark_files": others,
        "cells_without_a_compute_line": no_compute,
        "wall_s_per_rule_from_snakemake_log": by_rule,
        "warmup": warmup,
        "load": run["load"],
    }
    described = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    report.row(
        f"4 end to end, default config ({described} cells with a benchmark: file), {cores} cores, fresh clone: "
        "total wall",
        wall,
        f"<= {E2E_BUDGET_S}",
        wall <= E2E_BUDGET_S,
        unit="s",
        detail=detail,
    )
    report.row(
        "4 of which the kernels' compile (onstart warm-up, cold numba cache), wall",
        warmup["seconds"],
        "report",
        None,
        unit="s",
        detail=warmup,
    )
    for study in ("paper_a", "paper_b"):  # their logs' compute_seconds is wall time (the tails study's is CPU)
        mine = [j for j in jobs if j["study"] == study and j["compute_s"] is not None]
        if mine:
            overhead = float(np.median([j["job_s"] - j["compute_s"] for j in mine]))
            report.row(
                f"4 per-job overhead in the default run, {study}: train job wall - cell compute (its log), median "
                f"of {len(mine)} jobs",
                overhead,
                "<= 0.5",
                overhead <= 0.5,
                unit="s",
                detail={
                    "sum_job_s": sum(j["job_s"] for j in mine),
                    "sum_compute_s": sum(j["compute_s"] for j in mine),
                    "sum_compute_cpu_s": sum(j["compute_cpu_s"] or 0.0 for j in mine),
                },
            )
    per_study = {}
    for j in jobs:
        entry = per_study.setdefault(j["study"], {"cells": 0, "job_s": 0.0, "compute_s": 0.0, "cpu_s": 0.0})
        entry["cells"] += 1
        entry["job_s"] += j["job_s"]
        entry["compute_s"] += j["compute_s"] or 0.0
        # paper A and B: compute_cpu_seconds (training and writing); tails: its cpu_seconds_* (compute_s)
        entry["cpu_s"] += j["compute_cpu_s"] if j["compute_cpu_s"] is not None else (j["compute_s"] or 0.0)
    report.row(
        "4 cells' CPU per study (their logs; paper A and B: training and writing, tails: cpu_seconds_*) / jobs' wall",
        ", ".join(f"{k} {v['cpu_s']:.0f} s / {v['job_s']:.0f} s ({v['cells']})" for k, v in per_study.items()),
        "report",
        None,
        detail=per_study,
    )
    if by_rule:
        ranked = sorted(by_rule.items(), key=lambda kv: -kv[1]["wall_s"])
        report.row(
            "4 job wall per rule, summed over its jobs (Snakemake's log, 1 s stamps), the largest six",
            ", ".join(f"{name} {v['wall_s']:.0f} s/{v['jobs']}" for name, v in ranked[:6]),
            "report",
            None,
            detail={"all_rules": by_rule, "sum_s": sum(v["wall_s"] for v in by_rule.values())},
        )
    report.row(
        "4 share of the cores' time outside the train jobs (their benchmark: files)",
        share,
        "<= 15%",
        share <= 0.15,
        unit="share",
        detail=detail,
    )
    report.row(
        "4 share of the cores' time outside the cells' compute (job logs: also job start-up and IO)",
        1 - compute / (cores * wall),
        "report",
        None,
        unit="share",
    )
    cell_cpu = [j["compute_cpu_s"] for j in jobs if j["compute_cpu_s"] is not None]
    if "cpu_s" in run:  # CPU time: what other processes on a shared machine do not lengthen
        share_cpu = 1 - sum(cell_cpu) / run["cpu_s"]
        report.row(
            f"4 share of all CPU time (Snakemake and every job, {run['cpu_s']:.0f} s) outside the training and "
            f"writing of the {len(cell_cpu)} paper-A and B cells",
            share_cpu,
            "report",
            None,
            unit="share",
            detail={"cells_cpu_s": sum(cell_cpu), "total_cpu_s": run["cpu_s"]},
        )
    sizes = [j["parquet_bytes"] for j in jobs]
    report.row(
        "5 Parquet bytes per cell (mean / max over the default cells)",
        f"{np.mean(sizes):,.0f} / {max(sizes):,}",
        "report",
        None,
        unit="B",
    )
    top = max(jobs, key=lambda j: j["max_rss_mb"] / j["declared_mem_mb"])
    report.row(
        f"5 peak RSS / declared mem_mb, default train jobs (max, {top['cell']}: {top['max_rss_mb']:.0f} of "
        f"{top['declared_mem_mb']} MB)",
        top["max_rss_mb"] / top["declared_mem_mb"],
        "<= 1",
        top["max_rss_mb"] <= top["declared_mem_mb"],
    )
    (OUT / "e2e_jobs.json").write_text(json.dumps(jobs, indent=1))


def measure_memory(args, report):
    """5. peak RSS of the largest default paper-A cell, run as its job runs (scripts/paper_a/train.py)."""
    import yaml

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    paper_a_grid.validate(config)  # paper A's rules only: the measure does not need the other studies' grids
    specs = [s for cells in paper_a_grid.cells(config).values() for s in cells.values()]
    spec = max(specs, key=lambda s: (cost.resources(s)["mem_mb"], cost.seconds(s)))  # largest memory, then longest
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / "largest.parquet"
    job = [
        sys.executable,
        str(REPO / "scripts" / "paper_a" / "train.py"),
        "--spec",
        json.dumps(spec),
        "--out",
        str(out),
    ]
    probe = (
        "import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(p.stdout); print('maxrss_kb=%d' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
        "sys.exit(p.returncode)"
    )
    before = load()
    done = subprocess.run(
        [sys.executable, "-c", probe, *job],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=True,
    )
    rss_mb = int(re.search(r"maxrss_kb=(\d+)", done.stdout).group(1)) / 1024
    declared = cost.resources(spec)["mem_mb"]
    name = (
        f"{spec['experiment']} {spec['law_name']} d={spec['law']['d']} b={spec['b']} R={spec['runs']} "
        f"T={spec['iterations']}, {spec['sampler']}"
    )
    report.row(
        f"5 peak RSS of the largest default paper-A cell ({name}) / its declared mem_mb ({declared} MB)",
        rss_mb / declared,
        "<= 1",
        rss_mb <= declared,
        detail={
            "peak_rss_mb": rss_mb,
            "spec": spec,
            "cost_mem_mb_declared": declared,
            "cost_seconds_expected": cost.seconds(spec),
            "compute_s": compute_seconds_from(done.stdout),
            "parquet_bytes": out.stat().st_size,
            "load": [before, load()],
        },
    )
    report.row("5 peak RSS of that cell", rss_mb, "report", None, unit="MB")
    report.row("5 Parquet bytes of that cell", out.stat().st_size, "report", None, unit="B")


MEASURES = {"3": measure_job, "4": measure_e2e, "5": measure_memory, "6": measure_scaling}


# --------------------------------------------------------------------------- reporting


class Report:
    def __init__(self):
        self.rows = []

    def row(self, measure, value, budget, ok, unit="", detail=None):
        self.rows.append(
            {"measure": measure, "value": value, "unit": unit, "budget": budget, "pass": ok, "detail": detail or {}}
        )
        print(f"  {self.format(self.rows[-1])}", flush=True)

    @staticmethod
    def format_value(row):
        value = row["value"]
        if isinstance(value, float):
            text = f"{value:.1%}" if row["unit"] == "share" else f"{value:.3g}" if value < 100 else f"{value:.0f}"
            return text + ("" if row["unit"] in ("share", "") else f" {row['unit']}")
        return f"{value}" + (f" {row['unit']}" if row["unit"] else "")

    def format(self, row):
        verdict = {True: "pass", False: "FAIL", None: ""}[row["pass"]]
        return f"{row['measure']:<88} {self.format_value(row):>16} {row['budget']:>9} {verdict}"

    def table(self) -> str:
        lines = ["| measure | value | budget | pass |", "| --- | ---: | ---: | --- |"]
        for row in self.rows:
            verdict = {True: "pass", False: "**fail**", None: "–"}[row["pass"]]
            lines.append(f"| {row['measure']} | {self.format_value(row)} | {row['budget']} | {verdict} |")
        return "\n".join(lines)


def machine() -> dict:
    model = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model,
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "relu_lib": os.path.relpath(Path(train.__file__).parent, REPO),
        "load_at_start": load(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=sorted(MEASURES), help="measures to run (default: all)")
    parser.add_argument("--skip-e2e", action="store_true", help="skip measure 4 (the default config, minutes)")
    parser.add_argument("--e2e-dir", help="working directory of the end-to-end run (default benchmarks/out/e2e)")
    parser.add_argument(
        "--e2e-config", default=str(REPO / "config.yaml"), help="config of measure 4 (default: config.yaml)"
    )
    parser.add_argument("--e2e-reuse", action="store_true", help="read an earlier end-to-end run, do not rerun it")
    parser.add_argument("--cores", type=int, default=2, help="cores of the end-to-end run (default 2)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of each timing; minima are kept")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke test of the suite)")
    parser.add_argument("--out", default=str(RESULTS), help="JSON results file")
    args = parser.parse_args()

    wanted = set(args.only or MEASURES) - ({"4"} if args.skip_e2e else set())
    info = machine()
    print(f"relu-repro performance suite: {info['cpu']}, {info['nproc']} cores, load {info['load_at_start']}")
    report = Report()
    start = time.perf_counter()
    done = set()
    for key in sorted(wanted):
        fn = MEASURES[key]
        if fn in done:
            continue
        done.add(fn)
        print(f"[{fn.__doc__.strip().splitlines()[0]}]", flush=True)
        fn(args, report)
    info["load_at_end"] = load()
    info["suite_seconds"] = time.perf_counter() - start
    info["command"] = "python benchmarks/run.py " + " ".join(sys.argv[1:])
    print("\n" + report.table())
    failed = [r["measure"] for r in report.rows if r["pass"] is False]
    print(
        f"\n{len(report.rows)} figures, {len(failed)} over budget; {info['suite_seconds']:.0f} s; "
        f"load {info['load_at_start']} -> {info['load_at_end']}"
    )
    Path(args.out).write_text(
        json.dumps({"machine": info, "rows": report.rows, "table": report.table()}, indent=1, default=float)
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
