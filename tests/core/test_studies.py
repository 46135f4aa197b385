"""Conformance of every study (relu_lib.studies.STUDIES) on a tiny config, and the import rules of
docs/development.md. Modelled on benchopt's test_benchmarks.py: one set of checks, run for each study."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest
import yaml

from relu_lib import config as relu_config
from relu_lib.cells import parse_cell_id
from relu_lib.provenance import import_closure
from relu_lib.studies import STUDIES

REPO = Path(__file__).resolve().parents[2]
TINY = yaml.safe_load((REPO / "tests" / "smoke_config.yaml").read_text())
TINY["paper_a"]["experiments"]["tails"] = {  # the tails study's tiny grid (tests/paper_a/test_tails_experiment.py)
    "laws": ["normal_d10"],
    "batch_sizes": [1, 4],
    "edge_fractions": [0.5, 0.9],
    "adversary": "random_sign",
    "beta": 0.5,
    "theta": 1.0,
    "seeds": 40,
    "samples": 2,
    "thin_factor": 12,
    "burn_in_lags": 2,
    "bootstrap": 20,
}
TINY["laws"]["normal_d10"] = {"family": "normal", "d": 10, "sigma": 1.0}
# what a train job must not import: its import closure is the cells' code fingerprint, so editing a tolerance,
# a summary or a plot must not retrain a cell
NOT_IN_TRAINING = ("theory", "checks", "summary", "figures", "moments", "estimators", "c_table")


@pytest.fixture(scope="module")
def tiny():
    return relu_config.load(copy.deepcopy(TINY))


@pytest.mark.parametrize("study", STUDIES, ids=lambda s: s.name)
def test_grid_gives_cells_with_parseable_ids_and_unique_files(study, tiny):
    cells = study.cells(tiny)
    assert cells, f"{study.name}: no cells on the tiny config"
    files = [study.file_of(exp, cell) for exp, grid in cells.items() for cell in grid]
    assert len(files) == len(set(files))
    for grid in cells.values():
        for cell in grid:
            assert parse_cell_id(cell) and "/" not in cell[:1]


@pytest.mark.parametrize("study", STUDIES, ids=lambda s: s.name)
def test_every_cell_has_a_cost_within_the_default_limits(study, tiny):
    limits = relu_config.limits(tiny)
    for _job, cost in study.job_costs(tiny):
        assert isinstance(cost["mem_mb"], int) and 0 < cost["mem_mb"] <= limits["max_mem_mb"]
        assert isinstance(cost["runtime"], int) and 0 < cost["runtime"] <= limits["max_runtime_min"]


@pytest.mark.parametrize("study", STUDIES, ids=lambda s: s.name)
def test_figures_name_experiments_of_the_grid_and_have_a_caption(study, tiny):
    experiments = set(study.cells(tiny))
    assert study.figures
    for figure in study.figures:
        assert set(figure.experiments) & experiments, f"{figure.id}: none of {figure.experiments} in the grid"
    assert len(study.figure_files(experiments)) == sum(
        len(f.extensions) for f in study.figures if f.wanted(experiments)
    )
    if study.figure_folder == "paper_a":  # generated rules: each figure needs its caption file
        for figure in study.figures:
            assert (REPO / "report" / "paper_a" / f"{figure.stem}.rst").is_file()
    if study.name == "paper_a":
        from relu_lib.paper_a.figures import PLOTS

        assert {f.id for f in study.figures} <= set(PLOTS)


@pytest.mark.parametrize("study", STUDIES, ids=lambda s: s.name)
def test_tables_are_per_experiment(study, tiny):
    for experiment in study.cells(tiny):
        paths = [t.format(experiment=experiment) for t in study.tables]
        assert all(experiment in p for p in paths) and len(set(paths)) == len(paths)


@pytest.mark.parametrize("study", STUDIES, ids=lambda s: s.name)
def test_the_train_closure_holds_only_what_training_needs(study):
    if study.cells_are_verdicts:
        pytest.skip(f"{study.name}: its cells are verdict rows, so its trainer judges by design")
    closure = import_closure(study.trainer)
    leaked = [m for m in closure if m.rsplit(".", 1)[-1] in NOT_IN_TRAINING]
    assert not leaked, f"{study.trainer} imports {leaked}"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in out if m.startswith("relu_lib")}


MODULES = {
    ".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__"): p
    for p in (REPO / "relu_lib").rglob("*.py")
}


def test_the_papers_never_import_each_other_and_the_library_never_imports_snakemake():
    for name, path in MODULES.items():
        imports = _imports(path)
        if name.startswith("relu_lib.paper_a"):
            assert not any(m.startswith("relu_lib.paper_b") for m in imports), name
        if name.startswith("relu_lib.paper_b"):
            assert not any(m.startswith("relu_lib.paper_a") for m in imports), name
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(n.split(".")[0] == "snakemake" for n in names), name


def test_no_import_cycles():
    graph = {name: {m for m in _imports(path) if m in MODULES and m != name} for name, path in MODULES.items()}
    state: dict[str, int] = {}

    def visit(node, stack):
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*stack, node, nxt]))
            if nxt not in state:
                visit(nxt, [*stack, node])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])
