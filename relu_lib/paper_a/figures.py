"""Paper A's figures, one function per figure (A1-A5), in the one style of relu_lib.style.

Every function takes tidy tables (the experiment summary, optionally per-seed rows and a theory
table with columns law, step, value, label) and returns a matplotlib Figure; `save` writes it
as PDF and PNG. Theory curves are drawn in black in the panel of the data they describe.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.legend import Legend
from matplotlib.lines import Line2D

from relu_lib.style import apply_style, for_print, grid, legend_below, panels, plain_log_ticks, save, suptitle

RUN_LABELS = {
    ("tron", "zero"): r"Tron, $w_0 = 0$",
    ("tron", "common"): r"Tron, common $w_0$",
    ("sgd", "common"): r"SGD, common $w_0$",
}
ALGORITHM_NAMES = {"tron": "Tron", "sgd": "SGD"}
RUN_COLORS = dict(zip(RUN_LABELS, sns.color_palette("colorblind", 3), strict=False))
ERROR_LABEL = r"$\|w_t - w^*\|$"
DIVERGED_COLOR = "firebrick"


def _law_title(frame: pd.DataFrame, law: str) -> str:
    first = frame[frame["law"] == law].iloc[0]
    sep = "\n" if for_print() else " "  # a narrow printed panel: the parameters on a second line
    return f"{law}{sep}(d = {first['d']}, b = {first['b']}, $\\eta$ = {first['eta']:.3g})"


def _divergence(curve: pd.DataFrame) -> tuple[float, float] | None:
    """(fraction of seeds diverged by the last step, first divergence step) of one run's summary
    rows, or None if no seed diverged."""
    fraction = curve["diverged_fraction"].max() if len(curve) else 0.0
    if not fraction > 0:
        return None
    first = curve["diverged_first"].min() if "diverged_first" in curve else np.nan
    if not np.isfinite(first):  # a summary without the column: the first checkpoint after it
        first = curve.loc[curve["diverged_fraction"] > 0, "step"].min()
    return float(fraction), float(first)


def _mark_divergence(ax, curve: pd.DataFrame, label: str, color) -> list[str]:
    """A dotted vertical line at the run's first divergence, and the note for the panel."""
    found = _divergence(curve)
    if found is None:
        return []
    fraction, first = found
    ax.axvline(first, color=color, ls=":", lw=1.0)
    # the whole run on the x axis (NaN medians do not stretch it): the line visibly stops
    ax.update_datalim([(curve["step"].min(), 1.0), (curve["step"].max(), 1.0)], updatey=False)
    return [f"{label}: {fraction:.0%}, from t = {first:.0f}"]


def _note_divergence(ax, notes: list[str]) -> None:
    """Say in the panel which runs diverged: a diverged seed has no error, so its median line
    stops (or, if only some seeds diverged, runs over the others). A legend-like box placed
    where it hides the fewest lines; added as an artist so the panel can keep its own legend."""
    if not notes:
        return
    box = Legend(
        ax,
        [Line2D([], [], ls="none")] * len(notes),
        notes,
        loc="best",
        title="diverged seeds",
        handlelength=0,
        handletextpad=0,
        fontsize="x-small",
        title_fontsize="x-small",
        labelcolor=DIVERGED_COLOR,
        frameon=True,
        framealpha=0.9,
    )
    box.get_frame().set_edgecolor(DIVERGED_COLOR)
    box.get_title().set_color(DIVERGED_COLOR)
    ax.add_artist(box)


A1_THEORY = {
    ("bound (A2)", "zero"): ("-", r"bound (A2), derived: $\sqrt{\rho^t}\,\|\Delta_0\|$, $w_0 = 0$"),
    ("mean iterate (exact)", "common"): ("--", r"exact $\|E\,w_t - w^*\|$ (derived), common $w_0$"),
}


def _draw_theory(ax, curves: pd.DataFrame | None, law: str) -> None:
    """The A1 theory curves of one law in black, over the measured range of errors."""
    if curves is None or curves.empty:
        return
    limits = ax.get_ylim()
    for (name, start), (ls, label) in A1_THEORY.items():
        curve = curves[(curves["law"] == law) & (curves["curve"] == name) & (curves["start"] == start)]
        visible = curve[curve["value"] >= limits[0]]
        ax.plot(visible["step"], visible["value"], color="black", lw=1.1, ls=ls, label=label, zorder=5)
    ax.set_ylim(limits)  # the data set the range: a diverging prediction leaves the panel at the top


