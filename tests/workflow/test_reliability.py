"""Reliability and reproducibility (issue #7), through real Snakemake runs of a tiny grid.

The grid has a converging experiment (`attack_probability`, law `normal`: N(0, I_4), eta = 0.05) and two
whose runs diverge within a few steps, one per sampler: `attack_magnitude` on law `hot` (N(0, I_4) again, but
eta = 10: the projected sampler) and, in `milder_conditions` beside the converging law `shifted`, law
`hot_wide` (N(0, 30^2 I_4), so eta sigma^2 = 45: every input drawn, the any-law checks). Every cell of a
law named `hot...` diverges, no other does. Four fresh working directories share the grid:

  killed    the whole workflow with --cores 2, SIGKILLed while train jobs run, unlocked and rerun;
  cores2    the train jobs only, --cores 2, uninterrupted: the reference;
  reversed  the train jobs only, --cores 1, one Snakemake call per cell in reverse order;
  extended  the train jobs only, --cores 2, with one more theta.

`killed` runs from a copy of the workflow and package (PYTHONPATH points at it), so the last tests
can edit the copy's code and ask Snakemake what it would rerun.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REPO, snakemake

import relu_lib
from relu_lib import config as relu_config
from relu_lib import provenance
from relu_lib.currency import MARKER
from relu_lib.io import read_table, write_table
from relu_lib.paper_a import checks
from relu_lib.paper_a.cell import ALGORITHMS, CellSpec
from relu_lib.paper_a.study import FIGURES as A_FIGURES
from relu_lib.paper_a.trainer import recorded_steps

HOT = "law=hot"  # the cells of laws hot and hot_wide: every run diverges
EXPERIMENT = {"batch_sizes": [4], "iterations": 100, "runs": 4, "checkpoints": 8}
TINY = {
    "seed": 3,
    "laws": {
        "normal": {"family": "normal", "d": 4, "sigma": 1.0},
        "hot": {"family": "normal", "d": 4, "sigma": 1.0},
        "hot_wide": {"family": "normal", "d": 4, "sigma": 30.0},
        "shifted": {"family": "shifted_normal", "d": 4, "shift": 1.5},
    },
    "paper_a": {
        "w_star_scale": 1.0,
        "start_scale": 1.0,
        "moment_samples": 1000,
        "experiments": {
            "attack_probability": {
                "laws": ["normal"],
                "attack": "alternating",
                "betas": [0, 0.5],
                "thetas": [0.5],
                "eta": 0.05,
                **EXPERIMENT,
            },
            "attack_magnitude": {
                "laws": ["hot"],
                "attack": "alternating",
                "betas": [0.5],
                "thetas": [0.5],
                "eta": 10.0,
                **EXPERIMENT,
            },
            "milder_conditions": {
                "laws": ["shifted", "hot_wide"],
                "attack": "none",
                "betas": [0],
                "thetas": [0],
                "eta": 0.05,
                "start": "fixed",
                **EXPERIMENT,
            },
        },
    },
    "paper_b": {
        "n0_samples": 1000,
        "success_threshold": 1e-6,
        "experiments": {
            "trajectories": {
                "constraints": ["l1"],
                "sizes": [{"s": 2, "d": 20}],
                "n": [30],
                "trials": 3,
                "iterations": 5,
            }
        },
    },
    "checks": {"z": 3, "epsilon": 0.05, "delta": 0.1, "fail_on_violation": False},
}
ALL_CELLS = relu_config.cells(relu_config.load(TINY))
CELLS = ALL_CELLS["paper_a"]
TRAIN_TARGETS = [f"results/trajectories/{exp}/{cell}/data.parquet" for exp, cells in CELLS.items() for cell in cells]
CELLS_B = ALL_CELLS["paper_b"]
TRAIN_TARGETS_B = [
    f"results/trajectories/{exp}/{cell}/data.parquet" for exp, cells in CELLS_B.items() for cell in cells
]
FIGURES_A = [f for f in A_FIGURES if f.wanted(CELLS)]
CORE_LIBRARIES = ("numpy", "pandas", "pyarrow", "snakemake")


def extended_config() -> dict:
    config = json.loads(json.dumps(TINY))
    config["paper_a"]["experiments"]["attack_probability"]["thetas"] = [0.5, 1.0]
    return config


def workdir_with(tmp_path_factory, name: str, config: dict) -> Path:
    workdir = tmp_path_factory.mktemp(name)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return workdir


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result


def job_counts(output: str) -> dict:
    """{rule: number of jobs} from Snakemake's "Job stats" table ({} when nothing is to be done)."""
    if "Job stats:" not in output:
        return {}
    table = output.split("Job stats:")[1].split("total")[0]
    return {m[0]: int(m[1]) for m in re.findall(r"^(\w+)\s+(\d+)$", table, re.M)}


