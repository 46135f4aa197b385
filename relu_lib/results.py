"""Reading a run's results for the current config only: one experiment's trajectories, summary or
verdict rows as a pandas DataFrame.

`pd.read_parquet("results/trajectories/poisoning")` reads every file under the folder, including the
cells of earlier configs (a law or a θ removed since), and infers the grid columns from the folder
names (strings in one experiment, integers in another). These functions instead

* take the cells the config defines (`relu_lib.config.cells`), and read exactly those files;
* read them through a `pyarrow.dataset` with an explicit hive partitioning schema, so the grid columns
  have one numeric type in every experiment (`GRID_TYPES`: b, s, d, samples int64; beta, theta, ratio
  float64; law, adversary, constraint string);
* raise a `UserError` naming the missing cells when the run is incomplete (or has not run).

    from relu_lib import results
    df = results.trajectories("poisoning")           # config.yaml, results/ in the current folder
    df = results.summaries("sample_complexity", config="my.yaml", root="runs/big")

`config` is a path to a YAML file, a list of them (merged in order, as the workflow merges `--configfile`s: pass
the files the run used) or an already loaded dict; `root` is the run's working directory (where results/ is).
`figure_data("fig1")` returns the numbers behind one of paper A's figures.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from relu_lib.cells import parse_cell_id
from relu_lib.errors import UserError

# Every grid column of either paper and its one type. `adv` is the folder key of the adversary; the
# tables call the column `adversary`, as the summaries do.
GRID_TYPES = {
    "law": pa.string(),
    "b": pa.int64(),
    "adv": pa.string(),
    "attack": pa.string(),  # the tails study's name of the adversary
    "beta": pa.float64(),
    "theta": pa.float64(),
    "constraint": pa.string(),
    "s": pa.int64(),
    "d": pa.int64(),
    "samples": pa.int64(),
    "ratio": pa.float64(),
    "frac": pa.float64(),
}
RENAMED = {"adv": "adversary"}
SHOWN = 8  # missing cells named in an error


def experiments(config="config.yaml") -> dict[str, list[str]]:
    """{paper: [experiment, ...]} of the config."""
    return {paper: list(exps) for paper, exps in _cells(config).items() if exps}


def cell_ids(experiment: str, config="config.yaml") -> list[str]:
    """The cell ids (hive paths such as `law=normal/b=16/adv=none/beta=0/theta=0`) the config defines for
    `experiment`, in the config's order."""
    for exps in _cells(config).values():
        if experiment in exps:
            return list(exps[experiment])
    known = sorted(e for exps in _cells(config).values() for e in exps)
    raise UserError(f"experiment {experiment!r} is not in the config; its experiments: {', '.join(known)}")


def trajectories(experiment: str, config="config.yaml", root=".", columns: list[str] | None = None) -> pd.DataFrame:
    """Every row of every cell file of `experiment` that the config defines, with the grid columns
    (typed by `GRID_TYPES`) first. `columns` limits the file columns read (the grid ones always come).

    Each file is read through the workflow's own checks (relu_lib.currency): its checksum, the spec stored in
    it equal to the spec the config gives for its path, today's trainer code. A file that fails any of them is
    refused by name, so the grid columns, taken from the config's cell id, are the file's own parameters."""
    from relu_lib.currency import cell_problem
    from relu_lib.io import read_table

    loaded = load_config(config)
    cells = cell_ids(experiment, loaded)
    study = _study(experiment, loaded)
    files = {cell: Path(root) / study.file_of(experiment, cell) for cell in cells}
    base = Path(root) / study.file_of(experiment, "\0").split("\0")[0]
    _require([cell for cell, path in files.items() if not path.is_file()], experiment, "trajectory files", base)
    specs = _cells(loaded)[study.name][experiment]
    keys = list(parse_cell_id(cells[0]))
    tables = []
    for cell, path in files.items():
        table, meta = read_table(path)
        problem = cell_problem(meta, specs[cell], study.trainer)
        if problem:
            raise UserError(f"{path}: stale: {problem}; run `snakemake --cores N` with this config to rebuild it")
        if columns is not None:
            table = table.select([c for c in columns if c not in keys])
        grid = parse_cell_id(cell)
        labels = [pa.array([grid[k]] * table.num_rows, GRID_TYPES[k]) for k in keys]
        tables.append(pa.Table.from_arrays(labels + table.columns, names=keys + table.column_names))
    frame = pa.concat_tables(tables, promote_options="permissive").to_pandas()
    for column, value in frame.items():
        if isinstance(value.dtype, pd.CategoricalDtype):  # dictionary-encoded labels: plain strings
            frame[column] = value.astype(str)
    return frame.rename(columns=RENAMED)


