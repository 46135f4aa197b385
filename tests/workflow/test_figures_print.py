"""Publication-ready figures: every PDF embeds only TrueType (Type 42) fonts, never Type 3; and
`figures.width: single` draws every figure one journal column wide."""

from __future__ import annotations

import shutil
import struct

import pytest
from conftest import snakemake
from pdf_fonts import font_types, only_truetype


def test_every_pdf_embeds_only_truetype_fonts(smoke_run):
    pdfs = sorted((smoke_run / "figures").rglob("*.pdf"))
    assert len(pdfs) >= 9 and len(list((smoke_run / "figures" / "paper_a").glob("*.pdf"))) >= 7  # and B1, B2
    for pdf in pdfs:  # pdffonts where installed, else the font dictionaries (tests/pdf_fonts.py)
        types = font_types(pdf)
        assert only_truetype(types), (pdf.name, types)
        assert b"/Type3" not in pdf.read_bytes() and b"/FontFile2" in pdf.read_bytes(), pdf.name


def png_width(path) -> int:
    return struct.unpack(">I", path.read_bytes()[16:20])[0]


@pytest.mark.parametrize("width, inches", [("single", 3.5)])
def test_a_journal_width_draws_every_figure_one_column_wide(smoke_run, tmp_path, width, inches):
    copy = tmp_path / "run"
    shutil.copytree(smoke_run, copy)
    result = snakemake(copy, "--cores", "2", "--config", f"figures={{width: {width}}}")
    assert result.returncode == 0, result.stderr[-2000:]
    pngs = sorted((copy / "figures").rglob("*.png"))
    assert len(pngs) >= 9
    for png in pngs:  # saved at 300 dpi with a tight box: about the column, never the screen's 10-16 in
        assert 0.7 * inches * 300 < png_width(png) < 1.2 * inches * 300, (png.name, png_width(png))
    for pdf in (copy / "figures").rglob("*.pdf"):
        assert b"/Type3" not in pdf.read_bytes(), pdf.name