def snapshot(workdir: Path) -> dict:
    """{relative path: (rows, key-value metadata, sha256 of the bytes)} of every trajectory Parquet
    and JSON file (paper B's n0) under results/."""
    out = {}
    for path in sorted((workdir / "results").rglob("*")):
        if path.suffix == ".parquet" and "trajectories" in path.parts:
            table = pq.read_table(path)
            out[str(path.relative_to(workdir))] = (
                table.to_pandas(),
                table.schema.metadata,
                hashlib.sha256(path.read_bytes()).hexdigest(),
            )
        elif path.suffix == ".json" and path.name != Path(MARKER).name:  # the run's record of its config
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            out[str(path.relative_to(workdir))] = (None, path.read_text(), digest)
    return out


def assert_identical(got: dict, expected: dict, paths) -> None:
    """Every column and row equal (NaN = NaN), the metadata equal, and the files bit-identical."""
    for path in paths:
        (rows, meta, digest), (rows0, meta0, digest0) = got[path], expected[path]
        if rows is not None:
            pd.testing.assert_frame_equal(rows, rows0, check_exact=True, obj=path)
        assert meta == meta0, f"{path}: metadata differs"
        assert digest == digest0, f"{path}: same data and metadata but different bytes"


# --- the runs ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def code_copy(tmp_path_factory) -> Path:
    """The workflow and the package copied, so a test can change code without touching the repo."""
    root = tmp_path_factory.mktemp("code")
    for name in ("Snakefile", "rules", "scripts", "relu_lib", "profiles"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, root / name)
    return root


def copy_command(code: Path, workdir: Path, *args) -> tuple[list, dict]:
    """Snakemake on the copy. Run it from `workdir`: `python -m` puts the current directory first
    on sys.path, so from the repository root the Snakefile would import the repository's relu_lib."""
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(code / "Snakefile"),
        "--directory",
        str(workdir),
        *args,
    ]
    return cmd, {**os.environ, "PYTHONPATH": str(code)}


def run_copy(code: Path, workdir: Path, *args) -> subprocess.CompletedProcess:
    cmd, env = copy_command(code, workdir, *args)
    return subprocess.run(
        cmd, env=env, cwd=workdir, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL
    )


