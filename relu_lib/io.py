"""Parquet files of the pipeline: tidy columns, JSON metadata, atomic writes, clear read errors."""

from __future__ import annotations

import glob
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import UserError

META_KEY = b"relu_repro"
TMP_PREFIX, TMP_SUFFIX = ".", ".tmp"  # hidden: pyarrow datasets skip names starting with "."


def write_table(path, table: pa.Table, metadata: dict) -> None:
    """Write `table` with `metadata` (JSON under the key relu_repro) to `path`, atomically."""
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[META_KEY] = json.dumps(metadata, sort_keys=True, default=_json_default).encode()
    table = table.replace_schema_metadata(schema_meta)
    with atomic_output(path) as handle:
        pq.write_table(table, handle, compression="zstd")


@contextmanager
def atomic_output(path, mode: str = "wb"):
    """A file handle whose content appears under `path` only once it is complete.

    The data goes to a temporary file next to `path` (`.<name>.<random>.tmp`), is fsynced and
    renamed into place, so a reader, or a rerun after a crash, never sees a truncated file
    under the final name. A writer killed with SIGKILL cannot remove its temporary file; the
    next write of the same `path` does (Snakemake never runs two jobs for one output).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f"{glob.escape(TMP_PREFIX + path.name)}.*{TMP_SUFFIX}"):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path, text: str) -> None:
    with atomic_output(path, "w") as handle:
        handle.write(text)


TRAJECTORY_COLUMNS = ("algorithm", "start", "seed", "step", "error", "diverged", "diverged_at",
                      "hit_step", "mean_error", "mean_error_se")


def trajectory_table(runs, steps, error, mean_error, mean_error_se, diverged_at, hit_step) -> pa.Table:
    """Tidy rows, one per run x seed x checkpoint step (paper A).

    `mean_error` (||mean over seeds of w_t - w*||) and its standard error belong to a run and a
    step; they repeat on the rows of every seed of that run. `diverged_at` and `hit_step` (first
    step with error <= epsilon) belong to a run and a seed; null when it never happened.
    Columns are built from their NumPy buffers: pa.array would import pandas (~0.4 s per job).
    """
    k, a, r = error.shape
    step = np.broadcast_to(steps[:, None, None], (k, a, r))
    run = np.broadcast_to(np.arange(a, dtype=np.int32)[None, :, None], (k, a, r)).ravel()
    seed = np.broadcast_to(np.arange(r, dtype=np.int32)[None, None, :], (k, a, r))
    div_at = np.broadcast_to(diverged_at[None], (k, a, r))
    hits = np.broadcast_to(hit_step[None], (k, a, r)).ravel()
    return pa.Table.from_arrays([
        arrow_labels([name for name, _ in runs], run),
        arrow_labels([start for _, start in runs], run),
        arrow_column(seed, pa.int32()),
        arrow_column(step, pa.int64()),
        arrow_column(error, pa.float64()),
        arrow_column((div_at >= 0) & (div_at <= step), pa.bool_()),
        arrow_column(div_at, pa.int64(), valid=div_at >= 0),
        arrow_column(hits, pa.int64(), valid=hits >= 0),
        arrow_column(np.broadcast_to(mean_error[:, :, None], (k, a, r)), pa.float64()),
        arrow_column(np.broadcast_to(mean_error_se[:, :, None], (k, a, r)), pa.float64()),
    ], names=list(TRAJECTORY_COLUMNS))


def arrow_column(values, type_: pa.DataType, valid=None) -> pa.Array:
    """An Arrow array on the buffer of `values` (flattened; booleans bit-packed), null where not `valid`.
    Unlike pa.array, it never imports pandas (pyarrow's pandas shim costs ~0.4 s per job)."""
    values = np.ravel(values)
    if type_ == pa.bool_():
        data = np.packbits(values, bitorder="little")
    else:
        data = np.ascontiguousarray(values, dtype=type_.to_pandas_dtype())
    bitmap = None if valid is None else pa.py_buffer(np.packbits(np.ravel(valid), bitorder="little"))
    nulls = 0 if valid is None else int(values.size - np.count_nonzero(valid))
    return pa.Array.from_buffers(type_, values.size, [bitmap, pa.py_buffer(data)], null_count=nulls)


def arrow_labels(names: list[str], codes: np.ndarray) -> pa.Array:
    """A dictionary-encoded string column: names[codes], the dictionary in order of first use."""
    unique = list(dict.fromkeys(names))
    remap = np.array([unique.index(name) for name in names], dtype=np.int32)
    text = [name.encode() for name in unique]
    offsets = np.cumsum([0] + [len(t) for t in text], dtype=np.int32)
    dictionary = pa.Array.from_buffers(pa.string(), len(unique), [None, pa.py_buffer(offsets),
                                                                   pa.py_buffer(b"".join(text))])
    return pa.DictionaryArray.from_arrays(arrow_column(remap[codes], pa.int32()), dictionary)


def read_table(path, required: tuple[str, ...] = ()) -> tuple[pa.Table, dict]:
    """Read a pipeline Parquet file and its metadata; a foreign or corrupt file is a UserError."""
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise UserError(f"{path}: not a readable Parquet file ({exc})") from None
    raw = (table.schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise UserError(f"{path}: not written by relu-repro (no '{META_KEY.decode()}' metadata)")
    missing = [c for c in required if c not in table.column_names]
    if missing:
        raise UserError(f"{path}: missing column(s) {', '.join(missing)}")
    return table, json.loads(raw)


def read_metadata(path) -> dict:
    """The relu_repro metadata of a pipeline Parquet file, without reading its rows."""
    try:
        raw = (pq.read_schema(path).metadata or {}).get(META_KEY)
    except (OSError, pa.ArrowException) as exc:
        raise UserError(f"{path}: not a readable Parquet file ({exc})") from None
    if raw is None:
        raise UserError(f"{path}: not written by relu-repro (no '{META_KEY.decode()}' metadata)")
    return json.loads(raw)


def write_json(path, obj) -> None:
    """Write JSON atomically (same rename discipline as Parquet)."""
    with atomic_output(path, "w") as handle:
        json.dump(obj, handle, indent=1, sort_keys=True, default=_json_default)


def read_json(path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: not a readable JSON file ({exc})") from None


def _json_default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} as JSON")
