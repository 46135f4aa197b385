"""The tails study's figures.

A6 (draw): top row, one panel per (law, attack): the measured tail index (Hill at the fixed k / n, 95 %
seed-bootstrap interval) of Algorithm 2 (filled circles) and S.G.D. (open squares) against eta / eta_edge of each
algorithm's own edge, b as hue; the model's expected Hill at the same n and k (crosses: what the estimator reads
under the prediction at this sample size); the predicted asymptotic alpha of Algorithm 2 (solid) and S.G.D.
(dash-dot), and linear regression on the same inputs (dashed), each at the fraction of its own edge. Bottom row:
the survival function of the late, thinned ||w_t - w*|| for two cells on log-log axes, both algorithms (the
model's chains dashed), with lines of the predicted slopes -alpha through the k-th largest value.

A6_conjecture (draw_conjecture): the derived table: alpha_Alg2 and alpha_SGD against the fraction of each one's
edge (top, one panel per (attack, n)), and their relative difference with 3 numerical errors (bottom).
"""

from __future__ import annotations

import math

import numpy as np

from relu_lib.style import apply_style, grid, plain_log_ticks, save, set_width, suptitle

CURVE_POINTS = 7  # predicted alpha at this many fractions per curve (Algorithm 2, coarse rules: ~0.05 s each)
Y_TICKS = (0.2, 0.5, 1, 2, 3, 5, 10, 20, 50)
MARKERS = {"alg2": "o", "sgd": "s"}
CURVE_STYLE = {"alg2": "-", "sgd": "-.", "linear": "--"}
NAMES = {"alg2": "Algorithm 2", "sgd": "S.G.D.", "linear": "linear regression"}
OFFSET = {"alg2": -0.006, "sgd": 0.006}  # x offset of the two algorithms' markers (fraction of the edge)


def survival_cells(summary) -> list[str]:
    """The two cells of the bottom row: the first law and attack, the smallest b, its two largest fractions (the
    heaviest tails: the power law is visible over the widest range)."""
    first = summary[
        (summary["law_name"] == summary["law_name"].iloc[0]) & (summary["adversary"] == summary["adversary"].iloc[0])
    ]
    first = first[first["b"] == first["b"].min()]
    fractions = sorted(first["fraction"].unique())[-2:]
    return [first[first["fraction"] == f]["cell"].iloc[0] for f in fractions]


def _prediction_curves(spec: dict, fractions) -> dict:
    """{algorithm: alpha at the fractions of its own edge} for a cell's (law, attack, b): the lines of A6."""
    from relu_lib.paper_a.tails import prediction

    flt = prediction.alg2_filter(spec["adversary"], spec["beta"], spec["theta"], spec["w_star_norm"],
                                 spec["law"]["sigma"])  # fmt: skip
    return {
        name: prediction.curve(name, fractions, spec["b"], spec["law"]["d"], flt, coarse=True) for name in CURVE_STYLE
    }


def _survival(values: np.ndarray, points: int = 600) -> tuple[np.ndarray, np.ndarray]:
    """The empirical survival function of the positive finite values at about `points` log-spaced ranks (every
    rank of the top ones): the same curve as all n steps, at a size a PDF draws quickly."""
    values = np.sort(values[np.isfinite(values) & (values > 0)])[::-1]
    ranks = np.unique(np.geomspace(1, values.size, points).astype(int)) - 1
    return values[ranks], (ranks + 1) / values.size


