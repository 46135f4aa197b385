"""The paper-style figures, one function per figure, in one seaborn style.

Every function takes tidy tables (the experiment summary, optionally per-seed rows and a theory
table with columns law, step, value, label) and returns a matplotlib Figure; `save` writes it
as PDF and PNG. Theory curves are drawn in black in the panel of the data they describe.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

RUN_LABELS = {("tron", "zero"): r"Tron, $w_0 = 0$", ("tron", "common"): r"Tron, common $w_0$",
              ("sgd", "common"): r"SGD, common $w_0$"}
RUN_COLORS = dict(zip(RUN_LABELS, sns.color_palette("colorblind", 3)))
ERROR_LABEL = r"$\|w_t - w^*\|$"
THEORY_STYLES = ["-", "--", ":", "-."]


def apply_style() -> None:
    sns.set_theme(context="paper", style="ticks", font_scale=1.15,
                  rc={"axes.grid": True, "grid.alpha": 0.3, "legend.frameon": False, "savefig.dpi": 200})


def save(fig, prefix) -> list[Path]:
    """Write `<prefix>.pdf` and `<prefix>.png`; return the paths."""
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    paths = [prefix.with_suffix(".pdf"), prefix.with_suffix(".png")]
    for path in paths:
        # no creation date in the PDF: the same data gives the same bytes
        meta = {"CreationDate": None} if path.suffix == ".pdf" else {}
        fig.savefig(path, bbox_inches="tight", metadata=meta)
    plt.close(fig)
    return paths


def _panels(n: int, ncols: int, width=3.6, height=2.9, **kwargs):
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False, **kwargs)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat[:n]


def _law_title(frame: pd.DataFrame, law: str) -> str:
    first = frame[frame["law"] == law].iloc[0]
    return f"{law} (d = {first['d']}, b = {first['b']}, $\\eta$ = {first['eta']:.3g})"


def _draw_theory(ax, theory: pd.DataFrame | None, law: str) -> None:
    if theory is None or theory.empty:
        return
    for i, (label, curve) in enumerate(theory[theory["law"] == law].groupby("label", sort=False)):
        ax.plot(curve["step"], curve["value"], color="black", lw=1.2,
                ls=THEORY_STYLES[i % len(THEORY_STYLES)], label=label, zorder=5)


def plot_realizable(summary: pd.DataFrame, theory: pd.DataFrame | None = None):
    """A1: per law, median and 10-90 % band of the error over seeds for each run, log scale."""
    apply_style()
    laws = list(dict.fromkeys(summary["law"]))
    fig, axes = _panels(len(laws), ncols=min(3, len(laws)), sharex=False)
    for ax, law in zip(axes, laws):
        cell = summary[summary["law"] == law]
        for run, label in RUN_LABELS.items():
            curve = cell[(cell["algorithm"] == run[0]) & (cell["start"] == run[1])]
            ax.plot(curve["step"], curve["median"], color=RUN_COLORS[run], label=label)
            ax.fill_between(curve["step"], curve["q10"], curve["q90"], color=RUN_COLORS[run], alpha=0.2, lw=0)
        tron = cell[(cell["algorithm"] == "tron") & (cell["start"] == "common")]
        ax.plot(tron["step"], tron["mean_error"], color=RUN_COLORS[("tron", "common")], ls=":",
                label=r"Tron, $\|\mathrm{mean}_R\, w_t - w^*\|$")
        _draw_theory(ax, theory, law)
        ax.set(yscale="log", title=_law_title(summary, law), xlabel="iteration $t$", ylabel=ERROR_LABEL)
    _legend_below(fig, axes[0])
    fig.suptitle("A1 - realizable convergence: median and 10-90 % band over seeds", y=1.0)
    fig.tight_layout()
    return fig


def plot_poisoned(summary: pd.DataFrame, adversary: str, theory: pd.DataFrame | None = None):
    """A3: per law, median error vs t for each attack level; Tron solid, SGD dashed.

    Top row: theta sweep at the most common beta; bottom row: beta sweep at the most common theta.
    """
    apply_style()
    data = summary[(summary["adversary"] == adversary) & (summary["start"] == "common")]
    laws = list(dict.fromkeys(data["law"]))
    beta0, theta0 = data["beta"].mode().iloc[0], data["theta"].mode().iloc[0]
    sweeps = [("theta", data[data["beta"] == beta0], rf"$\beta$ = {beta0:g}"),
              ("beta", data[data["theta"] == theta0], rf"$\theta$ = {theta0:g}")]
    fig, axes = plt.subplots(2, len(laws), figsize=(3.6 * len(laws), 6.0), squeeze=False)
    for row, (param, rows, fixed) in enumerate(sweeps):
        levels = sorted(rows[param].unique())
        colors = dict(zip(levels, sns.color_palette("flare", len(levels))))
        for col, law in enumerate(laws):
            ax = axes[row, col]
            for level in levels:
                for algorithm, ls in (("tron", "-"), ("sgd", "--")):
                    curve = rows[(rows["law"] == law) & (rows[param] == level) & (rows["algorithm"] == algorithm)]
                    ax.plot(curve["step"], curve["median"], color=colors[level], ls=ls, lw=1.1,
                            label=f"{_sym(param)} = {level:g}" if algorithm == "tron" else None)
            _draw_theory(ax, None if theory is None else theory[theory["sweep"] == param], law)
            ax.set(yscale="log", xlabel="iteration $t$", ylabel=ERROR_LABEL,
                   title=f"{law}, {fixed}")
        axes[row, -1].legend(loc="center left", bbox_to_anchor=(1.02, 0.5), title="solid Tron, dashed SGD")
    fig.suptitle(f"A3 - poisoned labels ({adversary} adversary): median error over seeds", y=1.0)
    fig.tight_layout()
    return fig


def _sym(param: str) -> str:
    return {"beta": r"$\beta$", "theta": r"$\theta$"}[param]


def plot_tron_vs_sgd(rows: pd.DataFrame, seed: int = 0):
    """A5: the same seed's Tron and SGD trajectories (top) and the error ratio over t (bottom)."""
    apply_style()
    data = rows[rows["start"] == "common"]
    laws = list(dict.fromkeys(data["law"]))
    fig, axes = plt.subplots(2, len(laws), figsize=(3.3 * len(laws), 5.6), squeeze=False, sharex="col")
    for col, law in enumerate(laws):
        cell = data[data["law"] == law]
        one = cell[cell["seed"] == seed]
        for algorithm in ("tron", "sgd"):
            curve = one[one["algorithm"] == algorithm]
            axes[0, col].plot(curve["step"], curve["error"], color=RUN_COLORS[(algorithm, "common")],
                              label=RUN_LABELS[(algorithm, "common")])
        wide = cell.pivot_table(index=["step", "seed"], columns="algorithm", values="error").dropna()
        ratio = (wide["sgd"] / wide["tron"]).groupby("step")
        steps = np.array(list(ratio.groups))
        axes[1, col].plot(steps, ratio.median(), color="black", label="median over seeds")
        axes[1, col].fill_between(steps, ratio.quantile(0.1), ratio.quantile(0.9), color="grey", alpha=0.3,
                                  lw=0, label="10-90 %")
        axes[0, col].set(yscale="log", title=f"{law}, seed {seed}", ylabel=ERROR_LABEL)
        axes[1, col].set(yscale="log", xlabel="iteration $t$", ylabel="SGD error / Tron error")
    axes[0, 0].legend()
    axes[1, 0].legend()
    fig.suptitle("A5 - Tron and SGD from the same start on the same mini-batches", y=1.0)
    fig.tight_layout()
    return fig


def _legend_below(fig, ax) -> None:
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), bbox_to_anchor=(0.5, -0.04))
