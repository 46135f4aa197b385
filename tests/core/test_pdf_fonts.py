"""The PDF font check of tests/workflow/test_figures_print.py without the workflow: the fallback reader of font
dictionaries (used where poppler's pdffonts is not installed) accepts TrueType, simple or CID-keyed
(/CIDFontType2, what matplotlib writes for `pdf.fonttype: 42`), and rejects Type 3 and Type 1."""

from __future__ import annotations

import matplotlib
import pytest
from pdf_fonts import font_types_of_bytes, only_truetype, pdffonts_types

matplotlib.use("Agg")


def pdf(*objects: bytes) -> bytes:
    """A minimal PDF of numbered objects (no valid xref: the reader needs none)."""
    body = b"".join(b"%d 0 obj\n%s\nendobj\n" % (i, obj) for i, obj in enumerate(objects, start=1))
    return b"%PDF-1.4\n" + body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


CID_TRUETYPE = pdf(
    b"<< /Type /Catalog >>",
    b"<< /Type /Font /Subtype /Type0 /BaseFont /DejaVuSans /Encoding /Identity-H /DescendantFonts [3 0 R] >>",
    b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /DejaVuSans\n"
    b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 4 0 R >>",
    b"<< /Type /FontDescriptor /FontName /DejaVuSans /Flags 32 /FontFile2 5 0 R >>",
    b"<< /Length 8 /Subtype /Type1C >>\nstream\n\x00\x01/Type /Font\x02\nendstream",  # binary: not read
)
SIMPLE_TRUETYPE = pdf(b"<< /Type /Font /Subtype /TrueType /BaseFont /DejaVuSans /FontDescriptor 2 0 R >>")
TYPE3 = pdf(  # as matplotlib writes it: /Subtype after /BaseFont
    b"<< /Type /Font /BaseFont /DejaVuSans /FirstChar 32 /LastChar 233 /FontDescriptor 2 0 R\n"
    b"/Subtype /Type3 /Name /DejaVuSans /FontBBox [-2090 -948 3673 2524] /FontMatrix [0.001 0 0 0.001 0 0] >>",
    b"<< /Type /FontDescriptor /FontName /DejaVuSans /Flags 32 >>",
)
TYPE1 = pdf(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
MIXED = pdf(
    b"<< /Type /Font /Subtype /Type0 /BaseFont /A /DescendantFonts [2 0 R] >>",
    b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /A >>",
    b"<< /Type /Font /Subtype /Type3 /BaseFont /B >>",
)


@pytest.mark.parametrize(
    "data, types, accepted",
    [
        (CID_TRUETYPE, {"CID TrueType"}, True),
        (SIMPLE_TRUETYPE, {"TrueType"}, True),
        (TYPE3, {"Type 3"}, False),
        (TYPE1, {"Type 1"}, False),
        (MIXED, {"CID TrueType", "Type 3"}, False),
        (pdf(b"<< /Type /Catalog >>"), set(), False),  # no font at all is no proof of TrueType
    ],
    ids=["cid-truetype", "truetype", "type3", "type1", "cid-truetype-and-type3", "no-font"],
)
def test_the_fallback_reads_the_font_dictionaries(data, types, accepted):
    assert font_types_of_bytes(data) == types
    assert only_truetype(types) is accepted


@pytest.mark.parametrize("fonttype, types", [(42, {"CID TrueType"}), (3, {"Type 3"})])
def test_the_fallback_reads_what_matplotlib_writes(tmp_path, fonttype, types):
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"pdf.fonttype": fonttype}):
        fig, ax = plt.subplots()
        ax.set_title(r"Tron and SGD, $\eta \beta$")
        fig.savefig(tmp_path / "f.pdf")
        plt.close(fig)
    assert font_types_of_bytes((tmp_path / "f.pdf").read_bytes()) == types


def test_pdffonts_output_is_cut_at_its_words():
    out = (
        "name                                 type              encoding         emb sub uni object ID\n"
        "------------------------------------ ----------------- ---------------- --- --- --- ---------\n"
        "DOXCJZ+DejaVuSans                    CID TrueType      Identity-H       yes yes yes     11  0\n"
        "BIGMKF+DejaVuSansCondensed-BoldOblique-Subset CID TrueType (OT) Identity-H yes yes yes     16  0\n"
        "[none]                               Type 3            Custom           yes no  no      20  0\n"
    )
    assert pdffonts_types(out) == {"CID TrueType", "CID TrueType (OT)", "Type 3"}