def summaries(experiment: str, config="config.yaml", root=".", kind: str = "") -> pd.DataFrame:
    """The rows of `results/summary/<experiment>[_<kind>].parquet` that belong to the config's cells
    (paper A: matched on law, b, adversary, beta, theta; paper B: on the `cell` column), with a `cell`
    column; `kind="cells"` reads paper B's per-cell statistics."""
    cells = cell_ids(experiment, config)
    path = Path(root) / "results" / "summary" / f"{experiment}{'_' + kind if kind else ''}.parquet"
    frame = _read(path, experiment, config, root, cells, checks=False)
    if "cell" not in frame:  # paper A: the cell id from the grid columns
        from relu_lib.cells import cell_id

        frame.insert(
            0,
            "cell",
            [
                cell_id(law=r.law, b=r.b, adv=r.adversary, beta=float(r.beta), theta=float(r.theta))
                for r in frame.itertuples()
            ],
        )
    return _current(frame, cells, experiment, path)


def verdicts(experiment: str, config="config.yaml", root=".") -> pd.DataFrame:
    """The verdict rows of the config's cells of `experiment`, as the run's table decided them
    (`results/bounds/all_checks.parquet`: the verdicts under the table's error control, relu_lib.multiplicity),
    with the grid columns parsed from the cell id (typed by `GRID_TYPES`) in front."""
    from relu_lib.study import VERDICT_TABLE

    cells = cell_ids(experiment, config)
    path = Path(root) / VERDICT_TABLE
    table = _read(path, experiment, config, root, cells, checks=True)
    # a test shared with another experiment (same cell, same streams) is judged once, under the first one
    also = table["also_in"].str.split(", ").map(lambda names: experiment in names) if "also_in" in table else False
    frame = _current(table[(table["experiment"] == experiment) | also], cells, experiment, path)
    grid = pd.DataFrame([parse_cell_id(c) for c in frame["cell"]], index=frame.index)
    for key in grid:
        grid[key] = grid[key].astype("str" if GRID_TYPES.get(key) == pa.string() else GRID_TYPES[key].to_pandas_dtype())
    grid = grid.rename(columns=RENAMED)
    frame["verdict"] = frame["verdict"].astype(str)
    return pd.concat([grid, frame.drop(columns=[c for c in grid if c in frame])], axis=1)


