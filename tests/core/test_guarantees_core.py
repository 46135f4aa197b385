"""The shared core's guarantees (issue 12): checksums verified on read, disk full in one line,
injective cell ids, strict YAML, finite numbers and true integers at the input boundary."""

import errno
import os

import numpy as np
import pyarrow as pa
import pytest

from relu_lib import config as relu_config
from relu_lib.cells import check_axis, format_value, parse_cell_id
from relu_lib.errors import UserError
from relu_lib.io import _data_end, read_json, read_metadata, read_table, verify, write_json, write_table


def table():
    return pa.table({"x": np.arange(1000, dtype=float), "y": np.arange(1000) % 7})


def test_a_flipped_bit_anywhere_in_a_parquet_file_is_named(tmp_path):
    path = tmp_path / "a.parquet"
    write_table(path, table(), {"k": 1})
    good = path.read_bytes()
    assert verify(path) is None and read_table(path)[1] == {"k": 1}
    end = _data_end(good)  # data pages: covered byte for byte (a flip in the footer is caught where it matters)
    for offset in (4, 200, end // 2, end - 1):
        data = bytearray(good)
        data[offset] ^= 1
        path.write_bytes(bytes(data))
        with pytest.raises(UserError, match=str(path)):
            read_table(path)
        assert verify(path) is not None
    path.write_bytes(good[: len(good) // 2])  # truncated
    with pytest.raises(UserError, match="not a readable Parquet file"):
        read_metadata(path)


def test_a_json_file_carries_its_checksum(tmp_path):
    path = tmp_path / "a.json"
    write_json(path, {"n0": 15.0, "inf": "inf"})
    assert read_json(path) == {"n0": 15.0, "inf": "inf"}
    path.write_text(path.read_text().replace("15.0", "16.0"))
    with pytest.raises(UserError, match="corrupt"):
        read_json(path)


def test_disk_full_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    def full(_):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(UserError, match="the disk is full"):
        write_json(tmp_path / "a.json", {"a": 1})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("values", [[0.1, 0.1000001, 0.5, 0.5000001, 1.0, 2.0, 1e-5, 1234567.0, 22.6, 5.66]])
def test_cell_ids_are_injective_and_round_trip(values):
    ids = [format_value(float(v)) for v in values]
    assert len(set(ids)) == len(values)
    assert [parse_cell_id(f"v={i}")["v"] for i in ids] == values
    assert format_value(0.5) == "0.5" and format_value(1.0) == "1" and format_value(-0.0) == "0"


def test_near_duplicates_on_an_axis_are_rejected():
    with pytest.raises(UserError, match="relative 1e-06"):
        check_axis("theta", [0.5, 0.5000001])
    check_axis("theta", [0.5, 0.501])


def test_duplicate_yaml_keys_name_both_lines(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("seed: 1\nlaws:\n  a: 1\n  a: 2\n")
    with pytest.raises(UserError, match=r"duplicate key 'a' \(line 3 and line 4\)"):
        relu_config.check_config_file(path)


@pytest.mark.parametrize(
    "value, text",
    [(float("nan"), "is not a finite number"), (7.0, "must be an integer"), (True, "is not allowed|an integer")],
)
def test_seed_must_be_a_true_finite_integer(value, text):
    import yaml
    from conftest import SMOKE_CONFIG

    config = yaml.safe_load(SMOKE_CONFIG.read_text())
    config["seed"] = value
    with pytest.raises(UserError, match=text):
        relu_config.load(config)


def test_a_fifo_or_a_device_in_a_cells_place_is_refused_without_opening_it(tmp_path):
    """Before: reading a FIFO blocked start-up forever (dry runs included); a symlink to /dev/zero was read until
    memory ran out. Now a file that is not regular is refused from its `stat`, and set aside as corrupt."""
    import concurrent.futures

    from relu_lib.currency import Expected, set_aside_stale

    fifo = tmp_path / "results" / "summary" / "x.parquet"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    device = tmp_path / "results" / "summary" / "y.json"
    device.symlink_to("/dev/zero")
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a regression would block: bounded, not a hang
        for path, reader in ((fifo, read_table), (device, read_json)):
            with pytest.raises(UserError, match="not a regular file"):
                pool.submit(reader, path).result(timeout=10)
        expected = {"results/summary/x.parquet": Expected("aggregate", group="e")}
        expected["results/summary/y.json"] = Expected("aggregate", group="e")
        lines = pool.submit(set_aside_stale, expected, {"e": "k"}, False, tmp_path).result(timeout=10)
    assert len(lines) == 2 and all("not a regular file" in line and ".corrupt" in line for line in lines), lines
    assert not fifo.exists() and (fifo.parent / ".x.parquet.corrupt").exists()
    assert not device.is_symlink() and (device.parent / ".y.json.corrupt").is_symlink()
