"""LICENSE, CITATION.cff and CHANGELOG.md exist and agree with the package version; CITATION.cff is
valid against the Citation File Format schema (`cffconvert --validate`, where it is installed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

import relu_lib

REPO = Path(__file__).resolve().parents[2]


def cffconvert() -> str | None:
    """`cffconvert` from $RELU_CFFCONVERT, the CI tool environment (.ci/run makes .venv-tools) or PATH."""
    for candidate in (
        os.environ.get("RELU_CFFCONVERT"),
        REPO / ".venv-tools" / "bin" / "cffconvert",
        shutil.which("cffconvert"),
    ):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


def test_citation_is_valid_against_the_cff_schema():
    exe = cffconvert()
    if exe is None:
        pytest.skip("cffconvert is not installed (.ci/run installs it in .venv-tools from .ci/tools.lock)")
    result = subprocess.run([exe, "--validate", "-i", str(REPO / "CITATION.cff")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_citation_names_the_software_and_both_papers():
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software" and cff["license"] == "MIT"
    assert str(cff["version"]) == relu_lib.__version__
    titles = {ref["title"]: ref for ref in cff["references"]}
    karmakar = titles["Provable Training of a ReLU Gate with an Iterative Non-Gradient Algorithm"]
    assert karmakar["journal"] == "Neural Networks" and karmakar["year"] == 2022 and "2005.04211" in karmakar["url"]
    soltanolkotabi = titles["Learning ReLUs via Gradient Descent"]
    assert soltanolkotabi["year"] == 2017 and "1705.04591" in soltanolkotabi["url"]


def test_changelog_and_license_match_the_version():
    changelog = (REPO / "CHANGELOG.md").read_text()
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", changelog, flags=re.M)
    assert released and released[0] == relu_lib.__version__, "the newest CHANGELOG section is not __version__"
    assert "## [Unreleased]" in changelog
    assert (REPO / "LICENSE").read_text().startswith("MIT License")
