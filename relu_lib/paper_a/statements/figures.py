"""The theorems study's figures: each recomputes its curves from the statement's module (seconds) with the cell's
own spec, so it shows exactly the simulation its verdict rows judged."""

from __future__ import annotations


def draw(figure_id: str, out, cell_path) -> None:
    import matplotlib.pyplot as plt

    from relu_lib.io import read_table
    from relu_lib.provenance import inputs_config, stamp
    from relu_lib.style import apply_style, fit_width, for_print, grid, save

    apply_style()
    _, meta = read_table(cell_path)
    spec = meta["cell"]
    fig, axes, _ = grid(1, 1, 6.8, 4.4)  # a journal column wide with `figures.width` single or double
    ax = axes[0, 0]
    if figure_id == "near_optimality":
        from relu_lib.paper_a.near_optimality import near_optimality_curves, plot_near_optimality

        plot_near_optimality(ax, near_optimality_curves(spec["runs"], spec["master_seed"]))
    elif figure_id == "glm_tron":
        from relu_lib.paper_a.glm_tron import glm_tron_curves, plot_glm_tron

        plot_glm_tron(ax, glm_tron_curves(spec["draws"], spec["master_seed"]))
    elif figure_id == "tightness":
        from relu_lib.paper_a.theorem31 import plot_tightness, tightness_curves

        plot_tightness(ax, tightness_curves())
    else:
        raise ValueError(f"unknown figure {figure_id!r}")
    # the plot functions title their panel; their legends go beside it, off the curves (in print, where the figure is
    # a journal column wide, below it, and the title in lines of the column's width)
    if for_print():
        ax.set_title(fit_width(ax.get_title(), fig.get_figwidth() * 72 / (0.55 * plt.rcParams["axes.titlesize"])))
        ax.legend(*ax.get_legend_handles_labels(), loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize="xx-small")
    else:
        ax.legend(*ax.get_legend_handles_labels(), loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize="small")
    save(fig, out, stamp(inputs_config([meta], figure=figure_id), __name__))
