"""Text normalisation shared by intake, search and the intelligence modules (pure, no Django)."""

from __future__ import annotations

import re
import unicodedata

_SPACE_RE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower-case latin, collapse whitespace."""
    text = unicodedata.normalize("NFKC", text or "")
    return _SPACE_RE.sub(" ", text).strip().lower()


def compact(text: str) -> str:
    """Normalised text without any whitespace or punctuation: the form used for shingling."""
    return "".join(filter(str.isalnum, normalize(text)))


#: Control characters no stored text needs: NUL (PostgreSQL refuses it in text), vertical tab, form
#: feed and the rest below U+0020 except tab, line feed and carriage return. XML (so xlsx) cannot
#: hold them either.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None