def plot_realizable(summary: pd.DataFrame, curves: pd.DataFrame | None = None):
    """A1: per law, median and 10-90 % band of the error over seeds for each run, log scale,
    with bound (A2) and the exact mean-iterate prediction."""
    apply_style()
    laws = list(dict.fromkeys(summary["law"]))
    fig, axes = panels(len(laws), ncols=min(3, len(laws)), sharex=False)
    for ax, law in zip(axes, laws, strict=False):
        cell, notes = summary[summary["law"] == law], []
        for run, label in RUN_LABELS.items():
            curve = cell[(cell["algorithm"] == run[0]) & (cell["start"] == run[1])]
            ax.plot(curve["step"], curve["median"], color=RUN_COLORS[run], label=label)
            ax.fill_between(curve["step"], curve["q10"], curve["q90"], color=RUN_COLORS[run], alpha=0.2, lw=0)
            notes += _mark_divergence(ax, curve, label, RUN_COLORS[run])
        tron = cell[(cell["algorithm"] == "tron") & (cell["start"] == "common")]
        ax.plot(
            tron["step"],
            tron["mean_error"],
            color=RUN_COLORS[("tron", "common")],
            ls=":",
            label=r"Tron, $\|\mathrm{mean}_R\, w_t - w^*\|$",
        )
        ax.set(yscale="log", title=_law_title(summary, law), xlabel="iteration $t$", ylabel=ERROR_LABEL)
        _draw_theory(ax, curves, law)
        _note_divergence(ax, notes)
    legend_below(fig, axes[0])
    suptitle(fig, "A1 - realizable convergence: median and 10-90 % band over seeds", y=1.0)
    fig.tight_layout()
    return fig


def plot_poisoned(summary: pd.DataFrame, adversary: str, curves: pd.DataFrame | None = None):
    """A3: per law, median error vs t for each attack level; Tron solid, SGD dashed, and the
    (A5) floor sqrt(eta beta theta^2 d / b) dotted where it applies (zero-mean attacks, lambda2 < inf).

    Top row: theta sweep at the most common beta; bottom row: beta sweep at the most common theta.
    """
    apply_style()
    data = summary[(summary["adversary"] == adversary) & (summary["start"] == "common")]
    laws = list(dict.fromkeys(data["law"]))
    beta0, theta0 = data["beta"].mode().iloc[0], data["theta"].mode().iloc[0]
    sweeps = [
        ("theta", data[data["beta"] == beta0], rf"$\beta$ = {beta0:g}"),
        ("beta", data[data["theta"] == theta0], rf"$\theta$ = {theta0:g}"),
    ]
    fig, axes, _ = grid(2, len(laws), 3.6, 3.0)
    drew_floor = False  # the key names the dotted (A5) floor only where one is drawn (not for the aligned attack)
    for row, (param, rows, fixed) in enumerate(sweeps):
        levels = sorted(rows[param].unique())
        # one palette per sweep (theta: reds, beta: blues), so the two rows never read as one legend
        colors = dict(zip(levels, sns.color_palette(A3_PALETTES[param], len(levels)), strict=True))
        for col, law in enumerate(laws):
            ax, notes = axes[row, col], []
            for level in levels:
                for algorithm, ls in (("tron", "-"), ("sgd", "--")):
                    curve = rows[(rows["law"] == law) & (rows[param] == level) & (rows["algorithm"] == algorithm)]
                    ax.plot(
                        curve["step"],
                        curve["median"],
                        color=colors[level],
                        ls=ls,
                        lw=1.1 if algorithm == "tron" else 0.9,
                        alpha=1.0 if algorithm == "tron" else 0.8,
                        label=f"{_sym(param)} = {level:g}" if algorithm == "tron" else None,
                    )
                    notes += _mark_divergence(
                        ax, curve, f"{_sym(param)} = {level:g}, {ALGORITHM_NAMES[algorithm]}", colors[level]
                    )
                floor = _curve_value(
                    curves,
                    "A5 zero-mean floor",
                    law=law,
                    adversary=adversary,
                    **{
                        param: level,
                        ("theta" if param == "beta" else "beta"): rows["theta" if param == "beta" else "beta"].iloc[0],
                    },
                )
                if floor is not None:  # a late-time level: drawn over the last third of the run only
                    ax.axhline(floor, xmin=0.67, color=colors[level], ls=":", lw=1.2)
                    drew_floor = True
            ax.set(
                yscale="log", xlabel="iteration $t$", ylabel=ERROR_LABEL, title=f"{law}: {_sym(param)} sweep, {fixed}"
            )
            _note_divergence(ax, notes)
        key = "solid Tron, dashed SGD" + (", dotted (A5) floor" if drew_floor else "")
        if for_print():  # no room beside the panels: the two sweeps' legends side by side under them
            handles, labels = axes[row, 0].get_legend_handles_labels()
            fig.legend(
                handles,
                labels,
                loc="upper center",
                bbox_to_anchor=(0.27 + 0.5 * row, 0.0),
                ncol=2,
                title=f"{_sym(param)} sweep ({fixed})" + (f"\n{key}" if row == 0 else "\n"),
                handlelength=1.5,
                columnspacing=0.8,
                labelspacing=0.2,
            )
        else:
            axes[row, -1].legend(loc="center left", bbox_to_anchor=(1.02, 0.5), title=key.replace(", d", ",\nd"))
    suptitle(
        fig,
        f"A3 - poisoned labels ({adversary} adversary): median error over seeds, Tron and SGD from a common start",
        y=1.0,
    )
    fig.tight_layout()
    return fig


