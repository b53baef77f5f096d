"""Spreadsheet (CSV / xlsx) formula-injection defence (pure: no Django).

Text that a citizen typed (a title, a request) ends up in exports that staff open in Excel or WPS.
A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return may be taken
for a formula (``=HYPERLINK(...)``, DDE payloads). Following the OWASP "CSV Injection" guidance,
every export prefixes such text with a single quote, so that it is shown, never evaluated, and drops
the control characters a cell cannot hold (NUL, vertical tab …). Numbers,
dates and booleans pass unchanged. Every CSV and xlsx writer in minsheng goes through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from minsheng.core.text import CONTROL_CHARACTERS

__all__ = ["FORMULA_PREFIXES", "neutralise", "neutralise_mapping", "neutralise_row"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

K = TypeVar("K")


def neutralise(value: Any) -> Any:
    """``value`` with a leading single quote if it is text that could start a formula, and without
    the control characters no spreadsheet cell can hold (tab, line feed and carriage return stay)."""
    if isinstance(value, str):
        # Rows stored before intake refused them: one such character made openpyxl refuse the
        # whole export (external client review, 2026-12-07).
        value = CONTROL_CHARACTERS.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def neutralise_row(values: Iterable[Any]) -> list[Any]:
    return [neutralise(v) for v in values]


def neutralise_mapping(row: Mapping[K, Any]) -> dict[K, Any]:
    return {key: neutralise(value) for key, value in row.items()}
