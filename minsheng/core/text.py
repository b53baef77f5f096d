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
