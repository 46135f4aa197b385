"""Paper B's figures, one function per figure (B1 trajectories, B2 sample complexity), in the one style of
relu_lib.style; `draw` reads a figure's inputs and saves it with its provenance."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullLocator

from relu_lib.paper_b.summary import per_step_ratio
from relu_lib.style import apply_style, for_print, grid, legend_below, panels, suptitle

OBS_LABELS = {"relu": "ReLU observations", "linear": "linear observations (baseline)"}
OBS_COLORS = dict(zip(OBS_LABELS, sns.color_palette("colorblind", 2), strict=True))
REL_ERROR = r"$\|w_\tau - w^*\| \,/\, \|w^*\|$"
BOUND_LABEL = r"$(1/2)^\tau$ (paper B Theorem)"
CONSTRAINT_NAMES = {"l0": r"$\ell_0$ (hard thresholding)", "l1": r"$\ell_1$ ball", "none": "no constraint"}


def _BREAK() -> str:
    """A line break in a printed panel's title, where the panel is narrow."""
    return "\n" if for_print() else ""


def plot_trajectories(cells, shown: int = 10):
    """B1: per cell, relative error vs tau (log): the mean over trials bold, `shown` trials thin,
    ReLU and linear observations on the same (X, w*), and the (1/2)^tau line."""
    apply_style()
    cells = sorted(cells, key=lambda c: (c.spec["constraint"], c.spec["s"], c.spec["d"], c.meta["n"]))
    # in print one cell per row: each panel keeps the full width for its two-line title
    fig, axes = panels(len(cells), ncols=1 if for_print() else min(2, len(cells)), width=4.6, height=3.6, sharey=True)
    for ax, cell in zip(axes, cells, strict=False):
        trials = cell.spec["trials"]
        for model in ("relu", "linear"):
            errors = cell.errors[model]
            steps = np.arange(errors.shape[1])
            color = OBS_COLORS[model]
            for k in range(min(shown, trials)):
                ax.plot(steps, errors[k], color=color, lw=0.5, alpha=0.45)
            with np.errstate(all="ignore"):
                mean = np.nanmean(errors, axis=0)
            ax.plot(steps, mean, color=color, lw=2.4, label=f"{OBS_LABELS[model]}: mean of {trials} trials")
        steps = np.arange(cell.spec["iterations"] + 1)
        ax.plot(steps, 0.5**steps, color="black", lw=1.3, ls="--", label=BOUND_LABEL, zorder=5)
        spec, meta = cell.spec, cell.meta
        ratios = {m: np.nanmedian(per_step_ratio(cell.errors[m])) for m in ("relu", "linear")}
        ax.set(
            yscale="log",
            xlabel=r"iteration $\tau$",
            ylabel=REL_ERROR,
            title=f"{spec['constraint']}, s = {spec['s']}, d = {spec['d']}, n = {meta['n']}"
            f"{_BREAK() or ' '}($n/n_0$ = {meta['ratio']:.2f})\nmedian per-step ratio: ReLU {ratios['relu']:.2f}, "
            f"linear {ratios['linear']:.2f}",
        )
        ax.set_ylim(bottom=1e-14)
    shown = min(shown, min(c.spec["trials"] for c in cells))
    handles = [Line2D([], [], color=OBS_COLORS[m], lw=2.4) for m in ("relu", "linear")]
    handles += [Line2D([], [], color="grey", lw=0.5), Line2D([], [], color="black", ls="--", lw=1.3)]
    labels = [
        f"{OBS_LABELS['relu']}: mean over trials",
        f"{OBS_LABELS['linear']}: mean over trials",
        f"thin: the first {shown} trials of each",
        BOUND_LABEL,
    ]
    legend_below(fig, None, handles, labels, ncol=2, offset=-0.1)
    suptitle(
        fig,
        "B1 - projected gradient descent from $w_0 = 0$ (paper B): relative error and the "
        r"$(1/2)^\tau$ bound",
        y=1.0,
    )
    fig.tight_layout()
    return fig


