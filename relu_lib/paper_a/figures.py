"""Paper A's plots: one function per figure of relu_lib.paper_a.study.FIGURES (where each figure's id, files,
experiments and report caption are declared as data; the workflow makes one rule per entry). Adding a figure
is one entry there, one plot function here (`PLOTS`) and one caption file (report/paper_a/<stem>.rst).

One meaning per colour in every figure: the colour is the swept parameter's value (b, beta or theta), from one
qualitative palette in the order of the values; black is theory (the exact curve of docs/theory.md, derived),
drawn thin over the data; diamonds edged in black are the paper's own values read off its figure.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from relu_lib.paper_a import paper

SWEPT_LABEL = {"b": "mini-batch size b", "beta": "probability of attack β", "theta": "attack magnitude θ*"}
ALGORITHM_LABEL = {"alg2": "Algorithm 2", "sgd": "S.G.D."}
LAW_LABEL = {
    "normal": "N(0, I)",
    "shifted_normal": "shifted normal N(μ, I)",
    "exponential": "centred exponential (skewed)",
    "laplace": "Laplace",
    "student_t": "Student-t",
    "uniform": "uniform",
    "mixture": "symmetric mixture",
}


def palette(values) -> dict:
    import seaborn as sns

    colours = sns.color_palette("colorblind", max(len(values), 3))
    return {v: colours[i] for i, v in enumerate(sorted(values))}


def _format(value) -> str:
    return value if isinstance(value, str) else f"{value:g}"


def _data(summary: pd.DataFrame, algorithm: str) -> pd.DataFrame:
    return summary[summary["algorithm"] == algorithm]


def swept_parameter(frame: pd.DataFrame) -> str:
    """The one parameter of b, beta, theta that takes several values in the experiment (b if none does)."""
    for name in ("b", "beta", "theta"):
        if frame[name].nunique() > 1:
            return name
    return "b"


def _footnote(summary: pd.DataFrame, extra: str = "", algorithm: str = "alg2") -> str:
    """The figure's small print; the exact curve is Algorithm 2's only (none is known for S.G.D.)."""
    runs = int(summary["runs"].max())
    sampler = ", ".join(sorted(summary["sampler"].unique()))
    n = ", ".join(map(str, sorted(summary["n"].unique())))
    sampler_words = {"projected": "projected sampler (exact in law)", "full": "every input drawn"}
    drawn = "; ".join(sampler_words.get(s, s) for s in sampler.split(", "))
    theory = "black: exact sqrt(E||Δ_t||²) (derived here)" if algorithm == "alg2" else "no exact theory for S.G.D."
    return (
        f"{runs} runs per curve; w*, w_1 ~ N(0, I_{n}) drawn independently per run (our choice: the paper does "
        f"not say); {drawn}; band: 10-90 % of runs; {theory}. {extra}"
    ).strip()


def error_panel(ax, summary, curves, algorithm: str, figure_number: int | None) -> None:
    """Mean ||w_t - w*|| over runs with its band, per swept value; theory thin over it; the paper's values."""
    from relu_lib.style import plain_log_ticks

    data = _data(summary, algorithm)
    swept = swept_parameter(data)
    colours = palette(data[swept].unique())
    for value, group in data.groupby(swept, sort=True):
        group = group.sort_values("step")
        colour = colours[value]
        ax.fill_between(group["step"], group["q10"], group["q90"], color=colour, alpha=0.18, linewidth=0)
        ax.plot(group["step"], group["mean_error"], color=colour, linewidth=2.0, label=_label(value, group))
        if algorithm == "alg2" and curves is not None and not curves.empty:
            theory = curves[np.isclose(curves[swept], value)].sort_values("step")
            ax.plot(theory["step"], theory["exact_rms"], color="black", linewidth=0.7, zorder=5)
    if figure_number is not None:
        _paper_marks(ax, data, swept, colours, figure_number)
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis)
    ax.set_xlabel("iteration t")
    ax.set_ylabel("mean over runs of ||w_t - w*||")
    ax.legend(title=SWEPT_LABEL[swept], fontsize="small", title_fontsize="small", ncol=2 if len(colours) > 4 else 1)


def _label(value, group: pd.DataFrame) -> str:
    """A curve's legend entry: its value, and the share of runs that diverged (left out of the mean) if any."""
    diverged = float(group["diverged_fraction"].max())
    return f"{_format(value)}" + (f" ({diverged:.0%} of runs diverged)" if diverged > 0 else "")


