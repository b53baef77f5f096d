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


@pytest.mark.parametrize(
    ("text", "cell"),
    [("a\x00b", "ab"), ("竖\x0b表", "竖表"), ("\x1f=1", "'=1"), ("换\n行\t制表\r", "换\n行\t制表\r")],
)
def test_control_characters_a_cell_cannot_hold_are_dropped(text: str, cell: str) -> None:
    assert neutralise(text) == cell


def test_an_xlsx_export_holds_a_title_with_a_control_character() -> None:
    """A petition titled 「a\\x00b」 made openpyxl refuse the whole export (a 500 for everyone)."""
    from openpyxl import Workbook

    sheet = Workbook().active
    assert sheet is not None
    sheet.append(neutralise_row(["a\x00b", "竖\x0b表"]))
    assert [c.value for c in sheet[1]] == ["ab", "竖表"]
