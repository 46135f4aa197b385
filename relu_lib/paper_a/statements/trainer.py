"""One cell of the theorems study: the verdict rows of one group of paper A's statements, to Parquet.

Each group's module simulates what its statements need (small, seconds) and judges it; the rows are the cell's
data. The verdicts' z is part of the cell's spec, so a changed `checks.z` reruns these cells (seconds).
"""

from __future__ import annotations


def rows(spec: dict) -> list:
    """The verdict rows of the cell's group of statements."""
    group, z, seed = spec["experiment"], spec["z"], spec["master_seed"]
    if group == "examples":
        from relu_lib.paper_a.examples import example_rows

        return example_rows(z, spec["samples"], seed)
    if group == "near_optimality":
        from relu_lib.paper_a.near_optimality import near_optimality_rows

        return near_optimality_rows(z, spec["runs"], seed)
    if group == "glm_tron":
        from relu_lib.paper_a.glm_tron import glm_tron_rows

        return glm_tron_rows(z, spec["draws"], seed)
    if group == "theorem_3_1":
        from relu_lib.paper_a.theorem31 import statement_rows

        return statement_rows(spec)
    raise ValueError(f"unknown group of statements {group!r}")


def train_to_parquet(spec: dict, path) -> None:
    import pyarrow as pa

    from relu_lib.io import write_table
    from relu_lib.provenance import stamp
    from relu_lib.verdicts import to_frame

    frame = to_frame(rows(spec)).assign(experiment=spec["experiment"])
    meta = {"study": "statements", "cell": spec, "provenance": stamp(spec, __name__)}
    write_table(path, pa.Table.from_pandas(frame, preserve_index=False), meta)


def resimulate(meta: dict):
    """The table a cell file's metadata alone gives (relu_lib.resimulate)."""
    import pyarrow as pa

    from relu_lib.verdicts import to_frame

    frame = to_frame(rows(meta["cell"])).assign(experiment=meta["cell"]["experiment"])
    return pa.Table.from_pandas(frame, preserve_index=False)
