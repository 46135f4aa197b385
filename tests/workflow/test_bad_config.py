"""The wiring of config validation into the workflow, through real `snakemake --dry-run` runs: a bad config
fails before any job is planned, with exit status != 0, exactly one `config error: ...` line naming the key
and the allowed values, no traceback, and nothing under results/.

What each bad value says is tested in-process, case by case, in tests/core/test_bad_config.py; these few
cases prove that the Snakefile reaches both checks (the strict reading of config.yaml and every
`--configfile`, and the validation of the merged config) and turns them into that one line.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml
from conftest import SMOKE_CONFIG, snakemake

SMOKE_TEXT = SMOKE_CONFIG.read_text()
AP = "paper_a.experiments.attack_probability"

# (case id, config.yaml bytes, overlay for --configfile (a mapping) or None, text naming the key, allowed values)
CASES = [
    (
        "yaml-duplicate-law",
        SMOKE_TEXT.replace("laws:\n", "laws:\n  normal:    {family: normal, d: 3, sigma: 2.0}\n", 1).encode(),
        None,
        "config file config.yaml: duplicate key 'normal'",
        "each key once per mapping",
    ),
    (
        "yaml-latin-1",
        ("# caf\xe9\n" + SMOKE_TEXT).encode("latin-1"),
        None,
        "config file config.yaml: byte",
        "a UTF-8 text file",
    ),
    (
        "unknown-attack",
        SMOKE_TEXT.replace("attack: alternating", "attack: evil", 1).encode(),
        None,
        "'paper_a.experiments.batch_size.attack'",
        "allowed values: none, alternating, random_sign",
    ),
    (  # a cross-key rule of paper A's grid
        "attack-none-with-betas-and-thetas",
        SMOKE_TEXT.replace(
            "attack: alternating\n      betas: [0, 0.5]", "attack: none\n      betas: [0, 0.5]"
        ).encode(),
        None,
        f"'{AP}.attack' = none but",
        "allowed values: attack alternating or random_sign",
    ),
    (  # the overlay merges into config.yaml, and the merged config is validated
        "configfile-overlay-runs-one",
        SMOKE_TEXT.encode(),
        {"paper_a": {"experiments": {"attack_probability": {"runs": 1}}}},
        f"'{AP}.runs' = 1",
        "an integer >= 2",
    ),
    (  # the resource limits, from the cost model, before any job
        "configfile-overlay-tight-memory-limit",
        SMOKE_TEXT.encode(),
        {"limits": {"max_mem_mb": 10}},
        "'limits.max_mem_mb' = 10",
        "is estimated to need",
    ),
]
IDS = [c[0] for c in CASES]


def run_case(workdir, case):
    _, text, overlay, _, _ = case
    workdir.mkdir()
    (workdir / "config.yaml").write_bytes(text)
    args = []
    if overlay is not None:
        (workdir / "overlay.yaml").write_text(yaml.safe_dump(overlay))
        args = ["--configfile", str(workdir / "overlay.yaml")]
    return snakemake(workdir, "--cores", "1", "--dry-run", *args, timeout=300)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """{case id: (workdir, completed process)}, run concurrently: each is mostly Snakemake's start-up."""
    root = tmp_path_factory.mktemp("bad_config")
    with ThreadPoolExecutor(max_workers=min(4, (os.cpu_count() or 1) + 1)) as pool:
        results = pool.map(lambda c: (root / c[0], run_case(root / c[0], c)), CASES)
        return dict(zip(IDS, results, strict=True))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_bad_config_is_rejected_before_any_job(outcomes, case):
    case_id, _, _, key_text, allowed_text = case
    workdir, result = outcomes[case_id]
    output = result.stdout + result.stderr
    assert result.returncode != 0
    errors = [line for line in output.splitlines() if "config error:" in line]
    assert len(errors) == 1 and errors[0].startswith("config error: "), output
    assert key_text in errors[0] and allowed_text in errors[0], output
    assert "Traceback" not in output
    assert not (workdir / "results").exists()
    assert "Job stats" not in output  # nothing was even planned