def draw(summary_path, cell_paths, out_prefix, width="screen") -> None:
    import matplotlib
    import seaborn as sns

    from relu_lib.io import read_table
    from relu_lib.paper_a.tails.summary import SUMMARY_COLUMNS, read_cell
    from relu_lib.provenance import inputs_config, stamp

    set_width(width)
    table, meta = read_table(summary_path, SUMMARY_COLUMNS)
    summary = table.to_pandas()
    loaded = {}
    for path in cell_paths:
        norms, cell_meta = read_cell(path)
        loaded[cell_meta["cell"]["cell"]] = (norms, cell_meta)
    specs = {cell: m["cell"] for cell, (_, m) in loaded.items()}
    apply_style()
    groups = list(dict.fromkeys(zip(summary["law_name"], summary["adversary"], strict=True)))
    batches = sorted(summary["b"].unique())
    colors = dict(zip(batches, sns.color_palette("viridis", len(batches)), strict=False))
    ncols = max(len(groups), 2)
    fig, axes, _ = grid(2, ncols, 4.4, 3.7)
    lo, hi = summary["fraction"].min(), summary["fraction"].max()
    lo, hi = max(0.02, lo - 0.08), min(0.995, hi + 0.06)
    for ax, (law, attack) in zip(axes[0], groups, strict=False):
        part = summary[(summary["law_name"] == law) & (summary["adversary"] == attack)]
        d, sigma = int(part["d"].iloc[0]), float(part["sigma"].iloc[0])
        low, top = 2.0, 2.0
        for b in batches:
            cells = part[part["b"] == b]
            if cells.empty:
                continue
            fr = np.linspace(lo, hi, CURVE_POINTS)
            for name, alpha in _prediction_curves(specs[cells["cell"].iloc[0]], fr).items():
                ax.plot(fr, alpha, color=colors[b], lw=1.2 if name != "linear" else 0.9, ls=CURVE_STYLE[name],
                        label=f"b = {b}: {NAMES[name]} (predicted)")  # fmt: skip
            for algo, rows in cells.groupby("algorithm", sort=False):
                rows = rows.sort_values("fraction")
                err = np.vstack([rows["hill"] - rows["hill_lower"], rows["hill_upper"] - rows["hill"]])
                ax.errorbar(
                    rows["fraction"] + OFFSET.get(algo, 0.0), rows["hill"], yerr=np.clip(err, 0, None),
                    fmt=MARKERS.get(algo, "^"), color=colors[b], mfc="white" if algo == "sgd" else colors[b],
                    ms=5, capsize=2, lw=1, ls="none", label=f"b = {b}: {NAMES[algo]} (Hill at k/n fixed)",
                )  # fmt: skip
                ax.plot(rows["fraction"] + OFFSET.get(algo, 0.0), rows["model_hill"], "x", color=colors[b], ms=5,
                        label=f"b = {b}: model at the same n, k")  # fmt: skip
            values = np.concatenate([cells[c].to_numpy() for c in ("hill_lower", "hill_upper", "model_hill")])
            values = values[np.isfinite(values) & (values > 0)]
            if values.size:
                low, top = min(low, float(values.min())), max(top, float(values.max()))
        ax.set_yscale("log")
        ax.set_ylim(0.75 * low, 1.3 * top)
        ax.yaxis.set_major_locator(matplotlib.ticker.FixedLocator(Y_TICKS))
        plain_log_ticks(ax.yaxis)
        ax.set_xlim(lo, hi)
        ax.set_xlabel(r"$\eta\,\sigma^2 / \eta_{\mathrm{edge}}$ (each algorithm's own edge)")
        ax.set_ylabel(r"tail index $\alpha$ of $\|w_t - w^*\|$")
        ax.set_title(f"{law}, {attack}: N(0, {sigma:g}² I), n = {d}", fontsize="small")
    for ax in axes[0][len(groups) :]:
        ax.set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    # one legend under the panels, small enough for the figure's width
    fig.legend(list(unique.values()), list(unique.keys()), loc="upper center", bbox_to_anchor=(0.5, 0.0),
               ncol=4 if len(batches) > 1 else 3, fontsize="x-small")  # fmt: skip

    chosen = survival_cells(summary)
    metas = [meta]
    for ax, cell in zip(axes[1], chosen, strict=False):
        norms, cell_meta = loaded[cell]
        metas.append(cell_meta)
        rows = summary[summary["cell"] == cell]
        smallest = 1.0
        for i, algo in enumerate(cell_meta["algorithms"]):
            rec = rows[rows["algorithm"] == algo].iloc[0]
            raw = norms["measured"][i].ravel()
            x_meas, surv = _survival(raw)
            smallest = min(smallest, 0.5 / raw.size)
            ax.loglog(x_meas, surv, color=f"C{i}", lw=1.2, drawstyle="steps-post",
                      label=f"{NAMES[algo]} (Hill {rec['hill']:.2f} at k = {int(rec['k'])})")  # fmt: skip
            x_ref, s_ref = _survival(norms["model"][i].ravel())
            ax.loglog(x_ref, s_ref, color=f"C{i}", lw=0.8, alpha=0.5, ls="--", drawstyle="steps-post",
                      label=f"{NAMES[algo]}: the model's chains")  # fmt: skip
            values = np.sort(raw[np.isfinite(raw)])[::-1]
            k = int(rec["k"])
            if math.isfinite(rec["predicted"]) and 0 < k < values.size:
                x0, s0 = values[k], (k + 1) / values.size
                xs = np.geomspace(x0, values[0] * 1.5, 20)
                ax.loglog(xs, s0 * (xs / x0) ** -rec["predicted"], color=f"C{i}", lw=1.4, ls=":",
                          label=f"predicted slope -{rec['predicted']:.2f}")  # fmt: skip
        rec = rows.iloc[0]
        ax.set_xlabel(r"$\|w_t - w^*\|$ (late, thinned)")
        ax.set_ylabel("survival function")
        ax.set_title(f"{rec['law_name']}, {rec['adversary']}, b = {rec['b']}, {rec['fraction']:g} of the edge",
                     fontsize="small")  # fmt: skip
        ax.set_ylim(smallest, 1.2)
        plain_log_ticks(ax.xaxis)
        ax.legend(fontsize="xx-small", loc="lower left")
    for ax in axes[1][len(chosen) :]:
        ax.set_visible(False)
    suptitle(
        fig,
        "A6: heavy tails of the late iterates of Algorithm 2 and S.G.D.; predictions: Kesten indices derived here "
        "(docs/tails.md), not the authors' note",
        fontsize="small",
    )
    fig.tight_layout()
    save(fig, out_prefix, stamp(inputs_config(metas), __name__))


