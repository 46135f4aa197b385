"""Paper B's grid: the config's cross-key rules and its expansion into cells.

A cell is constraint x (s, d) x sample size. The sample size is either absolute (key `n`, cell id
`.../samples=625`) or a multiple of n0 (key `ratios`, cell id `.../ratio=2`); in the second case the
train job computes n = round(ratio * n0) from the n0 rule's output, so the Monte Carlo n0 never
runs while the DAG is built.
"""

from __future__ import annotations

import itertools

from relu_lib.cells import cell_id, check_axis
from relu_lib.errors import UserError
from relu_lib.paper_b.projections import PROJECTIONS


def fill_schema(schema: dict) -> None:
    """Put the registry's names (constraint sets) into the config schema."""
    schema["$defs"]["experiment_b"]["properties"]["constraints"]["items"]["enum"] = sorted(PROJECTIONS)


def validate(config: dict) -> None:
    """The rules a schema cannot state: s <= d, one kind of sample size, distinct ratios."""
    for exp_name, exp in config.get("paper_b", {}).get("experiments", {}).items():
        _check_experiment(f"paper_b.experiments.{exp_name}", exp)


def _check_experiment(key: str, exp: dict) -> None:
    for i, size in enumerate(exp["sizes"]):
        if size["s"] > size["d"]:
            raise UserError(
                f"'{key}.sizes[{i}].s' = {size['s']} is larger than '{key}.sizes[{i}].d' = {size['d']}: "
                "w* has at most d non-zero entries; allowed values: 1 <= s <= d"
            )
    if ("n" in exp) == ("ratios" in exp):
        raise UserError(
            f"'{key}': give exactly one of 'n' (absolute sample sizes) and 'ratios' "
            "(sample sizes as multiples n/n0 of the sample complexity n0)"
        )
    if "ratios" in exp:
        check_axis(f"{key}.ratios", [float(r) for r in exp["ratios"]])
    if "n" in exp:
        check_axis(f"{key}.n", [int(n) for n in exp["n"]])


def cells(config: dict) -> dict[str, dict[str, dict]]:
    """{experiment: {cell id: cell spec}} for paper B."""
    if "paper_b" not in config:
        return {}
    out = {}
    for exp_name, exp in config["paper_b"]["experiments"].items():
        grid = {}
        sizes = [(size["s"], size["d"]) for size in exp["sizes"]]
        points = [("samples", int(n)) for n in exp.get("n", [])] + [("ratio", float(r)) for r in exp.get("ratios", [])]
        for constraint, (s, d), (kind, value) in itertools.product(exp["constraints"], sizes, points):
            spec = {
                "experiment": exp_name,
                "constraint": constraint,
                "s": s,
                "d": d,
                "n": value if kind == "samples" else None,
                "ratio": value if kind == "ratio" else None,
                "trials": exp["trials"],
                "iterations": exp["iterations"],
                "master_seed": config["seed"],
            }
            grid[spec_cell_id(spec)] = spec
        out[exp_name] = grid
    return out


def spec_cell_id(spec: dict) -> str:
    """constraint=l0/s=20/d=1000/ratio=2 (a multiple of n0) or .../samples=625 (an absolute n)."""
    point = {"samples": int(spec["n"])} if spec.get("n") is not None else {"ratio": float(spec["ratio"])}
    return cell_id(constraint=spec["constraint"], s=spec["s"], d=spec["d"], **point)


N0_FILE = "results/n0/constraint={constraint}/s={s}/d={d}.json"  # one per (constraint, s, d), shared by cells


def n0_path(spec: dict) -> str:
    return N0_FILE.format(constraint=spec["constraint"], s=spec["s"], d=spec["d"])


def constant_files(config: dict, cells: dict) -> dict[str, dict]:
    """{n0 file: the inputs its record must hold} of every paper-B cell's n0 (relu_lib.currency): only the l0
    Monte Carlo reads the sample size (relu_lib.paper_b.theory.n0_record)."""
    out = {}
    for grid in cells.values():
        for spec in grid.values():
            l0 = spec["constraint"] == "l0"
            out[n0_path(spec)] = {
                "constraint": spec["constraint"],
                "s": spec["s"],
                "d": spec["d"],
                "samples": config["paper_b"]["n0_samples"] if l0 else None,
                "master_seed": config["seed"],
            }
    return out