A3_PALETTES = {"theta": "flare", "beta": "crest"}


def _curve_value(curves, name, **where):
    """The single value of a scalar theory curve at a cell, or None."""
    if curves is None or curves.empty:
        return None
    mask = curves["curve"] == name
    for key, value in where.items():
        mask &= np.isclose(curves[key], value) if isinstance(value, float) else curves[key] == value
    values = curves.loc[mask, "value"]
    return float(values.iloc[0]) if len(values) else None


def _sym(param: str) -> str:
    return {"beta": r"$\beta$", "theta": r"$\theta$"}[param]


def plot_tron_vs_sgd(rows: pd.DataFrame, seed: int = 0):
    """A5: the same seed's Tron and SGD trajectories (top) and the error ratio over t (bottom)."""
    apply_style()
    data = rows[rows["start"] == "common"]
    laws = list(dict.fromkeys(data["law"]))
    fig, axes, _ = grid(2, len(laws), 3.3, 2.8, sharex="col")
    for col, law in enumerate(laws):
        cell = data[data["law"] == law]
        one = cell[cell["seed"] == seed]
        notes = []
        for algorithm in ("tron", "sgd"):
            curve = one[one["algorithm"] == algorithm]
            axes[0, col].plot(
                curve["step"],
                curve["error"],
                color=RUN_COLORS[(algorithm, "common")],
                label=RUN_LABELS[(algorithm, "common")],
            )
            runs = cell[cell["algorithm"] == algorithm].groupby("seed")
            fraction, first = runs["diverged"].any().mean(), runs["diverged_at"].min().min()
            if fraction > 0:
                notes.append(f"{ALGORITHM_NAMES[algorithm]}: {fraction:.0%}, from t = {first:.0f}")
        _note_divergence(axes[0, col], notes)
        wide = cell.pivot_table(index=["step", "seed"], columns="algorithm", values="error").dropna()
        ratio = (wide["sgd"] / wide["tron"]).groupby("step")
        steps = np.array(list(ratio.groups))
        axes[1, col].plot(steps, ratio.median(), color="black", label="median over seeds")
        axes[1, col].fill_between(
            steps, ratio.quantile(0.1), ratio.quantile(0.9), color="grey", alpha=0.3, lw=0, label="10-90 %"
        )
        axes[0, col].set(yscale="log", title=f"{law}, seed {seed}", ylabel=ERROR_LABEL)
        # a ratio of order one: a linear axis reads better than a log one
        axes[1, col].set(xlabel="iteration $t$", ylabel="SGD error / Tron error")
    axes[0, 0].legend()
    axes[1, 0].legend()
    suptitle(fig, "A5 - Tron and SGD from the same start on the same mini-batches", y=1.0)
    fig.tight_layout()
    return fig


