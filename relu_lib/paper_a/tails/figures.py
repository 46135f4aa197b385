"""Figure A6: the measured tail index of the late iterates against the Kesten prediction.

Top row, one panel per input law (i.e. per d): Hill-KS alpha with its seed-bootstrap 95 % interval against
eta / eta_edge, b as hue, GLM-Tron (circles) and SGD (squares) side by side; the predicted alpha(eta) of the ReLU
gate (solid) and of linear regression with the same inputs (dashed). Bottom row: the survival function of
||Delta_inf|| on log-log axes for two cells, with a line of the predicted slope -alpha through Hill's threshold.
"""

from __future__ import annotations

import math

import numpy as np

from relu_lib.paper_a.tails import theory
from relu_lib.style import apply_style, plain_log_ticks, save

CURVE_POINTS = 60
MARKERS = {"glm_tron": "o", "sgd": "s"}
OFFSET = {"glm_tron": -0.008, "sgd": 0.008}  # x offset of the two algorithms' markers (fraction of the edge)


def survival_cells(summary) -> list[str]:
    """The two cells drawn in the bottom row: the first law and batch size, the two largest edge fractions
    (the heaviest tails, so the power law is visible over the widest range)."""
    first = summary[(summary["law_name"] == summary["law_name"].iloc[0]) & (summary["b"] == summary["b"].min())]
    fractions = sorted(first["fraction"].unique())[-2:]
    return [first[first["fraction"] == f]["cell"].iloc[0] for f in fractions]


def _curve(d: int, b: int, model: str, lo: float, hi: float):
    edge = theory.stability_edge(b, d)  # x axis: fractions of the ReLU edge
    fractions = np.linspace(lo, hi, CURVE_POINTS)
    alpha = []
    lin_edge = theory.stability_edge(b, d, model)
    for f in fractions:
        eta = f * edge
        alpha.append(theory.tail_index(eta, b, d, model) if eta < lin_edge else math.nan)
    return fractions, np.array(alpha, dtype=float)


def draw(summary_path, cell_paths, out_prefix) -> None:
    import matplotlib.pyplot as plt
    import seaborn as sns

    from relu_lib.io import read_table
    from relu_lib.paper_a.tails.summary import SUMMARY_COLUMNS, read_cell
    from relu_lib.provenance import inputs_config, stamp

    table, meta = read_table(summary_path, SUMMARY_COLUMNS)
    summary = table.to_pandas()
    apply_style()
    laws = list(dict.fromkeys(summary["law_name"]))
    batches = sorted(summary["b"].unique())
    colors = dict(zip(batches, sns.color_palette("viridis", len(batches)), strict=False))
    if len(laws) == 1:  # one row: the index panel, then the two tails
        fig, flat = plt.subplots(1, 3, figsize=(12.6, 3.9), squeeze=False)
        axes = [flat[0][:1], flat[0][1:]]
    else:
        ncols = max(len(laws), 2)
        fig, axes = plt.subplots(2, ncols, figsize=(4.2 * ncols, 7.2), squeeze=False)
    lo, hi = summary["fraction"].min(), summary["fraction"].max()
    lo, hi = max(0.02, lo - 0.05), min(0.995, hi + 0.05)
    for ax, law in zip(axes[0], laws, strict=False):
        part = summary[summary["law_name"] == law]
        d, sigma = int(part["d"].iloc[0]), float(part["sigma"].iloc[0])
        top = 0.0
        for b in batches:
            cells = part[part["b"] == b]
            if cells.empty:
                continue
            x, relu = _curve(d, int(b), "relu", lo, hi)
            _, linear = _curve(d, int(b), "linear", lo, hi)
            ax.plot(x, relu, color=colors[b], lw=1.4, label=f"b = {b}: predicted (ReLU)")
            ax.plot(x, linear, color=colors[b], lw=1.0, ls="--", label=f"b = {b}: linear regression")
            for algo, rows in cells.groupby("algorithm", sort=False):
                rows = rows.sort_values("fraction")
                err = np.vstack([rows["hill"] - rows["hill_lower"], rows["hill_upper"] - rows["hill"]])
                ax.errorbar(
                    rows["fraction"] + OFFSET.get(algo, 0.0),
                    rows["hill"],
                    yerr=np.clip(err, 0, None),
                    fmt=MARKERS.get(algo, "^"),
                    color=colors[b],
                    mfc="white" if algo == "sgd" else colors[b],
                    ms=5,
                    capsize=2,
                    lw=1,
                    ls="none",
                    label=f"b = {b}: {'SGD' if algo == 'sgd' else 'GLM-Tron'}",
                )
            top = max(top, float(np.nanmax(cells["hill_upper"])), float(np.nanmax(cells["predicted"])))
        ax.set_yscale("log")
        ax.set_ylim(1, max(10.0, 1.3 * top))
        plain_log_ticks(ax.yaxis)
        ax.set_xlim(lo, hi)
        ax.set_xlabel(r"$\eta\,\sigma^2 / \eta_{\mathrm{edge}}(b, d)$")
        ax.set_ylabel(r"tail index $\alpha$ of $\|w_t - w^*\|$")
        ax.set_title(f"{law}: N(0, {sigma:g}² I), d = {d}")
    for ax in axes[0][len(laws) :]:
        ax.set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    axes[0][0].legend(handles, labels, fontsize="x-small", ncol=2, loc="lower left")

    chosen = survival_cells(summary)
    metas = [meta]
    for ax, cell in zip(axes[1], chosen, strict=False):
        path = next(p for p in cell_paths if str(p).endswith(f"{cell}/norms.parquet"))
        norms, cell_meta = read_cell(path)
        metas.append(cell_meta)
        rows = summary[summary["cell"] == cell]
        for i, algo in enumerate(cell_meta["algorithms"]):
            values = np.sort(norms[i].ravel())[::-1]
            values = values[np.isfinite(values)]
            surv = np.arange(1, values.size + 1) / values.size
            ax.loglog(
                values,
                surv,
                color=f"C{i}",
                lw=1.2,
                drawstyle="steps-post",
                label=f"{'GLM-Tron' if algo == 'tron' else 'SGD'} "
                f"(Hill {rows[rows['algorithm'] == algo]['hill'].iloc[0]:.2f})",
            )
        rec = rows.iloc[0]
        k = int(rec["k"]) if rec["k"] > 0 else max(10, values.size // 10)
        values = np.sort(norms[0].ravel())[::-1]
        x0, s0 = values[k], (k + 1) / values.size
        xs = np.geomspace(x0, values[0] * 1.5, 20)
        ax.loglog(
            xs,
            s0 * (xs / x0) ** -rec["predicted"],
            color="black",
            lw=1.4,
            ls=":",
            label=f"predicted slope -{rec['predicted']:.2f}",
        )
        ax.set_xlabel(r"$\|w_t - w^*\|$ (late, thinned)")
        ax.set_ylabel("survival function")
        ax.set_title(f"{rec['law_name']}, b = {rec['b']}, η = {rec['fraction']:g} of the edge", fontsize="small")
        ax.set_ylim(0.5 / values.size, 1.2)
        plain_log_ticks(ax.xaxis)
        ax.legend(fontsize="x-small", loc="lower left")
    for ax in axes[1][len(chosen) :]:
        ax.set_visible(False)
    fig.suptitle(
        "A6: heavy tail of the late iterates (random_sign attack); prediction: Kesten index of the far-field "
        "map, derived in docs/theory.md A.5 (not the authors' note)",
        fontsize="small",
    )
    fig.tight_layout()
    save(fig, out_prefix, stamp(inputs_config(metas), __name__))
