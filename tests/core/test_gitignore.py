"""A run leaves `git status` clean: every path a run writes is git-ignored (the patterns of .gitignore, read by
`git check-ignore`), and the tracked files beside them are not."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from conftest import REPO

REPRESENTATIVE = [
    "benchmarks/tails/x.tsv",
    "benchmarks/train/a/b.tsv",
    "benchmarks/train/shards/s.tsv",
    "benchmarks/out/e2e/config.yaml",
    "results/x",
    "results/trajectories/realizable/law=normal/data.parquet",
    "results/trajectories/realizable/law=normal/.data.parquet.corrupt",
    "logs/x",
    "logs/train/realizable/law=normal.log",
    "figures/x.png",
    "figures/x.pdf",
    "figures/bound_checks.md",
    "figures/bound_checks.html",
    "figures/bound_checks.csv",
    "figures/.A1_realizable.png.abc123.tmp",
    ".snakemake/metadata/x",
    "report.html",
]
TRACKED = ["figures/README.md", "benchmarks/run.py", "benchmarks/results.json", "docs/gallery/A1_realizable.png"]
# a quoted path in the Snakefile or a rules file (output, log, benchmark), its {wildcards} filled in
RULE_PATH = re.compile(r"""["']((?:results|logs|benchmarks|figures)/[^"'\s]+)["']""")


def rule_paths() -> list[str]:
    paths = set()
    for source in [REPO / "Snakefile", *sorted((REPO / "rules").glob("*.smk"))]:
        for path in RULE_PATH.findall(source.read_text()):
            paths.add(re.sub(r"\{[^}]*\}", "x", path))
    return sorted(paths)


def ignored(paths: list[str]) -> dict[str, bool]:
    """{path: ignored by .gitignore's patterns} (`--no-index`: the patterns decide, whether a file is tracked
    or not; with -v -n every path is printed, with the pattern that decided it, '!' for a re-included one)."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(
        ["git", "-C", str(REPO), "check-ignore", "--no-index", "-v", "-n", "--stdin"],
        input="\n".join(paths) + "\n",
        capture_output=True,
        text=True,
    )
    assert out.returncode in (0, 1), out.stderr  # 0: some ignored, 1: none ignored, 128: an error
    result = {}
    for line in out.stdout.splitlines():
        source, path = line.split("\t", 1)
        pattern = source.split(":", 2)[2] if source.count(":") >= 2 else ""
        result[path] = bool(pattern) and not pattern.startswith("!")
    return result


def test_every_run_output_is_ignored():
    paths = REPRESENTATIVE + rule_paths()
    assert "benchmarks/tails/x.tsv" in rule_paths()  # the rules are read (the benchmark of the tails cells)
    result = ignored(paths)
    assert [p for p in paths if not result[p]] == []


def test_the_tracked_files_beside_them_are_not_ignored():
    result = ignored(TRACKED)
    assert [p for p in TRACKED if result[p]] == []