def plot_batch_scaling(summary: pd.DataFrame, curves: pd.DataFrame, epsilon: float, delta: float):
    """A2: iterations (top) and samples (bottom) for Tron from 0 to reach epsilon, against b:
    empirical median and (1 - delta) quantile over seeds, and T(eps, delta, b) of bound (A2)."""
    apply_style()
    data = summary[(summary["algorithm"] == "tron") & (summary["start"] == "zero")]
    data = data.drop_duplicates(["law", "b"]).sort_values("b")
    laws = list(dict.fromkeys(data["law"]))
    fig, axes, transposed = grid(2, len(laws), 3.2, 2.9, sharex=True)
    theory = curves[(curves["curve"] == "T(eps, delta)") & (curves["start"] == "zero")]
    for col, law in enumerate(laws):
        cell, line = data[data["law"] == law], theory[theory["law"] == law].sort_values("b")
        for row, per_sample, name in ((0, False, "iterations $T$"), (1, True, r"samples $T \cdot b$")):
            ax = axes[row, col]
            factor, line_factor = (cell["b"], line["b"]) if per_sample else (1, 1)
            ax.plot(
                cell["b"],
                cell["hit_median"] * factor,
                "o-",
                color=RUN_COLORS[("tron", "zero")],
                label="median over seeds",
            )
            ax.plot(
                cell["b"],
                cell["hit_quantile"] * factor,
                "s--",
                color=RUN_COLORS[("tron", "common")],
                label=f"{1 - delta:.0%} quantile",
            )
            ax.plot(
                line["b"],
                line["value"] * line_factor,
                color="black",
                label=r"$T(\epsilon, \delta, b)$, bound (A2), derived",
            )
            ax.set(xscale="log", yscale="log", ylabel=name)
            plain_log_ticks(ax.xaxis)
        axes[0, col].set_title(f"{law} (d = {cell['d'].iloc[0]})")
        for ax in axes[:, col] if transposed else axes[1:, col]:
            ax.set_xlabel("mini-batch size $b$")
    legend_below(fig, axes[0, 0])
    suptitle(
        fig,
        f"A2 - Tron from $w_0 = 0$: steps to reach $\\|w_t - w^*\\| \\leq {epsilon:g}$ "
        f"($\\delta$ = {delta:g}), step $\\eta^*(b)$",
        y=1.0,
    )
    fig.tight_layout()
    return fig


# random_sign and alternating have the same floor: a large hollow marker keeps both visible
A4_STYLES = {
    "random_sign": {"marker": "o", "ms": 9, "mfc": "none", "mew": 1.4},
    "alternating": {"marker": "s", "ms": 4},
    "aligned": {"marker": "^", "ms": 5},
}


def plot_degradation(rows: pd.DataFrame, curves: pd.DataFrame):
    """A4: late-time error of Tron (RMS over seeds of the mean over the last 10 % of checkpoints)
    against beta and theta per adversary, log-log, with the (A5) prediction, the exact (A3) bias
    of the aligned attack and the (A4) upper bound."""
    apply_style()
    late = rows[rows["check"] == "A4 poisoned bound"].copy()
    late = late.join(late["cell"].map(_cell_params).apply(pd.Series))
    late["rms"] = np.sqrt(late["observed"])
    laws = list(dict.fromkeys(late["law"]))
    beta0, theta0 = late["beta"].mode().iloc[0], late["theta"].mode().iloc[0]
    colors = dict(zip(A4_STYLES, sns.color_palette("colorblind", 6)[3:], strict=False))
    fig, axes, _ = grid(2, len(laws), 3.6, 3.2)
    for row, (param, fixed_key, fixed) in enumerate((("theta", "beta", beta0), ("beta", "theta", theta0))):
        for col, law in enumerate(laws):
            ax = axes[row, col]
            sel = late[(late["law"] == law) & np.isclose(late[fixed_key], fixed)].sort_values(param)
            for adversary, style in A4_STYLES.items():
                data = sel[sel["adversary"] == adversary]
                ax.plot(data[param], data["rms"], color=colors[adversary], lw=1.2, label=adversary, **style)
                bound = _scalar_curve(curves, "A4 poisoned bound", law, adversary, fixed_key, fixed, param)
                ax.plot(bound[param], bound["value"], color=colors[adversary], ls="-.", lw=0.9)
            for name, ls, adversary in (
                ("A5 zero-mean floor", "--", "random_sign"),
                ("A3 bias (exact limit)", ":", "aligned"),
            ):
                line = _scalar_curve(curves, name, law, adversary, fixed_key, fixed, param)
                ax.plot(line[param], line["value"], color="black", ls=ls, lw=1.1)
            ax.set(xlabel=_sym(param), ylabel="late RMS error", title=f"{law}, {_sym(fixed_key)} = {fixed:g}")
            if _log_scales(ax, sel["rms"]):
                plain_log_ticks(ax.xaxis)
                if param == "theta":  # a sweep within two decades: label the swept values
                    ax.set_xticks(sorted(sel[param].unique()))
            diverged = sel[~np.isfinite(sel["rms"]) & sel["reason"].str.contains("diverged")]
            _note_divergence(
                ax, [f"{r.adversary}, {_sym(param)} = {getattr(r, param):g}" for r in diverged.itertuples()]
            )
    handles, labels = axes[0, 0].get_legend_handles_labels()
    handles += [
        Line2D([], [], color="black", ls="--"),
        Line2D([], [], color="black", ls=":"),
        Line2D([], [], color="grey", ls="-."),
    ]
    labels += ["(A5) floor prediction, derived", "(A3) exact bias (aligned), derived", "(A4) upper bound, derived"]
    legend_below(fig, None, handles, labels, ncol=6, offset=-0.05)
    suptitle(
        fig, "A4 - graceful degradation: Tron's late-time error against the attack probability and magnitude", y=1.0
    )
    fig.tight_layout()
    return fig


