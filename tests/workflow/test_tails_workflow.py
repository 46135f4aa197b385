"""The tails experiment (figure A6) through real Snakemake: a tiny tails-only config produces the cells, the
summary, both verdict families in the bound table, and figure A6; the default config plans its jobs."""

import shutil

import pandas as pd
import yaml
from conftest import REPO, snakemake

from relu_lib.io import read_metadata
from relu_lib.paper_a.tails.checks import FAMILY, PAIR_FAMILY
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
                "batch_sizes": [1, 2],
                "edge_fractions": [0.7, 0.9],
                "adversary": "random_sign",
                "beta": 0.5,
                "theta": 1.0,
                "seeds": 60,
                "samples": 2,
                "thin_factor": 6,
                "burn_in_lags": 2,
                "bootstrap": 20,
            }
        },
    },
    "checks": {"z": 3, "epsilon": 0.05, "delta": 0.1, "fail_on_violation": False},
}


def test_tiny_tails_config_produces_a6_and_the_verdict_rows(tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(TINY))
    result = snakemake(tmp_path, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    for ext in ("pdf", "png"):
        assert (tmp_path / f"figures/A6_tail_index.{ext}").stat().st_size > 1000
    assert (tmp_path / "figures/A6_tail_index.png").read_bytes()[:8] == PNG_MAGIC
    cells = sorted(
        p.relative_to(tmp_path / "results/tails").parent.as_posix()
        for p in (tmp_path / "results/tails").rglob("norms.parquet")
    )
    assert cells == [
        "law=gauss/b=1/frac=0.7",
        "law=gauss/b=1/frac=0.9",
        "law=gauss/b=2/frac=0.7",
        "law=gauss/b=2/frac=0.9",
    ]
    meta = read_metadata(tmp_path / "results/tails/law=gauss/b=1/frac=0.9/norms.parquet")
    assert meta["thin"] >= 1 and meta["burn_in"] == 2 * meta["thin"] and meta["provenance"]["config_hash"]
    summary = pd.read_parquet(tmp_path / "results/summary/tails.parquet")
    assert len(summary) == 8 and set(summary["algorithm"]) == {"glm_tron", "sgd"}
    rows = pd.read_parquet(tmp_path / "results/bounds/all_checks.parquet")
    tails = rows[rows["experiment"] == "tails"]
    assert (tails["check"] == FAMILY).sum() == 8 and (tails["check"] == PAIR_FAMILY).sum() == 4
    assert set(tails["verdict"].astype(str)) <= set(VERDICTS)
    assert (tails["reason"].str.len() > 0).all()
    assert "A6 tail index" in (tmp_path / "figures/bound_checks.md").read_text()
    again = snakemake(tmp_path, "--cores", "2", "--dry-run")
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr


def test_default_config_plans_the_tails_jobs(tmp_path):
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    result = snakemake(
        tmp_path, "--dry-run", "--cores", "2", "figures/A6_tail_index.png", "results/bounds/tails.parquet"
    )
    assert result.returncode == 0, result.stderr
    assert "tails_train" in result.stdout and "figure_a6" in result.stdout
