"""A study, the unit of the house: one config key, one grid of cells, one cost model, one set of files, and its
figures as data.

Every study module declares one `Study`; `relu_lib.studies.STUDIES` lists them. The config's validation and
resource limits, the workflow's targets, the bound-check table, the results API and re-simulation iterate over
the studies: none of them names an experiment or special-cases a study.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

VERDICT_FILE = "results/bounds/{experiment}.parquet"  # every experiment's verdict rows (relu_lib.verdicts)
VERDICT_TABLE = "results/bounds/all_checks.parquet"  # all of them, merged (relu_lib.bound_table)


@dataclass(frozen=True)
class Figure:
    """A figure as data: `figures/<folder>/<stem>.png` and `.pdf`, drawn from `experiments` (all of them, or any
    one of them with `needs_all` false); `caption` names it in the report."""

    id: str
    stem: str
    experiments: tuple[str, ...]
    caption: str
    needs_all: bool = True
    kind: str = "figure"  # "figure" (PDF and PNG) or "table" (Markdown)

    @property
    def extensions(self) -> tuple[str, ...]:
        return ("pdf", "png") if self.kind == "figure" else ("md",)

    def wanted(self, experiments) -> bool:
        present = set(self.experiments) & set(experiments)
        return present == set(self.experiments) if self.needs_all else bool(present)


@dataclass(frozen=True)
class Study:
    """What the house needs to know about a study. Modules are named, not imported, so that declaring a study
    costs nothing (the Snakefile reads every declaration while it builds the DAG)."""

    name: str  # the study's name in the results API and the bound table
    paper: str  # "A" or "B"
    grid: str  # module: fill_schema(schema), validate(config), cells(config) -> {experiment: {cell id: spec}}
    cost: str  # module with resources(spec) -> {'mem_mb', 'runtime'} (and optionally extra_jobs(config))
    trainer: str  # the module a train job imports: its import closure is the cells' code fingerprint
    cell_file: str  # path of a cell's file, with {experiment} and {cell}
    tables: tuple[str, ...]  # per experiment, with {experiment}: summaries, checks, theory curves
    figure_folder: str  # figures/<folder>/...; "" for figures/ itself
    figures: tuple[Figure, ...] = ()
    shardable: bool = True  # whether `cells_per_job` groups its cells into shard jobs
    cells_are_verdicts: bool = False  # a cell's output is verdict rows (the theorems study): its closure judges
    extra_tables: tuple[tuple[str, str], ...] = ()  # (experiment, path): a table of one experiment only
    constants: str = ""  # module with constant_files(config, cells) -> {path: inputs}: files the cells read
    config_tables: str = ""  # module with config_tables(config, experiment) -> [path]: tables named by the config

    def tables_of(self, experiment: str, config: dict | None = None) -> list[str]:
        """The aggregate files of one experiment (relu_lib.currency): its tables and its verdict rows (with
        `config`, also the tables whose paths the config names)."""
        own = [path for exp, path in self.extra_tables if exp == experiment]
        if self.config_tables and config is not None:
            own += self.module("config_tables").config_tables(config, experiment)
        return (
            [t.format(experiment=experiment) for t in self.tables] + own + [VERDICT_FILE.format(experiment=experiment)]
        )

    def module(self, role: str):
        return importlib.import_module(getattr(self, role))

    def cells(self, config: dict) -> dict[str, dict[str, dict]]:
        return self.module("grid").cells(config)

    def resources(self, spec: dict) -> dict:
        return self.module("cost").resources(spec)

    def file_of(self, experiment: str, cell: str) -> str:
        return self.cell_file.format(experiment=experiment, cell=cell)

    def figure_files(self, experiments) -> list[str]:
        folder = f"figures/{self.figure_folder}/" if self.figure_folder else "figures/"
        return [f"{folder}{f.stem}.{ext}" for f in self.figures if f.wanted(experiments) for ext in f.extensions]

    def job_costs(self, config: dict, cells: dict | None = None):
        """(job, cost) of every job of the study with a cost model, as the jobs will run (cells or shards)."""
        from relu_lib.shards import train_job_costs

        cells = self.cells(config) if cells is None else cells
        cost = self.module("cost")
        if hasattr(cost, "extra_jobs"):
            yield from cost.extra_jobs(config, cells)
        per_job = config.get("cells_per_job", 1) if self.shardable else 1
        for experiment, grid in cells.items():
            costs = {cell: cost.resources(spec) for cell, spec in grid.items()}
            yield from train_job_costs(f"paper {self.paper} ({self.name})", experiment, costs, per_job)
