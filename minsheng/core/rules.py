"""The statutory deadline rules of rules.yaml (vendored in core/data), as typed objects (pure)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from minsheng.core.calendar import Period, Unit

RULES_PATH = Path(__file__).resolve().parent / "data" / "rules.yaml"

# SHA-256 of the vendored rules.yaml (the law as data). A change to that file must update this
# digest in the same commit, so it is a visible, reviewed change (docs/adr/0007; checked by
# workflow/tests/test_table_vs_rules.py). `sha256sum minsheng/core/data/rules.yaml` prints it.
RULES_SHA256 = "7c78c089eed42ecbf85e1c6287affe9b4b057c38f2423207d0fd85cd5a9ba269"


def rules_digest(path: Path = RULES_PATH) -> str:
    """The SHA-256 of a rules file, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


class UnknownRule(KeyError):
    def __init__(self, rule_id: str, known: list[str]) -> None:
        super().__init__(rule_id)
        self.rule_id = rule_id
        self.known = known

    def __str__(self) -> str:
        return f"unknown deadline rule {self.rule_id!r}; known: {', '.join(self.known)}"


@dataclass(frozen=True)
class DeadlineRule:
    id: str
    name: str
    length: int | None  # None: set per case (D-ASSIGNED) or not defined (satisfaction window)
    unit: Unit | None
    starts_at: str
    article: str
    hearing_excluded: bool = False
    extendable_days: int = 0  # maximum total extension (D-HANDLE-60: 30)
    per_level: dict[str, int] | None = None

    def period(self, length: int | None = None) -> Period:
        value = self.length if length is None else length
        if value is None or self.unit is None:
            raise ValueError(f"{self.id} has no fixed length; give one")
        return Period(value, self.unit)

    @property
    def computable(self) -> bool:
        return self.unit in (Unit.CALENDAR, Unit.WORKING)


def _parse(entry: dict[str, Any]) -> DeadlineRule:
    raw_length = entry.get("length")
    raw_unit = entry.get("unit")
    per_level = None
    length: int | None = None
    if isinstance(raw_length, dict):
        per_level = {str(k): int(v) for k, v in raw_length.items()}
        length = sum(per_level.values())
    elif isinstance(raw_length, int):
        length = raw_length
    unit = Unit(raw_unit) if raw_unit in ("calendar", "working") else None
    extension = entry.get("extension")
    extendable = int(extension.get("max_total_days", 0)) if isinstance(extension, dict) else 0
    return DeadlineRule(
        id=str(entry["id"]),
        name=str(entry.get("name", "")),
        length=length,
        unit=unit,
        starts_at=str(entry.get("starts_at", "")),
        article=str(entry.get("article", entry.get("source", ""))),
        hearing_excluded=entry.get("excluded_time") == "hearing_days_inclusive",
        extendable_days=extendable,
        per_level=per_level,
    )


@lru_cache(maxsize=1)
def load_rules(path: str = str(RULES_PATH)) -> dict[str, DeadlineRule]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return {rule.id: rule for rule in (_parse(entry) for entry in data["deadlines"])}


def get_rule(rule_id: str) -> DeadlineRule:
    rules = load_rules()
    try:
        return rules[rule_id]
    except KeyError:
        raise UnknownRule(rule_id, sorted(rules)) from None
