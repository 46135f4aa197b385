"""The font types a PDF embeds, in pdffonts' words ("TrueType", "CID TrueType", "Type 1", "Type 3", ...).

`pdffonts` (poppler-utils) where it is installed; else a reading of the PDF's font dictionaries, enough for the
files matplotlib writes (uncompressed object dictionaries, no object streams), so that the README's test command
also passes on a machine without poppler. A TrueType font appears either as a simple font (/Subtype /TrueType) or,
as matplotlib writes `pdf.fonttype: 42`, as a composite /Type0 font whose descendant is a CID-keyed TrueType font
(/Subtype /CIDFontType2): both are TrueType. pdffonts lists the descendant, not the /Type0 wrapper, and so does
the fallback.
"""

from __future__ import annotations

import re
import shutil
import subprocess

# /Subtype of a font dictionary -> the type pdffonts prints for it (poppler's GfxFont type names)
SUBTYPES = {
    "Type1": "Type 1",
    "MMType1": "Type 1",
    "Type3": "Type 3",
    "TrueType": "TrueType",
    "CIDFontType0": "CID Type 0",
    "CIDFontType2": "CID TrueType",
}
OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b(.*?)\bendobj\b", re.DOTALL)
STREAM = re.compile(rb"\bstream\r?\n.*?\bendstream\b", re.DOTALL)  # binary data: never read as dictionaries
FONT = re.compile(rb"/Type\s*/Font\b")  # not /FontDescriptor: \b needs a non-word character after "Font"
SUBTYPE = re.compile(rb"/Subtype\s*/(\w+)")


def font_types(path) -> set[str]:
    """The types of the fonts embedded in the PDF at `path`."""
    if shutil.which("pdffonts"):
        return pdffonts_types(
            subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        )
    with open(path, "rb") as handle:
        return font_types_of_bytes(handle.read())


def font_types_of_bytes(data: bytes) -> set[str]:
    """The fallback: the /Subtype of every /Type /Font dictionary, the /Type0 wrappers left out."""
    types = set()
    for body in OBJECT.findall(data):
        body = STREAM.sub(b"", body)
        if FONT.search(body):
            match = SUBTYPE.search(body)
            subtype = match.group(1).decode() if match else "no /Subtype"
            if subtype != "Type0":  # a composite font: its /DescendantFonts are font objects of their own
                types.add(SUBTYPES.get(subtype, subtype))
    return types


def pdffonts_types(out: str) -> set[str]:
    """The `type` column of pdffonts' table: between the name (a PDF name, no spaces) and the six columns
    encoding, emb, sub, uni, object, ID (one word each). A type may be several words ("CID TrueType (OT)"), and a
    long name pushes it out of its column, so the row is cut by words, not by position."""
    return {" ".join(row.split()[1:-6]) for row in out.splitlines()[2:] if len(row.split()) > 7}


def only_truetype(types: set[str]) -> bool:
    """Every font is TrueType (simple or CID-keyed): no Type 3 (bitmap-like, rejected by journals), no Type 1."""
    return bool(types) and all("TrueType" in t for t in types)