def _log_scales(ax, values: pd.Series) -> bool:
    """Log-log, unless no value is finite (every run of the panel diverged): an empty log axis
    cannot be drawn, so the panel stays linear, without ticks, and says why. True if log-log."""
    if np.isfinite(values).any():
        ax.set(xscale="log", yscale="log")
        return True
    ax.set(xticks=[], yticks=[])
    return False


def _cell_params(cell_id: str) -> dict:
    from relu_lib.cells import parse_cell_id

    params = parse_cell_id(cell_id)
    params["adversary"] = params.pop("adv")
    return params


def _scalar_curve(curves, name, law, adversary, fixed_key, fixed, param) -> pd.DataFrame:
    sel = curves[
        (curves["curve"] == name)
        & (curves["law"] == law)
        & (curves["adversary"] == adversary)
        & np.isclose(curves[fixed_key], fixed)
        & (curves[param] > 0)
    ]
    return sel.sort_values(param)


# What each figure reads: which input files, and the columns it needs from each kind.
FIGURE_INPUTS = {
    "A1": ("summary", "curves"),
    "A2": ("summary", "curves"),
    "A3": ("summary", "curves"),
    "A4": ("rows", "curves"),
    "A5": ("cells",),
    "A7": ("cells", "curves"),
}
NEEDED_COLUMNS = {
    "summary": (
        "law",
        "d",
        "b",
        "eta",
        "adversary",
        "beta",
        "theta",
        "algorithm",
        "start",
        "step",
        "median",
        "q10",
        "q90",
        "diverged_fraction",
        "mean_error",
        "hit_median",
        "hit_quantile",
    ),
    "curves": ("law", "b", "adversary", "beta", "theta", "start", "curve", "step", "value"),
    "rows": ("check", "cell", "observed", "reason"),
}


def draw(figure: str, out, *, adversary=None, epsilon=None, delta=None, **paths) -> list[Path]:
    """Read the input files of `figure` (a bad file is a UserError naming it), draw the figure
    and save it as `<out>.pdf` and `.png` with the provenance of its inputs."""
    from relu_lib.errors import UserError
    from relu_lib.io import read_table
    from relu_lib.paper_a.summary import load_trajectories
    from relu_lib.provenance import inputs_config, stamp

    tables, metas = {}, []
    for kind in FIGURE_INPUTS[figure]:
        if not paths.get(kind):
            raise UserError(f"figure {figure} needs --{kind}")
        if kind == "cells":
            tables[kind] = load_trajectories(paths[kind], metas)
            continue
        table, meta = read_table(paths[kind], required=NEEDED_COLUMNS[kind])
        tables[kind] = table.to_pandas()
        metas.append(meta)
    makers = {
        "A1": lambda t: plot_realizable(t["summary"], t["curves"]),
        "A2": lambda t: plot_batch_scaling(t["summary"], t["curves"], epsilon, delta),
        "A3": lambda t: plot_poisoned(t["summary"], adversary, t["curves"]),
        "A4": lambda t: plot_degradation(t["rows"], t["curves"]),
        "A5": lambda t: plot_tron_vs_sgd(t["cells"]),
        "A7": lambda t: plot_sgd_variants(t["cells"], t["curves"]),
    }
    config = inputs_config(metas, figure=figure, adversary=adversary, epsilon=epsilon, delta=delta)
    return save(makers[figure](tables), out, stamp(config, __name__))


