"""docs/api.md shows a real example session (written by scripts/api_examples.py) for every
operation of the OpenAPI document (docs/api/openapi.json, itself checked against the code by CI)."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
START = "<!-- api-examples:start"
END = "<!-- api-examples:end -->"


def _examples_section() -> str:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert START in text and END in text, "docs/api.md has no example section (scripts/api_examples.py)"
    return text[text.index(START) : text.index(END)]


def test_every_operation_has_an_example_session() -> None:
    document = json.loads((ROOT / "docs" / "api" / "openapi.json").read_text(encoding="utf-8"))
    section = _examples_section()
    headings = set(re.findall(r"^#### `([A-Z]+ \S+)`$", section, flags=re.MULTILINE))
    operations = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    missing = sorted(operations - headings)
    assert not missing, f"no example in docs/api.md for: {missing} (run scripts/api_examples.py)"
    stale = sorted(headings - operations)
    assert not stale, f"examples of operations the API no longer has: {stale}"


def test_each_example_has_a_request_and_an_answer() -> None:
    section = _examples_section()
    blocks = re.split(r"^#### ", section, flags=re.MULTILINE)[1:]
    assert blocks
    for block in blocks:
        heading = block.splitlines()[0]
        assert "```sh\ncurl " in block, heading
        assert re.search(r"```http\nHTTP \d{3}", block), heading
