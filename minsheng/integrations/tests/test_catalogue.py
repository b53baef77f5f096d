"""The English catalogue of the integrations app is complete and compiled."""

from __future__ import annotations

import re
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_string_is_translated() -> None:
    text = PO.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    missing = []
    for block in text.split("\n\n")[1:]:
        msgid = re.search(r"^msgid ((?:\".*\"\n?)+)", block, re.M)
        msgstr = re.search(r"^msgstr ((?:\".*\"\n?)+)", block, re.M)
        if msgid is None:
            continue
        if msgstr is None or not "".join(re.findall(r'"(.*)"', msgstr.group(1))):
            missing.append(block)
    assert missing == []
    assert PO.with_suffix(".mo").stat().st_size > 2000
