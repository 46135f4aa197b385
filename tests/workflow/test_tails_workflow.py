"""The tails study through real Snakemake: a tiny tails-only config produces the cells, the summary, the derived
table, every verdict family in the bound table, and figures A6 and A6_conjecture; the default config plans its jobs."""

import shutil

import pandas as pd
import yaml
from conftest import REPO, snakemake

from relu_lib.io import read_metadata
from relu_lib.paper_a.tails.checks import (
    CONJECTURE_FAMILY,
    CONJECTURE_GROWTH_FAMILY,
    FAMILY,
    GROWTH_FAMILY,
    PAIR_FAMILY,
)
from relu_lib.verdicts import VERDICTS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TINY = {
    "seed": 7,
    "laws": {"gauss": {"family": "normal", "d": 6, "sigma": 1.0}},
    "paper_a": {
        "w_star_scale": 1.0,
        "start_scale": 1.0,
        "moment_samples": 1000,
        "experiments": {
            "tails": {
                "laws": ["gauss"],
                "adversary": ["random_sign", "alternating"],
                "batch_sizes": [2],
                "edge_fractions": [0.7, 0.9],
                "beta": 0.5,
                "theta": 1.0,
                "seeds": 40,
                "samples": 4,
                "thin_factor": 1,
                "burn_in_lags": 2,
                "bootstrap": 20,
                "tail_fraction": 0.1,
                "growth_draws": 2000,
                "conjecture_fractions": [0.7, 0.9],
            }
        },
    },
    "checks": {"z": 3, "epsilon": 0.05, "delta": 0.1, "fail_on_violation": False},
}


def test_tiny_tails_config_produces_a6_and_the_verdict_rows(tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(TINY))
    result = snakemake(tmp_path, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    for stem in ("A6_tail_index", "A6_conjecture"):
        for ext in ("pdf", "png"):
            assert (tmp_path / f"figures/{stem}.{ext}").stat().st_size > 1000
        assert (tmp_path / f"figures/{stem}.png").read_bytes()[:8] == PNG_MAGIC
    cells = sorted(
        p.relative_to(tmp_path / "results/tails").parent.as_posix()
        for p in (tmp_path / "results/tails").rglob("norms.parquet")
    )
    assert cells == [f"law=gauss/attack={a}/b=2/frac={f}" for a in ("alternating", "random_sign") for f in (0.7, 0.9)]
    meta = read_metadata(tmp_path / "results/tails/law=gauss/attack=random_sign/b=2/frac=0.9/norms.parquet")
    plan = meta["cell"]["algorithms"]["alg2"]
    assert plan["thin"] >= 1 and plan["burn_in"] == 2 * plan["thin"] and meta["provenance"]["config_hash"]
    assert "cpu_seconds" not in meta  # timings go to the job's log: a rerun writes the same bytes
    summary = pd.read_parquet(tmp_path / "results/summary/tails.parquet")
    assert len(summary) == 8 and set(summary["algorithm"]) == {"alg2", "sgd"}
    conjecture = pd.read_parquet(tmp_path / "results/summary/tails_conjecture.parquet")
    assert len(conjecture) == 4 and read_metadata(tmp_path / "results/summary/tails_conjecture.parquet")["source"]
    rows = pd.read_parquet(tmp_path / "results/bounds/all_checks.parquet")
    tails = rows[rows["experiment"] == "tails"]
    counts = tails["check"].value_counts()
    assert counts[FAMILY] == 8 and counts[GROWTH_FAMILY] == 8 and counts[PAIR_FAMILY] == 4
    assert counts[CONJECTURE_FAMILY] == 4 and counts[CONJECTURE_GROWTH_FAMILY] == 4
    assert set(tails["verdict"].astype(str)) <= set(VERDICTS)
    assert (tails["reason"].str.len() > 0).all() and (tails["source"] == "derived").all()
    assert "A6 tail index" in (tmp_path / "figures/bound_checks.md").read_text()
    again = snakemake(tmp_path, "--cores", "2", "--dry-run")
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr
    reads_through_the_results_api_and_rebuilds_a_deleted_or_corrupt_cell(tmp_path)


def reads_through_the_results_api_and_rebuilds_a_deleted_or_corrupt_cell(workdir):
    """Before: the results API said tails "is not in the config", a deleted tails cell was never rebuilt and a
    corrupt one failed every run."""
    from relu_lib import results

    frame = results.trajectories("tails", workdir / "config.yaml", workdir)
    assert set(frame["attack"]) == {"alternating", "random_sign"} and set(frame["frac"]) == {0.7, 0.9}
    assert len(results.verdicts("tails", workdir / "config.yaml", workdir))
    deleted, corrupt = (
        workdir / f"results/tails/law=gauss/attack=random_sign/b=2/frac={f}/norms.parquet" for f in (0.7, 0.9)
    )
    before = deleted.read_bytes(), corrupt.read_bytes()
    deleted.unlink()
    flipped = bytearray(before[1])
    flipped[200] ^= 1
    corrupt.write_bytes(bytes(flipped))
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"integrity: {corrupt.relative_to(workdir)}: corrupt" in result.stderr
    assert (deleted.read_bytes(), corrupt.read_bytes()) == before


def test_default_config_plans_the_tails_jobs(tmp_path):
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    result = snakemake(
        tmp_path,
        "--dry-run",
        "--cores",
        "2",
        "figures/A6_tail_index.png",
        "figures/A6_conjecture.png",
        "results/bounds/tails.parquet",
    )
    assert result.returncode == 0, result.stderr
    for rule in ("tails_train", "tails_conjecture", "tails_summarize", "figure_a6", "figure_a6_conjecture"):
        assert rule in result.stdout, rule