def _paper_marks(ax, data, swept, colours, number: int) -> None:
    """The paper's values of the curves drawn at the paper's own setting: the last one just right of the panel's
    last step, the others at their step."""
    fig, end = paper.FIGURES[number], data["step"].max()
    for value in paper.values_of(number):
        curve = data[np.isclose(data[swept].astype(float), value.value)]
        if value.t == 0 or value.t > end or curve.empty or not fig.is_setting(curve.iloc[0], value.value):
            continue
        colour = next(c for v, c in colours.items() if np.isclose(float(v), value.value))
        x = end * 1.03 if value.t == end else value.t
        ax.errorbar(
            x,
            value.error_mean,
            yerr=value.relative_precision * value.error_mean,
            fmt="D",
            markersize=5,
            color=colour,
            markeredgecolor="black",
            ecolor="black",
            elinewidth=0.8,
            zorder=6,
        )


def paper_figure(number: int, experiment: str) -> Callable:
    fig_spec = paper.FIGURES[number]

    def plot(out, summaries, curves):
        from relu_lib.style import grid, suptitle

        summary = summaries[experiment]
        fig, axes, _ = grid(1, 1, 6.4, 4.4)  # a journal column wide with `figures.width` single or double
        ax = axes[0, 0]
        error_panel(ax, summary, curves.get(experiment), fig_spec.algorithm, number)
        title = (
            f"Figure {number}: {ALGORITHM_LABEL[fig_spec.algorithm]}, varying the "
            f"{SWEPT_LABEL[fig_spec.swept]} (n = {paper.N}, η = {paper.ETA})"
        )
        suptitle(fig, title)
        fig.text(
            0.01,
            -0.02,
            _wrap(_footnote(summary, f"◆ the paper's Figure {number}, read off its image.", fig_spec.algorithm)),
            fontsize="x-small",
            va="top",
        )
        return fig

    return plot


def _wrap(text: str, width: int = 120) -> str:
    """`text` in lines of at most `width` characters; in print also no wider than the figure just created (a
    footnote wider than the journal column would widen the saved figure)."""
    import textwrap

    from relu_lib.style import for_print

    if for_print():
        import matplotlib.pyplot as plt
        from matplotlib.font_manager import FontProperties

        points = FontProperties(size="x-small").get_size_in_points()
        width = min(width, int(plt.gcf().get_figwidth() * 72 / (0.55 * points)))
    return textwrap.fill(text, width)


def similarity(out, summaries, curves):
    """Algorithm 2 / S.G.D. mean error ratio over t, for the beta and the theta sweeps (the paper's
    "striking similarity" of Figures 2 & 4 and 3 & 5, quantified)."""
    from relu_lib.style import grid, suptitle

    names = [e for e in ("attack_probability", "attack_magnitude") if e in summaries]
    fig, axes, _ = grid(1, len(names), 6.0, 4.2)
    for ax, name in zip(axes[0], names, strict=True):
        summary = summaries[name]
        swept = swept_parameter(summary)
        colours = palette(summary[swept].unique())
        for value, group in summary.groupby(swept, sort=True):
            wide = group.pivot(index="step", columns="algorithm", values="mean_error")
            ax.plot(wide.index, wide["alg2"] / wide["sgd"], color=colours[value], linewidth=1.8, label=_format(value))
        ax.axhline(1.0, color="black", linewidth=0.7)
        ax.set_xlabel("iteration t")
        ax.set_ylabel("mean error of Algorithm 2 / of S.G.D.")
        ax.set_title({"attack_probability": "Figures 2 and 4", "attack_magnitude": "Figures 3 and 5"}[name])
        ax.legend(title=SWEPT_LABEL[swept], fontsize="small", title_fontsize="small", ncol=2)
    suptitle(fig, "Algorithm 2 against S.G.D. on the same mini-batches: ratio of their mean errors")
    first = summaries[names[0]]
    fig.text(
        0.01,
        -0.02,
        _wrap(
            _footnote(first).split("; band")[0] + ". Both algorithms run on the same inputs, labels and starts.", 160
        ),
        fontsize="x-small",
        va="top",
    )
    return fig