def figure_data(figure: str, config="config.yaml", root=".") -> pd.DataFrame:
    """The numbers behind one of paper A's figures (ids of relu_lib.paper_a.study.FIGURES, e.g. "fig1"): one row
    per algorithm, value of the swept parameter and recorded step, with the mean error over runs, its standard
    error and the number of runs (tidy: columns figure, algorithm, parameter, value, step, mean_error,
    mean_error_se, runs, experiment)."""
    from relu_lib.paper_a.figures import swept_parameter
    from relu_lib.paper_a.study import FIGURES

    spec = next((f for f in FIGURES if f.id == figure), None)
    if spec is None:
        raise UserError(f"unknown figure {figure!r}; paper A's figures: {', '.join(f.id for f in FIGURES)}")
    algorithms = {"fig1": ["alg2"], "fig2": ["alg2"], "fig3": ["alg2"], "fig4": ["sgd"], "fig5": ["sgd"]}
    present = set(experiments(config).get("paper_a", []))
    frames = []
    for experiment in spec.experiments:
        if experiment not in present and not spec.needs_all:
            continue
        summary = summaries(experiment, config, root)
        parameter = swept_parameter(summary)
        summary = summary[summary["algorithm"].isin(algorithms.get(figure, ["alg2", "sgd"]))]
        frames.append(
            pd.DataFrame(
                {
                    "figure": figure,
                    "experiment": experiment,
                    "algorithm": summary["algorithm"],
                    "parameter": parameter,
                    "value": summary[parameter].astype(float),
                    "step": summary["step"],
                    "mean_error": summary["mean_error"],
                    "mean_error_se": summary["mean_error_se"],
                    "runs": summary["runs"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def load_config(config) -> dict:
    """A config as the workflow reads it: one path, or a list of paths merged in order (mappings merge, other
    values replace, as Snakemake merges `--configfile`s), each read by the workflow's strict loader, then
    validated; or an already loaded dict (validated). The result is marked validated, so that the functions here
    that pass it on validate it once (a tails grid's validation alone can take seconds)."""
    from relu_lib import config as relu_config

    if isinstance(config, Validated):
        return config
    if isinstance(config, dict):
        return Validated(relu_config.load(config))
    merged: dict = {}
    for path in [config] if isinstance(config, (str, Path)) else list(config):
        path = Path(path)
        if not path.is_file():
            raise UserError(f"{path}: no such config file")
        relu_config.check_config_file(path)
        import yaml

        _merge(merged, yaml.safe_load(path.read_text()))
    return Validated(relu_config.load(merged))


class Validated(dict):
    """A config that load_config has validated."""


def _merge(into: dict, update: dict) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _study(experiment: str, config):
    from relu_lib.studies import study_of

    return study_of(experiment, load_config(config))


def _cells(config) -> dict:
    from relu_lib import config as relu_config

    return relu_config.cells(load_config(config))


def _read(path: Path, experiment: str, config, root, cells, checks: bool) -> pd.DataFrame:
    """An aggregate of `experiment`, refused unless the run built it for the specs `config` gives `cells` (and,
    with `checks`, under its `checks` settings): relu_lib.currency.rows_problem."""
    from relu_lib import currency
    from relu_lib.io import read_table

    if not path.is_file():
        raise UserError(
            f"{path}: missing; run the workflow first (`snakemake --cores N`): "
            f"experiment {experiment!r} has not been summarised"
        )
    loaded = load_config(config)
    current = currency.record(loaded, _cells(loaded))
    problem = currency.rows_problem(experiment, current, currency.recorded(root), cells, checks)
    if problem:
        raise UserError(f"{path}: stale: {problem}; run `snakemake --cores N` with this config to rebuild it")
    frame = read_table(path)[0].to_pandas()
    for column, value in frame.items():
        if isinstance(value.dtype, pd.CategoricalDtype):
            frame[column] = value.astype(str)
    return frame


def _current(frame: pd.DataFrame, cells: list[str], experiment: str, path: Path) -> pd.DataFrame:
    """The rows of the config's cells (in the config's order of cells); an error naming the cells that
    have no row (the file is from an earlier or an unfinished run)."""
    present = set(frame["cell"])
    _require([c for c in cells if c not in present], experiment, path.as_posix(), path.parent)
    order = {cell: i for i, cell in enumerate(cells)}
    kept = frame[frame["cell"].isin(order)]
    return kept.iloc[kept["cell"].map(order).argsort(kind="stable")].reset_index(drop=True)


def _require(missing: list[str], experiment: str, what: str, where) -> None:
    if missing:
        listed = ", ".join(missing[:SHOWN]) + (f" and {len(missing) - SHOWN} more" if len(missing) > SHOWN else "")
        raise UserError(
            f"{len(missing)} cell(s) of experiment {experiment!r} in the config have no {what} "
            f"under {where}: {listed}. The run is incomplete (or used another config): "
            "run `snakemake --cores N` with this config first"
        )