# --- A7: the authors' published SGD beside true SGD and Tron (docs/theory.md A.3b, section 3) ----------------

VARIANT_RUNS = (
    ("tron", "Tron"),
    ("sgd", "SGD (true gradient)"),
    ("sgd_first_sample", "SGD as published (sample 0's derivative)"),
)
VARIANT_FLOORS = {"tron": "A5 zero-mean floor", "sgd": "A5 SGD floor", "sgd_first_sample": "A5 variant floor"}


def plot_sgd_variants(rows: pd.DataFrame, curves: pd.DataFrame | None = None):
    """A7: Tron, true SGD and the published code's SGD (gate first_sample) from the same start on the same
    mini-batches, one column per cell (realizable, poisoned): median and 10-90 % of ||w_t - w*|| over seeds,
    and in poisoned cells each run's derived floor (sqrt of the predicted late E||w_t - w*||^2)."""
    apply_style()
    data = rows[rows["start"] == "common"]
    cells = data[["law", "b", "adversary", "beta", "theta"]].drop_duplicates().sort_values("beta")
    palette = sns.color_palette("colorblind", 6)  # Tron and SGD in their A5 colours
    colors = {
        "tron": RUN_COLORS[("tron", "common")],
        "sgd": RUN_COLORS[("sgd", "common")],
        "sgd_first_sample": palette[4],
    }
    fig, axes, _ = grid(1, len(cells), 4.4, 3.9)
    for col, cell in enumerate(cells.itertuples(index=False)):
        ax = axes[0, col]
        sel = data[
            (data["law"] == cell.law)
            & (data["b"] == cell.b)
            & (data["adversary"] == cell.adversary)
            & np.isclose(data["beta"], cell.beta)
            & np.isclose(data["theta"], cell.theta)
        ]
        attacked = cell.beta > 0 and cell.theta > 0 and cell.adversary != "none"
        notes = []
        for algorithm, label in VARIANT_RUNS:
            run = sel[sel["algorithm"] == algorithm]
            if run.empty:
                continue
            stats = run[run["step"] > 0].groupby("step")["error"]
            steps = np.array(list(stats.groups))
            ax.plot(steps, stats.median(), color=colors[algorithm], label=label)
            ax.fill_between(steps, stats.quantile(0.1), stats.quantile(0.9), color=colors[algorithm], alpha=0.2, lw=0)
            seeds = run.groupby("seed")
            if seeds["diverged"].any().mean() > 0:
                notes.append(f"{label}: {seeds['diverged'].any().mean():.0%}")
            floor = (
                None
                if curves is None or not attacked
                else _curve_value(
                    curves,
                    VARIANT_FLOORS[algorithm],
                    law=cell.law,
                    adversary=cell.adversary,
                    beta=float(cell.beta),
                    theta=float(cell.theta),
                )
            )
            if floor is not None:
                ax.axhline(floor, color=colors[algorithm], ls="--", lw=0.9)
        _note_divergence(ax, notes)
        eta = sel["eta"].iloc[0]
        what = f"{cell.adversary}, $\\beta$ = {cell.beta:g}, $\\theta$ = {cell.theta:g}" if attacked else "realizable"
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="iteration $t$",
            ylabel=ERROR_LABEL,
            title=f"{what}\n{cell.law} (d = {sel['d'].iloc[0]}, b = {cell.b}, $\\eta$ = {eta:.3g})",
        )
    handles, labels = axes[0, 0].get_legend_handles_labels()
    handles.append(Line2D([], [], color="grey", ls="--"))
    labels.append("derived floor of each run")
    fig.legend(handles, labels, loc="lower center", ncol=4, bbox_to_anchor=(0.5, -0.08))
    suptitle(fig, "A7 - Tron, true SGD and the authors' published SGD on the same mini-batches", y=1.0)
    fig.tight_layout()
    return fig