def plot_sample_complexity(stats: pd.DataFrame, table: pd.DataFrame):
    """B2: fraction of trials (success; (1/2)^tau envelope for all tau <= T) vs n/n0 (log), one curve
    per (s, d), one column per constraint; ReLU solid, linear baseline dashed; c50 and c90 of the
    ReLU curves marked on the 50 % and 90 % lines."""
    apply_style()
    constraints = list(dict.fromkeys(stats["constraint"]))
    sizes = list(dict.fromkeys(zip(stats["s"], stats["d"], strict=True)))
    colors = dict(zip(sizes, sns.color_palette("deep", len(sizes)), strict=True))
    first = stats.iloc[0]
    criteria = [
        ("envelope", rf"P($(1/2)^\tau$ envelope holds for all $\tau \leq {first['iterations']}$)"),
        ("success", rf"P(success: error $\leq$ {first['success_threshold']:g} at $\tau = {first['iterations']}$)"),
    ]
    if for_print():  # a narrow panel: short labels, the caption says the rest
        criteria = [("envelope", r"P(envelope $(1/2)^\tau$ holds)"), ("success", "P(success)")]
    fig, axes, _ = grid(2, len(constraints), 5.0, 3.7, sharex=True, sharey=True)
    for col, constraint in enumerate(constraints):
        for row_i, (criterion, ylabel) in enumerate(criteria):
            ax = axes[row_i, col]
            for level in (0.5, 0.9):
                ax.axhline(level, color="0.55", lw=0.8, ls=":")
            for size in sizes:
                for model in ("relu", "linear"):
                    curve = stats[
                        (stats["constraint"] == constraint)
                        & (stats["s"] == size[0])
                        & (stats["d"] == size[1])
                        & (stats["observation"] == model)
                    ].sort_values("ratio")
                    if curve.empty:
                        continue
                    f, se = curve[f"{criterion}_freq"].to_numpy(), curve[f"{criterion}_se"].to_numpy()
                    if model == "relu":
                        yerr = [np.minimum(se, f), np.minimum(se, 1 - f)]  # the band stays inside [0, 1]
                        ax.errorbar(
                            curve["ratio"],
                            f,
                            yerr=yerr,
                            color=colors[size],
                            lw=1.8,
                            marker="o",
                            ms=3.5,
                            capsize=2,
                            elinewidth=0.8,
                        )
                    else:
                        ax.plot(curve["ratio"], f, color=colors[size], ls="--", lw=1.0, alpha=0.8)
                marks = table[
                    (table["constraint"] == constraint)
                    & (table["s"] == size[0])
                    & (table["d"] == size[1])
                    & (table["observation"] == "relu")
                    & (table["criterion"] == criterion)
                ]
                for r in marks.itertuples():
                    for level, value, marker in ((0.5, r.c50, "v"), (0.9, r.c90, "D")):
                        if np.isfinite(value):
                            ax.plot(value, level, marker=marker, ms=8, mfc="white", mec=colors[size], mew=1.8, zorder=6)
            ax.set(
                xscale="log",
                ylim=(-0.04, 1.04),
                xlabel=r"$n / n_0$" if row_i == 1 else "",
                ylabel=ylabel if col == 0 else "",
                title=f"{CONSTRAINT_NAMES.get(constraint, constraint)}: "
                f"{'envelope' if criterion == 'envelope' else 'success'}",
            )
            lo, hi = stats["ratio"].min(), stats["ratio"].max()
            ticks = [2.0**k for k in range(math.floor(math.log2(lo)), math.ceil(math.log2(hi)) + 1)]
            ax.xaxis.set_major_locator(FixedLocator(ticks))
            ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
            ax.xaxis.set_minor_locator(NullLocator())
            ax.yaxis.label.set_size("small")
    handles = [Line2D([], [], color=colors[s], marker="o", ms=3.5, lw=1.8) for s in sizes]
    labels = [f"s = {s}, d = {d}" for s, d in sizes]
    handles += [
        Line2D([], [], color="black", lw=1.8),
        Line2D([], [], color="black", lw=1.0, ls="--"),
        Line2D([], [], ls="", marker="v", mfc="white", mec="black", ms=8),
        Line2D([], [], ls="", marker="D", mfc="white", mec="black", ms=7),
    ]
    labels += ["ReLU observations (± binomial SE)", "linear observations (baseline)", "c50 (ReLU)", "c90 (ReLU)"]
    legend_below(fig, None, handles, labels, ncol=4, offset=-0.07)
    suptitle(
        fig,
        f"B2 - sample complexity of PGD from 0: fraction of {first['trials']} trials per cell vs $n/n_0$; "
        r"bound: $(1/2)^\tau$, paper B Theorem",
        y=1.0,
    )
    fig.tight_layout()
    return fig


def draw(figure: str, out, inputs) -> None:
    """Draw figure B1 (from the cell files) or B2 (from the cell statistics and the c50/c90 table) and
    save it as `<out>.pdf` and `<out>.png` with its provenance."""
    from relu_lib.errors import UserError
    from relu_lib.io import read_metadata, read_table
    from relu_lib.paper_b.summary import load_cells
    from relu_lib.provenance import inputs_config, stamp
    from relu_lib.style import save

    if figure == "B1":
        fig = plot_trajectories(load_cells(inputs))
    else:
        if len(inputs) != 2:
            raise UserError("B2 needs two inputs: the cell statistics and the c50/c90 table")
        stats, table = (read_table(path)[0].to_pandas() for path in inputs)
        fig = plot_sample_complexity(stats, table)
    metas = [read_metadata(path) for path in inputs]
    save(fig, out, stamp(inputs_config(metas, figure=figure), __name__))
