"""CSV files as people have them: UTF-8 or GB18030, gzipped or not, comma, tab or semicolon."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from minsheng.core.tabular import csv_delimiter, dict_reader, read_text

ROWS = [["留言主题", "留言详情"], ["路灯不亮", "桂花路路灯坏了，\n晚上很黑"]]


def _csv(delimiter: str) -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if "\n" in value or delimiter in value else value

    return "\r\n".join(delimiter.join(cell(v) for v in row) for row in ROWS) + "\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
@pytest.mark.parametrize("zipped", [False, True])
def test_reads_every_export(tmp_path: Path, encoding: str, delimiter: str, zipped: bool) -> None:
    data = _csv(delimiter).encode(encoding)
    path = tmp_path / ("x.csv.gz" if zipped else "x.csv")
    path.write_bytes(gzip.compress(data) if zipped else data)
    rows = list(dict_reader(read_text(path)))
    assert rows == [{"留言主题": "路灯不亮", "留言详情": "桂花路路灯坏了，\n晚上很黑"}]


def test_header_names_lose_surrounding_blanks(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(" 留言主题 ,留言详情\t\n路灯不亮,很黑\n", encoding="utf-8")
    assert list(dict_reader(read_text(path))) == [{"留言主题": "路灯不亮", "留言详情": "很黑"}]


def test_delimiter_prefers_comma() -> None:
    assert csv_delimiter("a,b\tc\n1,2") == ","
    assert csv_delimiter("a\tb;c\n") == "\t"
    assert csv_delimiter("a;b\n") == ";"
    assert csv_delimiter("") == ","


def test_binary_garbage_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\x00\xff\xfe\x81\x30")
    with pytest.raises(UnicodeDecodeError):
        read_text(path)
