"""The shared figure style: titles fit the figure."""

import matplotlib.pyplot as plt

from relu_lib.style import fit_width, suptitle

TITLE = r"B2 - sample complexity of PGD from $w_0 = 0$: fraction of 30 trials per cell vs $n/n_0$; bound: $(1/2)^\tau$"


def test_fit_width_breaks_at_spaces_and_never_inside_math():
    text = fit_width(TITLE, 40)
    lines = text.split("\n")
    assert len(lines) > 1 and text.replace("\n", " ") == TITLE
    assert all(line.count("$") % 2 == 0 for line in lines)  # every math span stays on one line
    assert all(len(line) <= 40 for line in lines if "$" not in line)


def test_a_long_title_stays_inside_the_figure():
    fig, _ = plt.subplots(figsize=(6, 3))
    suptitle(fig, TITLE)
    fig.canvas.draw()
    box = fig._suptitle.get_window_extent()
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width
    plt.close(fig)
