"""Every output honours the umask (mode 0666 & ~umask) like any file a program writes: `io.atomic_output`, the one
writer of every Parquet, JSON, text and figure file, creates its temporary file with mkstemp (always 0600) and
sets the mode before the rename."""

import os
import stat

import numpy as np
import pyarrow as pa
import pytest

from relu_lib import io


def write_every_kind(folder):
    io.write_table(folder / "a.parquet", pa.table({"x": np.arange(3.0)}), {"k": 1})
    io.write_json(folder / "a.json", {"k": 1})
    io.write_text(folder / "a.md", "text\n")
    return [folder / "a.parquet", folder / "a.json", folder / "a.md"]


def written_modes(folder, mask):
    old = os.umask(mask)
    try:
        paths = write_every_kind(folder)
        assert os.umask(mask) == mask  # writing left the umask as it was
    finally:
        os.umask(old)
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    return {path.name: oct(stat.S_IMODE(path.stat().st_mode)) for path in paths}


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_outputs_honour_the_umask(tmp_path, mask, expected):
    assert written_modes(tmp_path, mask) == dict.fromkeys(["a.parquet", "a.json", "a.md"], oct(expected))


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_the_umask_is_read_without_proc_too(tmp_path, monkeypatch, mask):
    """Where /proc/self/status does not report it (not Linux), os.umask reads it and sets it back."""
    if os.path.exists(io.PROC_STATUS):
        old = os.umask(mask)
        try:
            assert io.umask() == mask  # the /proc reading
        finally:
            os.umask(old)
    monkeypatch.setattr(io, "PROC_STATUS", str(tmp_path / "no-such-file"))
    (tmp_path / "out").mkdir()
    assert set(written_modes(tmp_path / "out", mask).values()) == {oct(0o666 & ~mask)}


def test_a_rewrite_takes_the_current_umask(tmp_path):
    old = os.umask(0o077)
    try:
        io.write_text(tmp_path / "a.md", "one\n")
        os.umask(0o022)
        io.write_text(tmp_path / "a.md", "two\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.md").stat().st_mode) == 0o644
