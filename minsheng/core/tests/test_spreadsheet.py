"""Formula-injection defence for every CSV / xlsx export (minsheng.core.spreadsheet)."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.core.spreadsheet import neutralise, neutralise_mapping, neutralise_row

FORMULA = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize("text", [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_starts_get_a_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["幸福小区噪音", "", "'already", "a=b", 5, -3, 1.5, None, True, dt.date(2025, 1, 1)]
)
def test_other_values_unchanged(value: object) -> None:
    assert neutralise(value) == value


def test_rows_and_mappings() -> None:
    assert neutralise_row([FORMULA, 1, "ok"]) == ["'" + FORMULA, 1, "ok"]
    assert neutralise_mapping({"标题": "-1", "n": -1}) == {"标题": "'-1", "n": -1}
