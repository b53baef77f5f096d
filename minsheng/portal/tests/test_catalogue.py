"""The English catalogue is complete: every portal string has a translation, nothing is fuzzy."""

from __future__ import annotations

import re
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries() -> list[tuple[str, list[str]]]:
    text = PO.read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        msgid = "".join(re.findall(r'"(.*)"', m)) if (m := _field(block, "msgid")) is not None else None
        strs = [("".join(re.findall(r'"(.*)"', s))) for s in _fields(block, r"msgstr(?:\[\d\])?")]
        if msgid:
            entries.append((msgid, strs))
    return entries


def _field(block: str, name: str) -> str | None:
    match = re.search(rf"^{name} (\".*\"(?:\n\".*\")*)", block, re.M)
    return match.group(1) if match else None


def _fields(block: str, pattern: str) -> list[str]:
    return [m.group(1) for m in re.finditer(rf"^{pattern} (\".*\"(?:\n\".*\")*)", block, re.M)]


def test_every_string_is_translated() -> None:
    entries = _entries()
    assert len(entries) > 300
    missing = [msgid for msgid, strs in entries if not strs or any(not s for s in strs)]
    assert missing == []
    assert "#, fuzzy" not in PO.read_text(encoding="utf-8")


def test_compiled_catalogue_exists() -> None:
    mo = PO.with_suffix(".mo")
    assert mo.exists()
    assert mo.stat().st_size > 10_000
