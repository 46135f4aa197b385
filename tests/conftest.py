"""Shared helpers: running the real workflow through Snakemake in a scratch directory."""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # as in the pipeline's jobs: one BLAS thread per process

import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SMOKE_CONFIG = REPO / "tests" / "smoke_config.yaml"
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def snakemake(workdir: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the repository's Snakefile with `workdir` as working directory (its config.yaml)."""
    cmd = [*SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """One real run of the tiny config; tests assert on what it wrote."""
    workdir = tmp_path_factory.mktemp("smoke")
    shutil.copy(SMOKE_CONFIG, workdir / "config.yaml")
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def pytest_collection_modifyitems(config, items):
    """Every test under tests/workflow/ runs Snakemake: mark it `workflow` (deselect with -m 'not workflow')."""
    workflow_dir = REPO / "tests" / "workflow"
    for item in items:
        if workflow_dir in Path(item.fspath).parents:
            item.add_marker(pytest.mark.workflow)
