"""Reading the CSV files people actually have (pure: no Django).

Chinese spreadsheet exports are often GB18030/GBK rather than UTF-8, sometimes gzipped,
sometimes tab- or semicolon-separated. Every command that reads a CSV goes through here so
that they all accept the same files.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

__all__ = ["csv_delimiter", "dict_reader", "read_text"]


def read_text(path: str | Path) -> str:
    """The text of ``path``: gzip undone; UTF-8 (BOM or not), else GB18030 (covers GBK, GB2312).

    Raises ``OSError``, ``gzip.BadGzipFile``/``EOFError`` (broken gzip) or ``UnicodeDecodeError``.
    """
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def csv_delimiter(text: str) -> str:
    """Comma, unless the header line has tabs (or else semicolons) and no comma."""
    header = text.split("\n", 1)[0]
    if "," not in header:
        for candidate in ("\t", ";"):
            if candidate in header:
                return candidate
    return ","


def dict_reader(text: str) -> csv.DictReader[str]:
    """A ``csv.DictReader`` over ``text`` with its delimiter detected (records may span lines) and
    the header names stripped of surrounding blanks (``"留言编号 "`` from a spreadsheet is
    ``留言编号``)."""
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text))
    if reader.fieldnames is not None:
        reader.fieldnames = [name.strip() if isinstance(name, str) else name for name in reader.fieldnames]
    return reader
