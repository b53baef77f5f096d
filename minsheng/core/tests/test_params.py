"""Strict query-parameter parsing (minsheng.core.params)."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.core.params import MAX_ID, BadParameter, date_param, id_param, int_param


@pytest.mark.parametrize("value", [None, "", "  "])
def test_blank_is_none(value: str | None) -> None:
    assert date_param(value, "from") is None
    assert id_param(value, "organ") is None
    assert int_param(value, "page") is None


def test_valid_values() -> None:
    assert date_param("2025-02-28", "from") == dt.date(2025, 2, 28)
    assert id_param("42", "organ") == 42
    assert id_param(str(MAX_ID), "organ") == MAX_ID
    assert int_param("0", "n") == 0


@pytest.mark.parametrize(
    "value",
    ["2025-02-30", "2025-13-01", "99999-01-01", "abc", "2025-2-3", "20250203", "0001-01-01", "3000-01-01"],
)
def test_impossible_or_out_of_range_dates(value: str) -> None:
    with pytest.raises(BadParameter) as info:
        date_param(value, "received_from")
    assert info.value.http_status == 400 and info.value.field == "received_from"
    assert "received_from" in info.value.message


@pytest.mark.parametrize(
    "value", ["-1", "0", "abc", "1.5", "99999999999999999999", str(MAX_ID + 1), "²", "１２", "1e3"]
)
def test_bad_ids(value: str) -> None:
    with pytest.raises(BadParameter) as info:
        id_param(value, "organ")
    assert info.value.field == "organ" and "organ" in info.value.message