def milder(out, summaries, curves):
    """Beyond the paper: Algorithm 2 and S.G.D. on symmetric, skewed, non-centred and heavy-tailed laws."""
    from relu_lib.style import grid, plain_log_ticks, suptitle

    summary = summaries["milder_conditions"]
    curve = curves.get("milder_conditions")
    laws = list(dict.fromkeys(summary["law"]))
    ncols = min(3, len(laws))
    nrows = math.ceil(len(laws) / ncols)
    fig, axes, _ = grid(nrows, ncols, 4.2, 3.3, sharex=True)
    colours = {"alg2": "#0072B2", "sgd": "#D55E00"}
    for ax, law in zip(axes.flat, laws, strict=False):
        for algorithm in ("alg2", "sgd"):
            group = summary[(summary["law"] == law) & (summary["algorithm"] == algorithm)].sort_values("step")
            ax.fill_between(group["step"], group["q10"], group["q90"], color=colours[algorithm], alpha=0.18, lw=0)
            ax.plot(
                group["step"],
                group["mean_error"],
                color=colours[algorithm],
                lw=2.0,
                label=_label(ALGORITHM_LABEL[algorithm], group),
            )
        if curve is not None and not curve.empty:
            theory = curve[curve["law"] == law].sort_values("step")
            ax.plot(
                theory["step"],
                theory["exact_rms"],
                color="black",
                lw=0.7,
                zorder=5,
                label="sqrt(E||Δ_t||²), exact recursion",
            )
        ax.set_yscale("log")
        plain_log_ticks(ax.yaxis)
        family = summary.loc[summary["law"] == law, "family"].iloc[0]
        ax.set_title(f"{LAW_LABEL.get(family, family)} ({law})", fontsize="small")
    for ax in axes[-1]:
        ax.set_xlabel("iteration t")
    for ax in axes.flat[len(laws) :]:
        ax.set_visible(False)
    axes[0, 0].set_ylabel("mean over runs of ||w_t - w*||")
    axes[0, 0].legend(fontsize="x-small")
    for ax in axes.flat[1 : len(laws)]:  # another panel's legend only where it states a share of diverged runs
        if any("diverged" in label for label in ax.get_legend_handles_labels()[1]):
            ax.legend(fontsize="x-small")
    suptitle(fig, "Beyond the paper: no symmetry needed. Algorithm 2 and S.G.D., realizable, on six input laws")
    samplers = summary.drop_duplicates("law").set_index("law")["sampler"]
    projected = ", ".join(samplers[samplers == "projected"].index) or "none"
    fig.text(
        0.01,
        -0.01,
        _wrap(
            f"{int(summary['runs'].max())} runs per law sharing one w* and w_1 (our choice); "
            f"every input drawn, except the projected sampler (exact in law) for {projected}; band: 10-90 % of "
            "runs; black: sqrt(E||Δ_t||²) from the exact recursion with Monte Carlo moments (derived here; closed "
            "form for N(0, I)).",
            160,
        ),
        fontsize="x-small",
        va="top",
    )
    return fig


def comparison_table(out, summaries, curves) -> str:
    """The paper's values against the simulation and the exact theory (relu_lib.paper_a.comparison), Markdown."""
    from relu_lib.paper_a.comparison import comparison, markdown
    from relu_lib.paper_a.study import FIGURES

    drawn_in = {int(f.id[3:]): f.experiments[0] for f in FIGURES if f.id[:3] == "fig"}
    return markdown(comparison(summaries, curves, drawn_in))


# figure id (relu_lib.paper_a.study.FIGURES, where each figure's files and experiments are declared) -> its plot
# (a matplotlib figure, or the Markdown text of a table)
PLOTS = {
    "fig1": paper_figure(1, "batch_size"),
    "fig2": paper_figure(2, "attack_probability"),
    "fig3": paper_figure(3, "attack_magnitude"),
    "fig4": paper_figure(4, "attack_probability"),
    "fig5": paper_figure(5, "attack_magnitude"),
    "alg2_vs_sgd": similarity,
    "milder": milder,
    "comparison": comparison_table,
}


SUMMARY_NEEDS = ("algorithm", "step", "runs", "mean_error", "q10", "q90", "diverged_fraction")  # a foreign file: named


def draw(figure_id: str, out, summary_paths: dict, curve_paths: dict) -> None:
    """Draw one figure from its experiments' summaries and theory curves; PDF and PNG with provenance."""
    from relu_lib.io import read_table
    from relu_lib.provenance import inputs_config, stamp
    from relu_lib.style import apply_style, save

    apply_style()
    summaries, curves, metas = {}, {}, []
    for name, path in summary_paths.items():
        table, meta = read_table(path, required=SUMMARY_NEEDS)
        summaries[name] = _plain(table.to_pandas())
        metas.append(meta)
    for name, path in curve_paths.items():
        table, meta = read_table(path, required=("cell", "step"))
        curves[name] = _plain(table.to_pandas())
        metas.append(meta)
    drawn = PLOTS[figure_id](out, summaries, curves)
    provenance = stamp(inputs_config(metas, figure=figure_id), __name__)
    if isinstance(drawn, str):  # a table
        from relu_lib.io import write_text

        write_text(
            f"{out}.md", drawn + f"\n<!-- relu-repro {provenance['version']} {provenance['code_fingerprint']} -->\n"
        )
    else:
        save(drawn, out, provenance)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    for column, value in frame.items():
        if isinstance(value.dtype, pd.CategoricalDtype):
            frame[column] = value.astype(str)
    return frame