@pytest.fixture(scope="module")
def killed(tmp_path_factory, code_copy) -> dict:
    """The whole workflow, SIGKILLed (Snakemake and its jobs: the process group) once at least one
    train job has finished and another has started; then `--unlock` and a rerun to the end."""
    workdir = workdir_with(tmp_path_factory, "killed", TINY)
    cmd, env = copy_command(code_copy, workdir, "--cores", "2")
    with open(workdir / "first_run.txt", "w") as log:
        proc = subprocess.Popen(
            cmd,
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        done, started = wait_for_train_jobs(workdir, proc)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    wait_until_group_gone(proc.pid)  # no orphaned job may write during the rerun
    results = workdir / "results"
    state = {
        "running_when_killed": sorted(set(started) - set(done)),
        "done_after_kill": [t for t in TRAIN_TARGETS if (workdir / t).exists()],
        "parquet_after_kill": {str(p.relative_to(workdir)): readable(p) for p in results.rglob("*.parquet")},
    }
    ok(run_copy(code_copy, workdir, "--unlock"))
    state["rerun"] = ok(run_copy(code_copy, workdir, "--cores", "2"))
    return {"workdir": workdir, **state}


def wait_for_train_jobs(workdir: Path, proc, timeout: float = 300) -> tuple[list, list]:
    """Poll until some train outputs exist and a train job is running (its log exists, its
    output does not). A job's shell redirection creates its log when the job starts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [t for t in TRAIN_TARGETS if (workdir / t).exists()]
        started = [t for t in TRAIN_TARGETS if train_log(workdir, t).exists()]
        if done and len(started) > len(done):
            return done, started
        assert proc.poll() is None, "the run ended before the kill: " + (workdir / "first_run.txt").read_text()[-2000:]
        time.sleep(0.02)
    raise AssertionError("no train job started in time")


def wait_until_group_gone(pgid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError("processes of the killed run are still alive")


def train_log(workdir: Path, target: str) -> Path:
    cell = target.removeprefix("results/trajectories/").removesuffix("/data.parquet")
    return workdir / "logs" / "train" / f"{cell}.log"


def readable(path: Path) -> bool:
    try:
        read_table(path)
        return True
    except Exception:  # noqa: BLE001  (any failure counts as unreadable)
        return False


@pytest.fixture(scope="module")
def cores2(tmp_path_factory) -> Path:
    workdir = workdir_with(tmp_path_factory, "cores2", TINY)
    ok(snakemake(workdir, "--cores", "2", *TRAIN_TARGETS))
    return workdir


@pytest.fixture(scope="module")
def reversed_run(tmp_path_factory) -> Path:
    workdir = workdir_with(tmp_path_factory, "reversed", TINY)
    for target in reversed(TRAIN_TARGETS):
        ok(snakemake(workdir, "--cores", "1", target))
    return workdir


@pytest.fixture(scope="module")
def extended(tmp_path_factory) -> Path:
    workdir = workdir_with(tmp_path_factory, "extended", extended_config())
    cells = relu_config.cells(relu_config.load(extended_config()))["paper_a"]
    targets = [f"results/trajectories/{exp}/{cell}/data.parquet" for exp, c in cells.items() for cell in c]
    ok(snakemake(workdir, "--cores", "2", *targets))
    return workdir


# --- determinism ------------------------------------------------------------------------------


def test_one_or_two_cores_rerun_from_scratch_and_job_order_give_identical_files(cores2, reversed_run):
    """--cores 2 in one call vs --cores 1, from scratch, one cell per call in reverse order (both samplers,
    converging and diverging runs)."""
    got, expected = snapshot(reversed_run), snapshot(cores2)
    assert set(got) == set(expected) and len([p for p in got if p.endswith(".parquet")]) == len(TRAIN_TARGETS)
    assert_identical(got, expected, expected)


def test_adding_a_grid_value_leaves_existing_cells_identical(cores2, extended):
    got, expected = snapshot(extended), snapshot(cores2)
    assert len(set(got) - set(expected)) == 2  # theta = 1 for both betas
    assert_identical(got, expected, expected)
    # and in the old working directory, the new value plans only the new cells
    (cores2 / "extended.yaml").write_text(yaml.safe_dump(extended_config(), sort_keys=False))
    new = "results/trajectories/attack_probability/law=normal/b=4/adv=alternating/beta=0.5/theta=1/data.parquet"
    plan = ok(
        snakemake(
            cores2, *TRAIN_TARGETS, new, "--dry-run", "--cores", "2", "--configfile", str(cores2 / "extended.yaml")
        )
    )
    assert job_counts(plan.stdout) == {"train_a": 1}


# --- crash safety -----------------------------------------------------------------------------


def test_kill_lands_during_train_jobs_and_leaves_no_truncated_file(killed):
    assert killed["running_when_killed"]
    assert 0 < len(killed["done_after_kill"]) < len(TRAIN_TARGETS)
    assert killed["parquet_after_kill"] and all(killed["parquet_after_kill"].values()), killed["parquet_after_kill"]


def test_killed_then_rerun_equals_an_uninterrupted_run(killed, cores2, code_copy):
    got, expected = snapshot(killed["workdir"]), snapshot(cores2)
    assert_identical(got, expected, expected)
    workdir = killed["workdir"]
    assert not [*(workdir / "results").rglob("*.tmp"), *(workdir / "figures").rglob("*.tmp")]
    assert {"fig2", "fig3", "fig4", "fig5", "alg2_vs_sgd", "milder"} <= {f.id for f in FIGURES_A}
    for figure in FIGURES_A:
        for ext in figure.extensions:
            size = (workdir / "figures" / "paper_a" / f"{figure.stem}.{ext}").stat().st_size
            assert size > (10_000 if ext == "png" else 100), (figure.stem, ext)
    assert all(readable(p) for p in (workdir / "results").rglob("*.parquet"))
    assert "Nothing to be done" in ok(run_copy(code_copy, workdir, "--dry-run", "--cores", "1")).stdout


KILLED_WRITER = """
import sys, time
from relu_lib import io

with io.atomic_output(sys.argv[1]) as handle:  # a writer killed half-way through its file
    handle.write(b"PAR1" + bytes(4096)); handle.flush()
    print("writing", flush=True); time.sleep(600)
"""


def test_a_writer_killed_mid_file_leaves_only_a_hidden_temp_file(tmp_path):
    """The atomic-rename discipline itself: SIGKILL a writer half-way through its bytes."""
    target = tmp_path / "cell" / "data.parquet"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not target.exists()  # never a truncated file under the final name
    (stale,) = target.parent.glob(".data.parquet.*.tmp")
    # readers of the experiment directory skip it (hidden name) ...
    write_table(tmp_path / "cell2" / "data.parquet", pa.table({"x": [2.0]}), {})
    assert pq.read_table(tmp_path, columns=["x"]).column("x").to_pylist() == [2.0]
    # ... and the next write of the same file (the rerun of the killed job) removes it
    write_table(target, pa.table({"x": [1.0]}), {})
    assert not stale.exists() and read_table(target)[0].num_rows == 1


# --- divergence -------------------------------------------------------------------------------


def trajectories(killed, experiment, law) -> list:
    """[(rows, spec)] of every cell of `law` in `experiment`."""
    root = killed["workdir"] / "results" / "trajectories" / experiment
    out = []
    for path in sorted(root.glob(f"law={law}/**/data.parquet")):
        rows = read_table(path)[0].to_pandas()
        rows["algorithm"] = rows["algorithm"].astype(str)
        out.append((rows, CELLS[experiment][str(path.parent.relative_to(root))]))
    return out


# (experiment, diverging law, an experiment and law beside it that converge): both samplers
DIVERGING = [
    ("attack_magnitude", "hot", "attack_probability", "normal"),  # projected sampler, exact checks
    ("milder_conditions", "hot_wide", "milder_conditions", "shifted"),  # every input drawn, any-law checks
]


@pytest.mark.parametrize("experiment,law,calm_experiment,calm_law", DIVERGING, ids=[d[1] for d in DIVERGING])
def test_diverged_runs_are_flagged_with_their_step_and_the_run_continues(
    killed, experiment, law, calm_experiment, calm_law
):
    ((rows, spec),) = trajectories(killed, experiment, law)
    steps = recorded_steps(CellSpec.from_json(spec))
    assert rows["step"].max() == spec["iterations"]  # every checkpoint recorded
    assert len(rows) == len(steps) * len(ALGORITHMS) * spec["runs"]
    last = rows[rows["step"] == spec["iterations"]]
    assert last["diverged"].all() and last["error"].isna().all()
    for (algorithm, run), path in rows.sort_values("step").groupby(["algorithm", "run"]):
        flags = path["diverged"].to_numpy()
        assert (np.diff(flags.astype(int)) >= 0).all(), (algorithm, run)  # flagged from its step on
        first = path.loc[path["diverged"], "step"].min()
        assert 0 < first <= spec["iterations"], (algorithm, run)
        before, after = path[path["step"] < first], path[path["step"] > first]
        assert np.isfinite(before[["error", "along_u", "along_v"]].to_numpy()).all(), (algorithm, run)
        assert after[["error", "along_u", "along_v"]].isna().all().all(), (algorithm, run)
        at = path.loc[path["step"] == first, "error"]  # the checkpoint of divergence: as it was, or NaN
        assert (at.isna() | (at > 1e5)).all(), (algorithm, run)
    calm = trajectories(killed, calm_experiment, calm_law)
    assert calm and all(not rows["diverged"].any() and rows["error"].notna().all() for rows, _ in calm)


def test_summary_reports_the_diverged_fraction(killed):
    results = killed["workdir"] / "results" / "summary"
    summary = pd.concat(
        [read_table(results / f"{e}.parquet")[0].to_pandas().assign(experiment=e) for e in CELLS], ignore_index=True
    )
    summary["algorithm"] = summary["algorithm"].astype(str)
    hot = summary[summary["law"].str.startswith("hot")]
    assert set(hot["experiment"]) == {"attack_magnitude", "milder_conditions"}
    last = hot[hot["step"] == hot["step"].max()]
    assert len(last) == 2 * len(ALGORITHMS)
    assert (last["diverged_fraction"] == 1).all() and last["mean_error"].isna().all() and (last["runs"] == 0).all()
    for _, curve in hot.sort_values("step").groupby(["experiment", "algorithm"]):
        assert curve["diverged_fraction"].is_monotonic_increasing
        assert curve.loc[curve["diverged_fraction"] > 0, "step"].min() > 0  # the first divergence, after the start
    calm = summary[~summary["law"].str.startswith("hot")]
    assert (calm["diverged_fraction"] == 0).all() and calm["mean_error"].notna().all()


MOMENT_FAMILIES = (checks.EXACT, checks.EXACT_U, checks.EXACT_V, checks.ANY_MEAN, checks.ANY_SECOND)


def test_bound_checks_of_diverged_cells_are_not_applicable(killed):
    """Every row of a diverged cell is not applicable: the reason names the divergence, or, for a statement whose
    hypotheses the cell is outside of anyway (its `regime`, e.g. a step far above the theorem's), says which."""
    rows = read_table(killed["workdir"] / "results" / "bounds" / "all_checks.parquet")[0].to_pandas()
    hot = rows[rows["cell"].str.contains(HOT)]
    assert set(hot["experiment"]) == {"attack_magnitude", "milder_conditions"}
    assert set(hot["check"]) >= {checks.EXACT, checks.EXACT_U, checks.EXACT_V, checks.ANY_MEAN, checks.ANY_SECOND}
    assert (hot["verdict"].astype(str) == "not_applicable").all(), hot[["check", "verdict", "reason"]].to_string()
    inside = hot[hot["regime"] == "inside"]
    assert inside["check"].isin(MOMENT_FAMILIES).sum() >= 8  # the exact and the any-law rows
    assert inside["reason"].str.contains("diverged").all(), inside["reason"].tolist()
    outside = hot[hot["regime"] != "inside"]
    assert (outside["reason"] == outside["regime"]).all() and (outside["reason"] != "").all()
    calm = rows[~rows["cell"].str.contains(HOT) & rows["check"].isin(MOMENT_FAMILIES)]
    assert len(calm) and (calm["verdict"].astype(str) != "not_applicable").all()
    assert not rows.loc[~rows["cell"].str.contains(HOT), "reason"].str.contains("diverged").any()


def diverged_labels(fig) -> list[list[str]]:
    """Per panel with a legend, its entries that state a share of diverged runs."""
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    return [[t.get_text() for t in legend.get_texts() if "diverged" in t.get_text()] for legend in legends]


def test_figures_show_the_diverged_fraction(killed):
    """Figures 3 and 5 (attack_magnitude: every run of its one cell diverges) and the milder-conditions panel of
    law hot_wide state in the legend the share of each curve's runs that diverged; no other legend does."""
    from relu_lib.paper_a.figures import PLOTS

    results = killed["workdir"] / "results"
    table = lambda kind, exp: read_table(results / kind / f"{exp}.parquet")[0].to_pandas()  # noqa: E731
    summaries = {e: table("summary", e) for e in CELLS}
    curves = {e: table("curves", e) for e in CELLS}
    for figure in ("fig3", "fig5"):
        labels = diverged_labels(PLOTS[figure](None, summaries, curves))
        assert len(labels) == 1 and len(labels[0]) == 1, (figure, labels)  # one panel, its one curve
        assert labels[0][0].endswith(" (100% of runs diverged)"), (figure, labels)
    for figure in ("fig2", "fig4"):
        assert diverged_labels(PLOTS[figure](None, summaries, curves)) == [[]], figure
    labels = diverged_labels(PLOTS["milder"](None, summaries, curves))  # the panels: shifted, then hot_wide
    assert labels == [[], [f"{name} (100% of runs diverged)" for name in ("Algorithm 2", "S.G.D.")]], labels


# --- provenance -------------------------------------------------------------------------------


def assert_stamp(prov: dict, writer: str, where) -> None:
    """The record names the writer's own code: its module and every relu_lib module it imports."""
    assert prov["version"] == relu_lib.__version__, where
    assert prov["code_fingerprint"] == provenance.fingerprint(writer), where
    assert prov["code_modules"] == provenance.import_closure(writer), where
    assert re.fullmatch(r"[0-9a-f]{16}", prov["config_hash"]), where
    for name in CORE_LIBRARIES:
        assert prov["libraries"][name] == metadata.version(name), where


def test_every_output_records_version_code_config_and_libraries(killed):
    workdir = killed["workdir"]
    for targets, paper in ((TRAIN_TARGETS, "paper_a"), (TRAIN_TARGETS_B, "paper_b")):
        for target in targets:
            meta = read_table(workdir / target)[1]
            assert_stamp(meta["provenance"], f"relu_lib.{paper}.trainer", target)
            assert meta["provenance"]["config_hash"] == provenance.config_hash(meta["cell"])
    for path in (workdir / "results" / "n0").rglob("*.json"):
        assert_stamp(json.loads(path.read_text())["provenance"], "relu_lib.paper_b.theory", path)
    writers = {
        **{("summary", experiment): "paper_a.summary" for experiment in CELLS},
        **{("bounds", experiment): "paper_a.checks" for experiment in CELLS},
        **{("curves", experiment): "paper_a.checks" for experiment in CELLS},
        ("summary", "trajectories"): "paper_b.summary",
        ("summary", "trajectories_cells"): "paper_b.summary",
        ("bounds", "trajectories"): "paper_b.checks",
        ("bounds", "all_checks"): "bound_table",
    }
    for (kind, stem), writer in writers.items():
        path = workdir / "results" / kind / f"{stem}.parquet"
        assert_stamp(read_table(path)[1]["provenance"], f"relu_lib.{writer}", path)
    b_cell = read_table(workdir / TRAIN_TARGETS_B[0])[1]["provenance"]["code_modules"]
    assert "relu_lib.paper_b.pgd" in b_cell and not any(m.startswith("relu_lib.paper_a") for m in b_cell)
    a_cell = read_table(workdir / TRAIN_TARGETS[0])[1]["provenance"]["code_modules"]
    assert {"relu_lib.paper_a.kernel", "relu_lib.paper_a.projected"} <= set(a_cell)  # both samplers' code
    assert not any(m.startswith("relu_lib.paper_b") for m in a_cell)
    prov = read_table(workdir / "results" / "bounds" / "all_checks.parquet")[1]["provenance"]
    for page in ("bound_checks.md", "bound_checks.html"):  # the HTML page is the report's verdict table
        report = (workdir / "figures" / page).read_text()
        for text in (
            relu_lib.__version__,
            prov["code_fingerprint"],
            prov["config_hash"],
            *(f"{name} {metadata.version(name)}" for name in CORE_LIBRARIES),
        ):
            assert text in report, (page, text)


def test_figures_carry_the_provenance_in_their_metadata(killed):
    from PIL import Image

    for name, writer in (
        ("paper_a/fig2_attack_probability", "relu_lib.paper_a.figures"),
        ("B1_trajectories", "relu_lib.paper_b.figures"),
    ):
        figure = killed["workdir"] / "figures" / name
        prov = json.loads(Image.open(figure.with_suffix(".png")).text["relu_repro"])
        assert_stamp(prov, writer, figure)
        pdf = figure.with_suffix(".pdf").read_bytes()
        assert b"/Keywords" in pdf and prov["code_fingerprint"].encode() in pdf and prov["config_hash"].encode() in pdf


def planned_after_editing(killed, code_copy, module: str) -> dict:
    """The jobs `snakemake -n` plans once a comment is appended to the copy's relu_lib/<module>.py (a real
    dry run of the copy against the finished run)."""
    path = code_copy / "relu_lib" / f"{module}.py"
    original = path.read_text()
    try:
        path.write_text(original + "\n# an edit that changes no behaviour\n")
        return job_counts(ok(run_copy(code_copy, killed["workdir"], "--dry-run", "--cores", "1")).stdout)
    finally:
        path.write_text(original)


def test_changing_trainer_code_reruns_every_cell(killed, code_copy):
    jobs = planned_after_editing(killed, code_copy, "paper_a/trainer")
    assert jobs.get("train_a") == len(TRAIN_TARGETS)
    assert "train_b" not in jobs and "n0_b" not in jobs and "figure_b1" not in jobs


def test_changing_pgd_code_reruns_only_paper_b(killed, code_copy):
    jobs = planned_after_editing(killed, code_copy, "paper_b/pgd")
    assert jobs.get("train_b") == len(TRAIN_TARGETS_B) and "figure_b1" in jobs
    assert not [rule for rule in jobs if rule.endswith("_a") or rule.startswith("figure_a")]


def test_changing_plotting_code_reruns_only_the_figures(killed, code_copy):
    jobs = planned_after_editing(killed, code_copy, "paper_a/figures")
    figures = {rule for rule in jobs if rule.startswith("figure_")}
    assert figures == {f"figure_a_{figure.id}" for figure in FIGURES_A}
    assert set(jobs) - figures <= {"all", "total"}
    shared = planned_after_editing(killed, code_copy, "style")  # the one style: every figure of both papers
    assert {rule for rule in shared if rule.startswith("figure_")} == figures | {"figure_b1"}


def planned_after_overlay(killed, code_copy, tmp_path, overlay: dict) -> dict:
    """The jobs `snakemake -n` plans with `overlay` merged over the finished run's config (--configfile)."""
    path = tmp_path / "overlay.yaml"
    path.write_text(yaml.safe_dump(overlay))
    return job_counts(
        ok(run_copy(code_copy, killed["workdir"], "--dry-run", "--cores", "1", "--configfile", path)).stdout
    )


def test_changing_a_law_retrains_its_cells_only(killed, code_copy, tmp_path):
    """Every cell of the changed law reruns, although its cell ids do not change (the law is part of the cell's
    spec, a param of its job); the cells of the other laws, the same N(0, I_4) under another name included, do
    not."""
    jobs = planned_after_overlay(killed, code_copy, tmp_path, {"laws": {"normal": {"sigma": 1.5}}})
    normal = [t for t in TRAIN_TARGETS if "/law=normal/" in t]
    assert len(normal) == 2 and jobs.get("train_a") == len(normal)
    assert "train_b" not in jobs


def test_changing_the_master_seed_retrains_every_cell(killed, code_copy, tmp_path):
    jobs = planned_after_overlay(killed, code_copy, tmp_path, {"seed": 4})
    assert jobs.get("train_a") == len(TRAIN_TARGETS) and jobs.get("train_b") == len(TRAIN_TARGETS_B)


# --- foreign or corrupt input files -------------------------------------------------------------


def bad_files(root: Path) -> dict:
    """A corrupt file, a plain pandas Parquet (no relu-repro metadata) and a relu-repro Parquet of
    the wrong kind, each named data.parquet."""
    out = {}
    for kind in ("random-bytes", "plain-pandas", "wrong-kind"):
        path = root / kind / "data.parquet"
        path.parent.mkdir(parents=True)
        out[kind] = path
    out["random-bytes"].write_bytes(np.random.default_rng(0).bytes(2048))
    pd.DataFrame({"step": [0, 1], "error": [1.0, 0.5]}).to_parquet(out["plain-pandas"])
    write_table(out["wrong-kind"], pa.table({"step": [0, 1]}), {"provenance": {"config_hash": "0"}})
    return out


def script_commands(path: Path, root: Path) -> dict:
    """The steps of both papers that read Parquet written by others."""
    a, b, out = REPO / "scripts" / "paper_a", REPO / "scripts" / "paper_b", path.parent / "out"
    pair = f"attack_probability={path}"
    return {
        "summarize": [f"{a}/summarize.py", "--out", f"{out}.parquet", str(path)],
        "plot-fig2-summary": [f"{a}/figure.py", "fig2", "--out", str(out), "--summary", pair, "--curves", pair],
        "plot-milder-summary": [
            f"{a}/figure.py",
            "milder",
            "--out",
            str(out),
            "--summary",
            f"milder_conditions={path}",
            "--curves",
            f"milder_conditions={path}",
        ],
        "check_a": [
            f"{a}/check.py",
            "--experiment",
            "attack_probability",
            "--z",
            "3",
            "--moment-samples",
            "1000",
            "--epsilon",
            "0.05",
            "--delta",
            "0.1",
            "--rows",
            f"{out}_rows.parquet",
            "--curves",
            f"{out}_curves.parquet",
            "--cells",
            str(path),
        ],
        "summarize_b": [
            f"{b}/summarize.py",
            "--success-threshold",
            "1e-6",
            "--curves",
            f"{out}_b.parquet",
            "--cells",
            f"{out}_b_cells.parquet",
            str(path),
        ],
        "check_b": [
            f"{b}/check.py",
            "--experiment",
            "trajectories",
            "--z",
            "3",
            "--cells",
            str(path),
            "--out",
            f"{out}_b_rows.parquet",
        ],
        "figure_b1": [f"{b}/figure.py", "B1", "--out", f"{out}_b1", str(path)],
    }


def test_a_corrupt_or_foreign_parquet_fails_with_a_message_naming_the_file(tmp_path):
    files = bad_files(tmp_path)
    runs = [(kind, name, cmd) for kind, path in files.items() for name, cmd in script_commands(path, tmp_path).items()]

    def run(cmd):
        return subprocess.run([sys.executable, *cmd], capture_output=True, text=True, timeout=300)

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(run, [cmd for _, _, cmd in runs]))
    for (kind, name, _), result in zip(runs, results, strict=False):
        where = f"{name} on {kind}: {result.stderr}"
        assert result.returncode == 2, where
        assert result.stderr.startswith(f"error: {files[kind]}: "), where
        assert "Traceback" not in result.stderr, where
    assert not list(tmp_path.rglob("out*")), "a failing step wrote an output"
