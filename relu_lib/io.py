"""Parquet files of the pipeline: tidy columns, JSON metadata, atomic writes, checksums, clear read errors.

Integrity: every Parquet file carries Parquet page checksums (CRC32, verified by pyarrow on read) and,
in its footer, a sha256 of everything before the footer plus the relu_repro metadata; every JSON file
carries a sha256 of its canonical content. Every reader here verifies them and names the file on a
mismatch; `verify` is the cheap whole-file check the workflow runs on existing outputs at start-up.
"""

from __future__ import annotations

import errno
import glob
import hashlib
import json
import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from relu_lib.errors import UserError

META_KEY = b"relu_repro"
DIGEST_KEY = b"relu_repro_sha256"  # sha256 of the bytes before the footer, then of the relu_repro metadata
JSON_DIGEST = "content_sha256"  # sha256 of the JSON file's other keys, canonically serialised
TMP_PREFIX, TMP_SUFFIX = ".", ".tmp"  # hidden: pyarrow datasets skip names starting with "."


def write_table(path, table: pa.Table, metadata: dict) -> None:
    """Write `table` with `metadata` (JSON under the key relu_repro) and its checksums to `path`, atomically.

    The data pages come before the footer and do not depend on it, so the file is serialised once
    without the digest, hashed, and serialised again with the digest in the footer."""
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[META_KEY] = json.dumps(metadata, sort_keys=True, default=_json_default).encode()
    draft = _parquet_bytes(table.replace_schema_metadata(schema_meta))
    schema_meta[DIGEST_KEY] = _digest(draft[: _data_end(draft)], schema_meta[META_KEY]).encode()
    final = _parquet_bytes(table.replace_schema_metadata(schema_meta))
    if final[: _data_end(final)] != draft[: _data_end(draft)]:
        raise RuntimeError(f"{path}: Parquet data pages depend on the footer; the checksum scheme needs rethinking")
    with atomic_output(path) as handle:
        handle.write(final)


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", write_page_checksum=True)
    return sink.getvalue().to_pybytes()


def _data_end(data: bytes) -> int:
    """Where the footer starts: a Parquet file ends with <footer><4-byte footer length>PAR1."""
    if len(data) < 12 or data[:4] != b"PAR1" or data[-4:] != b"PAR1":
        raise ValueError("not a Parquet file (magic bytes missing: truncated?)")
    end = len(data) - 8 - int.from_bytes(data[-8:-4], "little")
    if end < 4:
        raise ValueError("footer length out of range (truncated?)")
    return end


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part)
    return h.hexdigest()


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
        # mkstemp creates the file 0600 whatever the umask (it is meant for private scratch files); an output
        # gets the mode of any file a program writes, 0666 minus the umask, before it appears under `path`.
        # A file system without modes (a FAT or some network mounts) may refuse: the file is written all the same.
        try:
            os.fchmod(fd, 0o666 & ~umask())
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            # the temporary file is gone and `path` untouched: one line, not a traceback
            raise UserError(
                f"{path}: not written, the disk is full ({exc.strerror}); nothing was changed, free space and rerun"
            ) from None
        raise


PROC_STATUS = "/proc/self/status"  # Linux >= 4.7 reports the umask here ("Umask:\t0022")


def umask() -> int:
    """The process umask, read without changing it where the OS allows. Elsewhere os.umask must set a value to
    return the old one, so it is set back at once: another thread creating a file in that instant would get
    the temporary mask 0o077 (stricter, never looser)."""
    try:
        with open(PROC_STATUS) as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def write_text(path, text: str) -> None:
    with atomic_output(path, "w") as handle:
        handle.write(text)


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
    dictionary = pa.Array.from_buffers(
        pa.string(), len(unique), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(text))]
    )
    return pa.DictionaryArray.from_arrays(arrow_column(remap[codes], pa.int32()), dictionary)


def read_table(path, required: tuple[str, ...] = ()) -> tuple[pa.Table, dict]:
    """Read a pipeline Parquet file and its metadata, checksums verified; a foreign or corrupt file is a UserError."""
    data, meta = _verified_parquet(path)
    try:
        table = pq.read_table(pa.BufferReader(data), page_checksum_verification=True)
    except (OSError, pa.ArrowException) as exc:
        raise UserError(f"{path}: not a readable Parquet file ({exc})") from None
    missing = [c for c in required if c not in table.column_names]
    if missing:
        raise UserError(f"{path}: missing column(s) {', '.join(missing)}")
    return table, meta


def read_metadata(path) -> dict:
    """The relu_repro metadata of a pipeline Parquet file (the file's checksum verified)."""
    return _verified_parquet(path)[1]


def _verified_parquet(path) -> tuple[bytes, dict]:
    """The bytes of a pipeline Parquet file whose sha256 matches its footer, and its relu_repro metadata."""
    try:
        data = _read_regular(path)
        schema_meta = pq.read_schema(pa.BufferReader(data)).metadata or {}
        end = _data_end(data)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise UserError(f"{path}: not a readable Parquet file ({exc})") from None
    raw, digest = schema_meta.get(META_KEY), schema_meta.get(DIGEST_KEY)
    if raw is None or digest is None:
        raise UserError(f"{path}: not written by relu-repro (no '{META_KEY.decode()}' metadata or checksum)")
    if _digest(data[:end], raw) != digest.decode():
        raise UserError(
            f"{path}: corrupt (its content does not match its sha256 checksum); delete it, or run "
            "snakemake again to rebuild it"
        )
    return data, json.loads(raw)


def write_json(path, obj: dict) -> None:
    """Write a JSON mapping with its content checksum, atomically (same rename discipline as Parquet)."""
    obj = json.loads(json.dumps(obj, default=_json_default))  # the values exactly as a reader will see them
    with atomic_output(path, "w") as handle:
        json.dump({**obj, JSON_DIGEST: _json_digest(obj)}, handle, indent=1, sort_keys=True)


def _json_digest(obj: dict) -> str:
    return _digest(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode())


def read_json(path) -> dict:
    """A pipeline JSON file, its checksum verified (the checksum key removed)."""
    try:
        obj = json.loads(_read_regular(path))
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: not a readable JSON file ({exc})") from None
    digest = obj.pop(JSON_DIGEST, None) if isinstance(obj, dict) else None
    if digest is None:
        raise UserError(f"{path}: not written by relu-repro (no '{JSON_DIGEST}')")
    if _json_digest(obj) != digest:
        raise UserError(
            f"{path}: corrupt (its content does not match its sha256 checksum); delete it, or run "
            "snakemake again to rebuild it"
        )
    return obj


def read_any(path) -> dict:
    """The metadata of a pipeline Parquet file, or the content of a pipeline JSON file, its checksum verified."""
    return read_json(path) if str(path).endswith(".json") else read_metadata(path)


def verify(path) -> str | None:
    """Why the pipeline file `path` (Parquet or JSON) fails its checksum, or None if it is intact."""
    try:
        read_any(path)
    except UserError as exc:
        return str(exc)
    return None


def _read_regular(path) -> bytes:
    """The bytes of `path`, refused without opening it unless it is a regular file: a FIFO would block the reader
    forever, a device (a symlink to /dev/zero) would exhaust its memory."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise OSError(errno.EINVAL, "not a regular file (a FIFO, device or folder)")
    return Path(path).read_bytes()


def _json_default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} as JSON")
