"""The theorems study's figures: each recomputes its curves from the statement's module (seconds) with the cell's
own spec, so it shows exactly the simulation its verdict rows judged."""

from __future__ import annotations


def draw(figure_id: str, out, cell_path) -> None:
    import matplotlib.pyplot as plt

    from relu_lib.io import read_table
    from relu_lib.provenance import inputs_config, stamp
    from relu_lib.style import apply_style, save, suptitle

    apply_style()
    _, meta = read_table(cell_path)
    spec = meta["cell"]
    fig, ax = plt.subplots(figsize=(6.8, 4.4))
    if figure_id == "near_optimality":
        from relu_lib.paper_a.near_optimality import near_optimality_curves, plot_near_optimality

        plot_near_optimality(ax, near_optimality_curves(spec["runs"], spec["master_seed"]))
        suptitle(fig, "§3.2: with beta = 1 an adversary realising a second gate w_adv steers Algorithm 2 to w_adv")
    elif figure_id == "glm_tron":
        from relu_lib.paper_a.glm_tron import glm_tron_curves, plot_glm_tron

        plot_glm_tron(ax, glm_tron_curves(spec["draws"], spec["master_seed"]))
        suptitle(fig, "§2: GLM-Tron (Algorithm 1), empirical risk against Theorem 2.2's bound")
    elif figure_id == "tightness":
        from relu_lib.paper_a.theorem31 import plot_tightness, tightness_curves

        plot_tightness(ax, tightness_curves())
        suptitle(fig, "Theorem 3.1, Remark 1(e): its contraction alpha against the exact one-step contraction")
    else:
        raise ValueError(f"unknown figure {figure_id!r}")
    save(fig, out, stamp(inputs_config([meta], figure=figure_id), __name__))