def draw_conjecture(conjecture_path, out_prefix, width="screen") -> None:
    import seaborn as sns

    from relu_lib.io import read_table
    from relu_lib.paper_a.tails.conjecture import COLUMNS
    from relu_lib.provenance import inputs_config, stamp

    set_width(width)
    table, meta = read_table(conjecture_path, COLUMNS)
    frame = table.to_pandas()
    apply_style()
    groups = list(dict.fromkeys(zip(frame["adversary"], frame["n"], strict=True)))
    batches = sorted(frame["b"].unique())
    colors = dict(zip(batches, sns.color_palette("viridis", len(batches)), strict=False))
    fig, axes, _ = grid(2, max(len(groups), 1), 4.2, 3.4)
    for col, (attack, n) in enumerate(groups):
        top, bottom = axes[0][col], axes[1][col]
        for b in batches:
            part = frame[(frame["adversary"] == attack) & (frame["n"] == n) & (frame["b"] == b)].sort_values("fraction")
            if part.empty:
                continue
            top.plot(part["fraction"], part["alpha_alg2"], "o-", color=colors[b], ms=3, label=f"b = {b}: Algorithm 2")
            top.plot(part["fraction"], part["alpha_sgd"], "s-.", color=colors[b], ms=3, mfc="white",
                     label=f"b = {b}: S.G.D.")  # fmt: skip
            rel = 100 * part["difference"] / part["alpha_sgd"]
            bottom.errorbar(part["fraction"], rel, yerr=300 * part["difference_error"].fillna(0) / part["alpha_sgd"],
                            fmt="o-", color=colors[b], ms=3, capsize=2, label=f"b = {b}")  # fmt: skip
        top.set_yscale("log")
        plain_log_ticks(top.yaxis)
        top.set_title(f"{attack}, n = {n}", fontsize="small")
        top.set_ylabel(r"Kesten index $\alpha$ (derived)")
        bottom.axhline(0.0, color="black", lw=0.8)
        bottom.set_xlabel(r"$\eta / \eta_{\mathrm{edge}}$ (each algorithm's own edge)")
        bottom.set_ylabel(
            r"$(\alpha_{\mathrm{Alg2}} - \alpha_{\mathrm{SGD}}) / \alpha_{\mathrm{SGD}}$, % ($\pm$ 3 errors)"
        )
        top.legend(fontsize="xx-small")
        bottom.legend(fontsize="xx-small")
    suptitle(
        fig,
        "A6, the note's conjecture as numbers: tail indices of Algorithm 2 (transfer operator of its affine "
        "recursion) and S.G.D. (far-field map), both derived here",
        fontsize="small",
    )
    fig.tight_layout()
    save(fig, out_prefix, stamp(inputs_config([meta]), __name__))
