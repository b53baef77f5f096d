"""docs/open311.md shows a real example session (written by scripts/api_examples.py) for every
Open311 endpoint, in JSON and in XML."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
START = "<!-- open311-examples:start"
END = "<!-- open311-examples:end -->"
ENDPOINTS = [
    "GET discovery",
    "GET services",
    "GET services/{service_code}",
    "POST requests",
    "GET requests",
    "GET requests/{service_request_id}",
    "GET tokens/{token}",
    "GET servicerequestupdates",
]


def test_every_open311_endpoint_has_an_example_in_both_formats() -> None:
    text = (ROOT / "docs" / "open311.md").read_text(encoding="utf-8")
    assert START in text and END in text, "docs/open311.md has no example section (scripts/api_examples.py)"
    section = text[text.index(START) : text.index(END)]
    blocks = {
        block.splitlines()[0].strip("`"): block
        for block in re.split(r"^#### ", section, flags=re.MULTILINE)[1:]
    }
    assert sorted(blocks) == sorted(ENDPOINTS)
    urls = {"services/{service_code}": "services/", "requests/{service_request_id}": "requests/"}
    for heading, block in blocks.items():
        name = heading.split(" ", 1)[1]
        stem = urls.get(name, "tokens/" if name.startswith("tokens/") else name)
        for fmt in ("json", "xml"):
            assert re.search(rf"/open311/v2/{re.escape(stem)}\S*\.{fmt}", block), (heading, fmt)
            assert f"```{fmt}\nHTTP 20" in block, (heading, fmt)  # the answer really given
