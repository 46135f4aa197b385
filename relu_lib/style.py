"""The one figure style of both papers: seaborn theme, panel grids, axis helpers, and `save`.

`save` writes a figure as PDF and PNG atomically, with the provenance record as file metadata
and no creation date, so the same data gives the same bytes.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import seaborn as sns  # noqa: E402

# Target widths (config `figures.width`): "screen" keeps each figure's own size (10-16 in wide, for the
# report and the README); "single" and "double" are a journal's one- and two-column widths, in inches,
# with smaller type and at most MAX_COLUMNS panels side by side. A number is a width in inches.
WIDTHS = {"screen": None, "single": 3.5, "double": 7.2}
MAX_COLUMNS = {"single": 2, "double": 4}
_TARGET = {"name": "screen", "inches": None}


def set_width(width="screen") -> None:
    """Draw the next figures for the screen (None or "screen"), a journal column ("single", "double") or
    a width in inches (up to 4 in counts as single, wider as double)."""
    if width in (None, "screen"):
        _TARGET.update(name="screen", inches=None)
    elif width in WIDTHS:
        _TARGET.update(name=width, inches=WIDTHS[width])
    else:
        inches = float(width)
        _TARGET.update(name="single" if inches <= 4 else "double", inches=inches)


def for_print() -> bool:
    """True when drawing for a journal column (not the screen)."""
    return _TARGET["inches"] is not None


def apply_style() -> None:
    # TrueType (Type 42) fonts in PDF and PostScript: journals reject Type 3 fonts
    rc = {
        "axes.grid": True,
        "grid.alpha": 0.3,
        "legend.frameon": False,
        "savefig.dpi": 200,
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
    }
    if for_print():  # 7-8 pt type at the printed size; thinner lines
        rc.update(
            {
                "font.size": 7,
                "axes.titlesize": 7,
                "axes.labelsize": 7,
                "xtick.labelsize": 6,
                "ytick.labelsize": 6,
                "legend.fontsize": 6,
                "legend.title_fontsize": 6,
                "lines.linewidth": 1.0,
                "savefig.dpi": 300,
                "axes.titlepad": 3,
            }
        )
        sns.set_theme(context="paper", style="ticks", rc=rc)
        plt.rcParams.update(rc)
    else:
        sns.set_theme(context="paper", style="ticks", font_scale=1.15, rc=rc)


def suptitle(fig, text: str, **kwargs) -> None:
    """The figure's title on the screen, broken into lines that fit the figure's width; none in print,
    where the caption says it (report/*.rst)."""
    if not for_print():
        size = matplotlib.font_manager.FontProperties(size=kwargs.get("fontsize", plt.rcParams["figure.titlesize"]))
        fig.suptitle(fit_width(text, fig.get_figwidth() * 72 / (0.55 * size.get_size_in_points())), **kwargs)


def fit_width(text: str, max_chars: float) -> str:
    """`text` broken at spaces into lines of at most `max_chars` characters (0.55 em per character is a
    generous average for the sans-serif face), never inside a $...$ math span."""
    parts = text.split("$")
    glued = "$".join(p.replace(" ", NBSP) if i % 2 else p for i, p in enumerate(parts))  # odd parts are math
    return textwrap.fill(glued, width=max(int(max_chars), 20), break_long_words=False).replace(NBSP, " ")


NBSP = "\u00a0"


def grid(nrows: int, ncols: int, panel_width: float, panel_height: float, **kwargs):
    """A figure with axes[row, col], `nrows` rows of `ncols` panels (e.g. rows: the sweeps, columns: the laws)
    and a flag `transposed`. On the screen each panel is panel_width x panel_height inches. In print the
    figure is the target width; when `ncols` is over MAX_COLUMNS the panels are laid out transposed (the
    columns become rows) but still indexed axes[row, col]."""
    if not for_print():
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(panel_width * ncols, panel_height * nrows), squeeze=False, **kwargs
        )
        return fig, axes, False
    transposed = ncols > MAX_COLUMNS[_TARGET["name"]]
    rows, cols = (ncols, nrows) if transposed else (nrows, ncols)
    if transposed and kwargs.get("sharex") == "col":
        kwargs["sharex"] = "row"
    if transposed and kwargs.get("sharey") == "row":
        kwargs["sharey"] = "col"
    width = _TARGET["inches"]
    height = width / cols * panel_height / panel_width * rows
    fig, axes = plt.subplots(rows, cols, figsize=(width, height), squeeze=False, **kwargs)
    return fig, (axes.T if transposed else axes), transposed


def save(fig, prefix, provenance: dict | None = None) -> list[Path]:
    """Write `<prefix>.pdf` and `<prefix>.png` (atomically, with the provenance record as
    metadata if given); return the paths."""
    from relu_lib.io import atomic_output

    prefix = Path(prefix)
    paths = [prefix.with_suffix(".pdf"), prefix.with_suffix(".png")]
    for path in paths:
        with atomic_output(path) as handle:
            fig.savefig(handle, format=path.suffix[1:], bbox_inches="tight", metadata=_file_metadata(path, provenance))
    plt.close(fig)
    return paths


def _file_metadata(path: Path, provenance: dict | None) -> dict:
    """PNG text chunk `relu_repro`, or the PDF's Creator and Keywords, holding the provenance
    JSON; no creation date in the PDF, so the same data gives the same bytes."""
    text = json.dumps(provenance, sort_keys=True) if provenance else None
    if path.suffix == ".png":
        return {"relu_repro": text} if text else {}
    meta = {"CreationDate": None}
    if text:
        meta.update(Creator=f"relu-repro {provenance['version']}", Keywords=text)
    return meta


def panels(n: int, ncols: int, width=3.6, height=2.9, **kwargs):
    """A grid of `n` axes in `ncols` columns (the spare ones hidden) and its figure; in print at most
    MAX_COLUMNS columns, filling the target width."""
    if for_print():
        ncols = min(ncols, MAX_COLUMNS[_TARGET["name"]])
        width, height = _TARGET["inches"] / ncols, _TARGET["inches"] / ncols * height / width
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False, **kwargs)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat[:n]


def plain_log_ticks(axis) -> None:
    """Decade ticks labelled 1, 10, 0.1 ... and no labels on the minor ticks."""
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def legend_below(fig, ax, handles=None, labels=None, ncol=None, offset=-0.04) -> None:
    """One legend under the panels: in a row on the screen, in at most two columns in print."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if for_print():
        ncol, offset = min(2, len(labels)), 0.0
        fig.legend(handles, labels, loc="upper center", ncol=ncol, bbox_to_anchor=(0.5, 0.0))
        return
    fig.legend(handles, labels, loc="lower center", ncol=ncol or len(labels), bbox_to_anchor=(0.5, offset))
