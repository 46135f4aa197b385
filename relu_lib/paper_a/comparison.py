"""The regenerated curves against the paper's published values and the exact theory, as one Markdown table.

Per curve of the paper's Figures 1-5 and per step the paper's figure was read at: the value read off the figure
(with its reading precision), the simulated mean over runs of ||w_t - w*|| with its standard error (what the
paper plots), and, like with like, the simulated sqrt(mean ||w_t - w*||^2) next to the exact sqrt(E||w_t - w*||^2)
(Algorithm 2 only; derived). The workflow writes it to figures/paper_a/comparison.md; docs/paper_a.md quotes the
default run's copy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relu_lib.paper_a import paper

ALGORITHM = {"alg2": "Algorithm 2", "sgd": "S.G.D."}


def comparison(summaries: dict, curves: dict, experiments: dict) -> pd.DataFrame:
    """One row per value of paper_values.csv whose curve the run has at the paper's setting (t > 0).
    `experiments`: figure number -> the experiment that draws it."""
    rows = []
    for number, fig in paper.FIGURES.items():
        name = experiments.get(number)
        if name not in summaries:
            continue
        summary, curve = summaries[name], curves.get(name)
        for value in paper.values_of(number):
            if value.t == 0:
                continue
            at = summary[
                (summary["algorithm"] == fig.algorithm)
                & np.isclose(summary[fig.swept].astype(float), value.value)
                & (summary["step"] == value.t)
            ]
            if at.empty or not fig.is_setting(at.iloc[0], value.value):
                continue
            obs = at.iloc[0]
            exact = np.nan
            if fig.algorithm == "alg2" and curve is not None and not curve.empty:
                line = curve[np.isclose(curve[fig.swept].astype(float), value.value) & (curve["step"] == value.t)]
                exact = float(line["exact_rms"].iloc[0]) if not line.empty else np.nan
            rows.append(
                {
                    "figure": number,
                    "algorithm": ALGORITHM[fig.algorithm],
                    "parameter": fig.swept,
                    "value": value.value,
                    "t": value.t,
                    "paper": value.error_mean,
                    "precision": value.relative_precision,
                    "simulated": float(obs["mean_error"]),
                    "simulated_se": float(obs["mean_error_se"]),
                    "simulated_rms": float(np.sqrt(obs["mean_sq"])),
                    "exact_rms": exact,
                    "runs": int(obs["runs"]),
                }
            )
    return pd.DataFrame(rows)


def markdown(frame: pd.DataFrame) -> str:
    """The table as Markdown, with the agreement of each curve in words."""
    head = (
        "| figure | algorithm | swept | t | paper (read off its figure) | simulated mean ± se | "
        "simulated rms | exact rms (derived) | runs |\n| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
    )
    lines = []
    for r in frame.itertuples():
        exact = "–" if np.isnan(r.exact_rms) else f"{r.exact_rms:.4g}"
        lines.append(
            f"| {r.figure} | {r.algorithm} | {r.parameter} = {r.value:g} | {r.t} | {r.paper:.3g} ± {r.precision:.0%} | "
            f"{r.simulated:.4g} ± {r.simulated_se:.2g} | {r.simulated_rms:.4g} | {exact} | {r.runs} |"
        )
    return head + "\n".join(lines) + "\n"
