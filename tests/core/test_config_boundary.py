"""The YAML boundary of a config file (`relu_lib.config.check_config_file`): legal YAML that PyYAML would turn
into a bare Python exception (ValueError, RecursionError, TypeError), into unbounded work (an alias bomb) or
into something that is not a config of string keys is one UserError naming the file, its line and the problem,
after work bounded by the file's length. YAML merge keys are accepted.

In-process: each case writes a file and calls check_config_file. Two real `snakemake --dry-run --configfile`
runs (marked `workflow`) show the Snakefile turns the error into one `config error:` line."""

from __future__ import annotations

import shutil
import time
import tracemalloc

import pytest
import yaml
from conftest import REPO, SMOKE_CONFIG, snakemake

from relu_lib import config as relu_config
from relu_lib.errors import UserError


def billion_laughs(indent: str = "") -> str:
    """The classic YAML alias bomb: 9 levels of 9 aliases, 9**9 (387 million) strings from ~350 bytes."""
    lines = [f'{indent}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{indent}{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def merge_bomb() -> str:
    """An alias bomb of mappings merged into mappings (`<<: [*a, *a, ...]`): PyYAML's flatten_mapping would copy
    9**8 key-value pairs."""
    lines = ["a: &a {x0: 1, x1: 1, x2: 1, x3: 1, x4: 1, x5: 1, x6: 1, x7: 1, x8: 1}"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} {{<<: [" + ", ".join([f"*{prev}"] * 9) + "]}")
    return "\n".join(lines) + "\n"


def deep_through_aliases() -> str:
    """Each anchor 10 levels deep and holding the previous one: 40 levels once expanded, 10 as written."""
    lines, prev = [], None
    for name in "abcd":
        inner = f"*{prev}" if prev else "1"
        lines.append(f"{name}: &{name} " + "[" * 10 + inner + "]" * 10)
        prev = name
    return "\n".join(lines) + "\n"


# (case id, file text, texts the one-line message contains)
REJECTED = [
    ("int-4301-digits", "seed: " + "1" * 4301 + "\n", ["line 1: the integer '1111", "(4301 characters) is too large"]),
    ("int-401-digits-1e400", "seed: 1" + "0" * 400 + "\n", ["(401 characters) is too large", "-1e+18 to 1e+18"]),
    ("int-just-over-the-cap", f"seed: {10**18 + 1}\n", ["is too large"]),
    ("int-negative-over-the-cap", f"seed: -{10**18 + 1}\n", ["is too large"]),
    ("int-hex-over-the-cap", "seed: 0x" + "f" * 20 + "\n", ["is too large"]),
    ("int-sexagesimal-huge", "seed: 1" + ":59" * 3000 + "\n", ["is too large"]),
    ("int-underscores-huge", "seed: 1" + "_000" * 2000 + "\n", ["is too large"]),
    ("nested-2000-brackets", "seed: " + "[" * 2000 + "]" * 2000 + "\n", ["line 1: nested deeper than 32 levels"]),
    ("nested-2000-mappings", "seed: " + "{a: " * 2000 + "1" + "}" * 2000 + "\n", ["nested deeper than 32 levels"]),
    ("nested-block-lists", "seed:\n" + "".join(" " * i + "-\n" for i in range(40)), ["nested deeper than 32"]),
    ("nested-through-aliases", deep_through_aliases(), ["nested deeper than 32 levels", "aliases expanded"]),
    ("complex-key-list", "? [a, b]\n: 1\n", ["line 1: a list is used as a key", "keys must be strings"]),
    ("complex-key-mapping", "seed: 1\n? {a: 1}\n: 2\n", ["line 2: a mapping is used as a key"]),
    ("alias-bomb", billion_laughs(), ["line 6: expands to more than 100000 values", "alias bomb"]),
    ("alias-bomb-nested", "paper_b:\n  x:\n" + billion_laughs("    "), ["expands to more than 100000 values"]),
    ("alias-bomb-of-merges", merge_bomb(), ["expands to more than 100000 values"]),
    ("recursive-alias", "seed: 1\nloop: &a [1, *a]\n", ["line 2: an alias refers to its own anchor"]),
    ("recursive-merge", "loop: &a {<<: *a}\n", ["an alias refers to its own anchor"]),
    ("empty-file", "", ["is empty; allowed values: a YAML or JSON mapping"]),
    ("only-comments", "# nothing here\n\n", ["is empty"]),
    ("only-tilde", "~\n", ["is null, not a mapping"]),
    ("a-list", "- seed\n- laws\n", ["is a list, not a mapping"]),
    ("a-scalar", "seed\n", ["is a single value ('seed'), not a mapping"]),
    ("a-number", "7\n", ["is a single value ('7'), not a mapping"]),
    ("a-set", "!!set {seed, laws}\n", ["is tagged tag:yaml.org,2002:set, not a mapping"]),
    (
        "key-integer",
        "seed: 1\nlaws:\n  7: x\n",
        ["line 3: the key '7' is read as an integer, but keys must be strings"],
    ),
    ("key-null", "laws:\n  ~: x\n", ["line 2: the key '~' is read as null", "keys must be strings"]),
    ("key-yes", "yes: 1\n", ["the key 'yes' is read as true/false", "keys must be strings"]),
    ("key-float", "checks:\n  0.5: x\n", ["the key '0.5' is read as a number"]),
    ("key-date", "2024-01-01: x\n", ["is read as a date"]),
    ("key-binary", "seed: 1\n? !!binary aGVsbG8=\n: 2\n", ["line 2: the key 'aGVsbG8=' is read as binary data"]),
    ("key-deep-in-a-list", "a:\n  - b:\n      c: [{3: d}]\n", ["line 3: the key '3' is read as an integer"]),
    ("key-integer-in-a-merge", "a:\n  <<: {7: x}\n  b: 1\n", ["line 2: the key '7' is read as an integer"]),
    ("key-huge-integer", "? " + "1" * 5000 + "\n: x\n", ["the key '1111", "is read as an integer"]),
    ("bad-explicit-int", "seed: !!int abc\n", ["line 1: 'abc' cannot be read as tag:yaml.org,2002:int (ValueError)"]),
    ("bad-explicit-bool", "flag: !!bool maybe\n", ["cannot be read as tag:yaml.org,2002:bool (KeyError)"]),
    (
        "duplicate-beside-a-merge",
        "b: &b {x: 1}\na:\n  <<: *b\n  y: 1\n  y: 2\n",
        ["duplicate key 'y' (line 4 and line 5)"],
    ),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED])
def test_a_bad_config_file_is_one_line_naming_the_file(tmp_path, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    start = time.perf_counter()
    with pytest.raises(UserError) as caught:
        relu_config.check_config_file(path)
    seconds = time.perf_counter() - start
    message = str(caught.value)
    assert message.startswith(f"config file {path}: ") and "\n" not in message and len(message) < 400, message
    for part in expected:
        assert part in message, message
    assert seconds < 2, seconds  # bounded work: the slowest case (nested brackets) takes ~0.2 s


def test_the_alias_bomb_is_refused_in_milliseconds_and_little_memory(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs())
    start = time.perf_counter()
    with pytest.raises(UserError, match="alias bomb"):
        relu_config.check_config_file(path)
    assert time.perf_counter() - start < 0.25
    tracemalloc.start()
    try:
        with pytest.raises(UserError, match="alias bomb"):
            relu_config.check_config_file(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20, peak  # expanded, the 387 million strings would need gigabytes


MERGED = """\
base: &base {family: normal, d: 10, sigma: 1.0}
more: &more {eta: 0.05}
laws:
  normal:
    <<: *base
  wide:
    <<: *base
    sigma: 2.0
  both:
    <<: [*more, *base]
    family: student_t
"""


def test_yaml_merge_keys_are_accepted_and_read_as_snakemake_reads_them(tmp_path):
    path = tmp_path / "merged.yaml"
    path.write_text(MERGED)
    relu_config.check_config_file(path)  # before: "could not determine a constructor for the tag ...merge"
    ours = yaml.load(MERGED, Loader=relu_config._StrictLoader)
    assert ours == yaml.load(MERGED, Loader=yaml.FullLoader)  # Snakemake's loader (through YTE)
    assert ours["laws"]["wide"] == {"family": "normal", "d": 10, "sigma": 2.0}  # an explicit key overrides
    assert ours["laws"]["both"] == {"family": "student_t", "d": 10, "sigma": 1.0, "eta": 0.05}


@pytest.mark.parametrize(
    "text",
    [
        f"seed: {10**18}\nother: -{10**18}\n",  # the cap itself
        "'7': a\n\"yes\": b\n!!str 8: c\n",  # keys quoted or tagged as strings
        "a: &a [1, 2]\nb: [*a, *a, *a]\nc: {k: *a}\n",  # aliases well under the cap
        "seed: " + "[" * 31 + "]" * 31 + "\n",  # 32 levels with the mapping
        '{"seed": 7, "laws": {"normal": {"d": 10}}}\n',  # JSON
    ],
    ids=["int-at-the-cap", "string-keys", "few-aliases", "32-levels", "json"],
)
def test_legal_configs_within_the_limits_are_accepted(tmp_path, text):
    path = tmp_path / "ok.yaml"
    path.write_text(text)
    relu_config.check_config_file(path)
    assert yaml.load(text, Loader=relu_config._StrictLoader) == yaml.load(text, Loader=yaml.FullLoader)


@pytest.mark.parametrize("path", [REPO / "config.yaml", SMOKE_CONFIG], ids=["config.yaml", "smoke"])
def test_the_shipped_configs_pass(path):
    relu_config.check_config_file(path)


BAD_OVERLAYS = {
    # under a real list key: before, the validator's repr of the list ran for minutes past 1 GB of memory
    "alias-bomb": "paper_b:\n  experiments:\n    sample_complexity:\n      ratios:\n"
    + "".join(f"        - {line[3:]}\n" for line in billion_laughs().splitlines()),
    # before: a TypeError traceback (sorting the unknown keys 7 and 'extra' for the message)
    "integer-key": "seed: 7\n7: a\nextra: b\n",
}


@pytest.mark.workflow
@pytest.mark.parametrize("case", sorted(BAD_OVERLAYS))
def test_a_bad_configfile_is_one_config_error_line_in_a_real_dry_run(tmp_path, case):
    workdir = tmp_path / "run"
    workdir.mkdir()
    shutil.copy(SMOKE_CONFIG, workdir / "config.yaml")
    bad = tmp_path / f"{case}.yaml"
    bad.write_text(BAD_OVERLAYS[case])
    result = snakemake(workdir, "--dry-run", "--configfile", str(bad), timeout=120)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("config error:")]
    assert len(errors) == 1 and f"config file {bad}: line " in errors[0], result.stderr[-3000:]
    assert not (workdir / "results").exists()
