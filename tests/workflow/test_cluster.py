"""The tiny config on a real single-node SLURM (profiles/slurm) gives the same numbers as locally.

Opt-in (CI sets RELU_CLUSTER_TEST=1): it installs Debian's SLURM packages, starts munge, MariaDB,
slurmdbd, slurmctld and slurmd as root, and tears them down (tests/cluster/run_cluster_test.sh).
"""

import os
import shutil
import subprocess

import pandas as pd
import pytest
from conftest import REPO, SMOKE_CONFIG

pytestmark = pytest.mark.skipif(
    os.environ.get("RELU_CLUSTER_TEST") != "1",
    reason="set RELU_CLUSTER_TEST=1 to bring up a real SLURM (needs root and apt)",
)


def trajectory_tables(workdir):
    root = workdir / "results" / "trajectories"
    return {p.relative_to(root): pd.read_parquet(p) for p in sorted(root.rglob("data.parquet"))}


def verdicts(workdir):
    frame = pd.read_parquet(workdir / "results" / "bounds" / "all_checks.parquet")
    return frame.assign(verdict=frame["verdict"].astype(str))


def test_slurm_run_matches_local_run(tmp_path, smoke_run):
    """The tiny config through SLURM against the session's local run of it (tests/conftest.py)."""
    cluster = tmp_path / "cluster"
    cluster.mkdir()
    shutil.copy(SMOKE_CONFIG, cluster / "config.yaml")
    run = subprocess.run(
        [str(REPO / "tests" / "cluster" / "run_cluster_test.sh"), str(REPO / "Snakefile"), str(cluster)],
        capture_output=True,
        text=True,
        timeout=2400,
        stdin=subprocess.DEVNULL,
    )
    print(run.stdout[-6000:], run.stderr[-3000:])  # the sacct table lands in the CI log
    if "SKIPPED:" in run.stdout:
        pytest.skip(run.stdout.split("SKIPPED:", 1)[1].strip())
    assert run.returncode == 0
    summary = [line for line in run.stdout.splitlines() if line.startswith("CLUSTER_TEST")][0]
    fields = dict(part.split("=") for part in summary.split()[1:])
    assert int(fields["sbatch_jobs"]) >= 1 and fields["not_completed"] == "0", summary
    on_cluster, here = trajectory_tables(cluster), trajectory_tables(smoke_run)
    assert on_cluster.keys() == here.keys() and here
    assert {p.parts[0] for p in here} >= {"batch_size", "attack_probability", "milder_conditions", "trajectories"}
    for path, table in here.items():
        pd.testing.assert_frame_equal(on_cluster[path], table, check_exact=True, obj=str(path))
    pd.testing.assert_frame_equal(verdicts(cluster), verdicts(smoke_run), check_exact=True)
    assert (cluster / "figures" / "bound_checks.md").exists()
