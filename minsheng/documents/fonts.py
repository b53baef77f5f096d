"""Fonts for official documents: the installed CJK fonts, subset to a document's characters and
converted to TrueType outlines so that reportlab can embed them.

GB/T 9704-2012 asks for 小标宋 (title), 仿宋 (body), 黑体 (first-level headings) and 宋体 (page
numbers). Those commercial faces cannot be shipped; the free stand-ins are the Noto CJK faces of
Debian's ``fonts-noto-cjk`` (Serif Bold for 小标宋, Serif Regular for 仿宋 and 宋体, Sans for
黑体). They are OpenType/CFF, which reportlab cannot read, so each PDF takes a subset of exactly
the characters it prints, with the cubic outlines converted to quadratic ones (fontTools); reportlab
then embeds that subset. A missing font is an error, never a silent fall back to a PDF base font
that is not embedded.

Pure Python: no Django.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from functools import lru_cache

FONT_DIRS = (
    os.environ.get("MINSHENG_FONT_DIR", ""),
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/local/share/fonts",
)


@dataclass(frozen=True)
class FaceSpec:
    """A role in the document, the font file(s) that play it and the face inside a collection."""

    role: str
    files: tuple[str, ...]
    family: str  # the family inside a .ttc to pick (Simplified Chinese)


FACES: dict[str, FaceSpec] = {
    "title": FaceSpec("title", ("NotoSerifCJK-Bold.ttc", "NotoSerifCJKsc-Bold.otf"), "Noto Serif CJK SC"),
    "body": FaceSpec("body", ("NotoSerifCJK-Regular.ttc", "NotoSerifCJKsc-Regular.otf"), "Noto Serif CJK SC"),
    "heading": FaceSpec(
        "heading", ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf"), "Noto Sans CJK SC"
    ),
}


class FontMissing(RuntimeError):
    """No installed font can play a role (install fonts-noto-cjk)."""


def _find(spec: FaceSpec) -> tuple[str, int]:
    from fontTools.ttLib import TTCollection

    for directory in FONT_DIRS:
        if not directory:
            continue
        for name in spec.files:
            path = os.path.join(directory, name)
            if not os.path.exists(path):
                continue
            if not path.endswith(".ttc"):
                return path, 0
            collection = TTCollection(path, lazy=True)
            for number, face in enumerate(collection.fonts):
                if face["name"].getDebugName(1) == spec.family:
                    return path, number
    raise FontMissing(f"no font for {spec.role}: install fonts-noto-cjk ({', '.join(spec.files)})")


@lru_cache(maxsize=8)
def font_file(role: str) -> tuple[str, int]:
    """(path, number inside a collection) of the font that plays ``role``."""
    return _find(FACES[role])


def _to_truetype(font: object) -> None:
    """Replace the CFF outlines of a (subset) font by TrueType ones, in place."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    assert isinstance(font, TTFont)
    if "glyf" in font:
        return
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    for tag in ("CFF ", "CFF2", "VORG"):
        if tag in font:
            del font[tag]
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["maxp"] = maxp
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"


@lru_cache(maxsize=64)
def truetype_subset(role: str, characters: frozenset[str]) -> bytes:
    """A TrueType font holding the glyphs of ``characters`` in the face that plays ``role``."""
    from fontTools.subset import Options, Subsetter
    from fontTools.ttLib import TTFont

    path, number = font_file(role)
    font = TTFont(path, fontNumber=number, lazy=True)
    for tag in ("GSUB", "GPOS", "BASE", "GDEF", "VORG", "vhea", "vmtx", "DSIG"):
        if tag in font:
            del font[tag]  # before subsetting: reading them costs more than the rest
    options = Options()
    options.layout_features = []
    options.layout_closure = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = True  # the hints go with the CFF outlines anyway
    subsetter = Subsetter(options)
    subsetter.populate(text="".join(sorted(characters)) + " 0123456789—")
    subsetter.subset(font)
    _to_truetype(font)
    # reportlab registers faces by PostScript name: a subset of its own needs a name of its own.
    digest = hashlib.sha1("".join(sorted(characters)).encode()).hexdigest()[:8]
    names = font["name"]
    postscript = names.getDebugName(6) or role
    names.setName(f"{postscript}-{digest}", 6, 3, 1, 0x409)
    names.setName(f"{postscript}-{digest}", 6, 1, 0, 0)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()
