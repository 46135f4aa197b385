"""Shards: many grid cells per train job, for grids too big for one Snakemake job per cell.

With `cells_per_job: N > 1` in the config, each experiment's cells are cut into shards of about N
cells, and one train job per shard writes each of its cells' files (still one Parquet file per cell,
with the cell's own provenance). Snakemake then plans N times fewer jobs, and a cluster runs N times
fewer processes, each starting the interpreter and numba once.

The cut is stable. Cells are taken in sorted cell-id order and a shard starts at a cell whose id hashes
to 0 modulo N (content-defined boundaries, as in rsync's chunking): a cell's shard depends only on
its own id and on its neighbours up to the previous boundary, never on how many cells the grid has.
Adding a grid value therefore changes only the shards its new cells fall into; shards without new
cells keep their name, their cells and their job. A shard that grew reruns, and its job skips every
cell whose file is current (`is_current`: same spec, same provenance, newer than its input), so the
existing files are not rewritten; the rerun costs one job start-up and a metadata read per existing
cell (about 1 ms each). Content-defined shards vary in size (geometric, mean N); shards longer than
`MAX_FACTOR` x N are split into equal consecutive parts.
"""

from __future__ import annotations

import hashlib
import math
import os

MAX_FACTOR = 3  # a content-defined shard longer than this many times cells_per_job is split


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def partition(cell_ids, cells_per_job: int, prefix: str) -> dict[str, list[str]]:
    """{shard name: sorted cell ids} of one experiment; the name is `prefix`_<hash of its first cell>."""
    ids = sorted(cell_ids)
    chunks: list[list[str]] = []
    for cell in ids:
        if not chunks or _digest(cell) % cells_per_job == 0:
            chunks.append([])
        chunks[-1].append(cell)
    out = {}
    for chunk in chunks:
        parts = math.ceil(len(chunk) / (MAX_FACTOR * cells_per_job))
        size = math.ceil(len(chunk) / parts)
        for start in range(0, len(chunk), size):
            part = chunk[start : start + size]
            out[f"{prefix}_{_digest(part[0]):016x}"[: len(prefix) + 13]] = part
    return out


def shard_cost(costs) -> dict:
    """A shard job's cost from its cells' ({'mem_mb', 'runtime'}): they run one after another, so the
    runtimes add up and the memory is the largest."""
    costs = list(costs)
    return {"mem_mb": max(c["mem_mb"] for c in costs), "runtime": sum(c["runtime"] for c in costs)}


def train_job_costs(paper: str, experiment: str, cell_costs: dict, cells_per_job: int):
    """(job, cost) of one experiment's train jobs as they will run: one per cell, or one per shard."""
    if cells_per_job == 1:
        for cell, cost in cell_costs.items():
            yield f"{paper} cell {experiment}/{cell}", cost
        return
    for name, ids in partition(cell_costs, cells_per_job, experiment).items():
        yield (
            f"{paper} shard {name} ({len(ids)} cells of {experiment}, 'cells_per_job' = {cells_per_job}: "
            "a smaller value makes shorter shards)",
            shard_cost(cell_costs[c] for c in ids),
        )


def is_current(path, spec: dict, provenance: dict, inputs=()) -> bool:
    """Whether the cell file at `path` can be kept as it is: readable, written for this spec by this
    code (provenance equal to what the writer would stamp now) and newer than its `inputs`."""
    from relu_lib.errors import UserError
    from relu_lib.io import read_metadata

    try:
        meta = read_metadata(path)
        written = os.stat(path).st_mtime_ns
    except (UserError, OSError):
        return False
    if meta.get("cell") != spec or meta.get("provenance") != provenance:
        return False
    return all(os.stat(i).st_mtime_ns <= written for i in inputs)


def current_check(writer: str):
    """`is_current` for the files of module `writer` (e.g. relu_lib.paper_a.trainer): the code part of its
    provenance stamp is computed once, as (out, spec, inputs) -> bool."""
    from relu_lib.provenance import config_hash, stamp

    base = stamp({}, writer)
    return lambda out, spec, inputs=(): is_current(out, spec, {**base, "config_hash": config_hash(spec)}, inputs)
