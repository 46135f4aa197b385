"""The docs stand on their own: every relative link resolves, and no page cites a file outside the repository."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_relative_link_resolves(page):
    missing = [
        target
        for target in LINK.findall(page.read_text())
        if "://" not in target and not (page.parent / target).exists()
    ]
    assert not missing, f"{page.name}: broken links {missing}"


def test_nothing_cites_a_file_outside_the_repository():
    outside = ("MATH.md", "EXPERIMENTS.md", "DESIGN.md", "shared/spec")
    tracked = [
        p
        for p in REPO.rglob("*")
        if p.is_file()
        and p.suffix in {".py", ".md", ".smk", ".yaml", ".rst"}
        and not {".git", "results", ".snakemake", ".pytest_cache"} & set(p.parts)
        and not any(part.startswith(".venv") for part in p.parts)  # .venv, and .venv-cluster of the SLURM test
    ]
    citing = [
        str(p.relative_to(REPO))
        for p in tracked
        if any(name in p.read_text(errors="ignore") for name in outside) and p != Path(__file__)
    ]
    assert not citing, citing


def test_readme_stays_short():
    assert len((REPO / "README.md").read_text().splitlines()) <= 150
