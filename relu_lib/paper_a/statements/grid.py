"""The theorems study's grid: `paper_a.statements` (optional) names which groups of statements to check and the
replication of their simulations; each group is an experiment with one cell."""

from __future__ import annotations

from relu_lib.cells import cell_id
from relu_lib.verdicts import Z

# experiment -> the module whose `rows(spec)` checks it (relu_lib.paper_a.statements.trainer)
GROUPS = ("theorem_3_1", "examples", "near_optimality", "glm_tron")


def fill_schema(schema: dict) -> None:
    """No registry names to fill in."""


def validate(config: dict) -> None:
    """The schema states every rule of this block."""


def cells(config: dict) -> dict[str, dict[str, dict]]:
    block = config.get("paper_a", {}).get("statements")
    if block is None:
        return {}
    out = {}
    for group in block["groups"]:
        spec = {
            "experiment": group,
            "runs": int(block["runs"]),
            "samples": int(block["samples"]),
            "draws": int(block["draws"]),
            "master_seed": int(config["seed"]),
            "z": float(config["checks"].get("z", Z)),  # the rows' own z; the table re-decides them
            "epsilon": float(config["checks"]["epsilon"]),
            "delta": float(config["checks"]["delta"]),
        }
        out[group] = {cell_id(statement=group): spec}
    return out
