"""The message record used by the analytics algorithms, and a reader for TipDM-style CSV files.

Pure module: no Django. A ``Message`` is one petition / online message as the analytics see it.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from minsheng.core.tabular import dict_reader, read_text

MessageId = int | str

#: CSV column names of the shared TipDM files.
COL_ID = "留言编号"
COL_USER = "留言用户"
COL_TITLE = "留言主题"
COL_TIME = "留言时间"
COL_TIME_ISO = "留言时间_iso"
COL_TEXT = "留言详情"
COL_LIKES = "点赞数"
COL_DISLIKES = "反对数"
COL_CATEGORY = "一级分类"
COL_CATEGORY_TIPDM = "一级标签"  # the same column as named in the TipDM release


class MessageFileError(ValueError):
    """A message file cannot be read; the message is one line, fit for a command-line error."""


@dataclass(frozen=True, slots=True)
class Message:
    """One petition message. ``id`` keeps the natural type of the source (int when all ids are)."""

    id: MessageId
    user: str
    title: str
    text: str
    day: date
    likes: int = 0
    dislikes: int = 0
    category: str = ""


def parse_day(value: str) -> date:
    """Parse ``2019-04-25 09:32:09``, ``2019/4/25 9:32:09``, ``2019-04-25`` or ``2019/4/25``."""
    value = (value or "").strip()
    if not value:
        raise ValueError("empty date")
    head = value.split()[0].split("T")[0].replace("/", "-").replace(".", "-")
    parts = head.split("-")
    if len(parts) != 3:
        raise ValueError(f"not a date: {value!r}")
    year, month, day = (int(p) for p in parts)
    return date(year, month, day)


def _int_or_zero(value: str | None, *, column: str, line: int) -> int:
    value = (value or "").strip()
    if not value:
        return 0
    try:
        return int(float(value))
    except ValueError:
        raise MessageFileError(f"line {line}: {column} is not a number: {value!r}") from None


def read_messages(rows: Iterable[dict[str, str]]) -> list[Message]:
    """Build messages from CSV dict rows (header names as in the TipDM files).

    Required: 留言编号, 留言主题, and 留言时间_iso or 留言时间. Optional: 留言用户, 留言详情,
    点赞数, 反对数, 一级分类. Ids become ints when every id is an integer, strings otherwise.
    """
    raw: list[tuple[str, str, str, str, date, int, int, str]] = []
    for line, row in enumerate(rows, start=2):
        if COL_ID not in row or COL_TITLE not in row or (COL_TIME_ISO not in row and COL_TIME not in row):
            raise MessageFileError(
                f"missing column: need {COL_ID}, {COL_TITLE} and {COL_TIME_ISO} or {COL_TIME}"
            )
        ident = (row.get(COL_ID) or "").strip()
        if not ident:
            raise MessageFileError(f"line {line}: empty {COL_ID}")
        when = row.get(COL_TIME_ISO) or row.get(COL_TIME) or ""
        try:
            day = parse_day(when)
        except ValueError:
            raise MessageFileError(f"line {line}: bad {COL_TIME}: {when!r}") from None
        raw.append(
            (
                ident,
                (row.get(COL_USER) or "").strip(),
                row.get(COL_TITLE) or "",
                row.get(COL_TEXT) or "",
                day,
                _int_or_zero(row.get(COL_LIKES), column=COL_LIKES, line=line),
                _int_or_zero(row.get(COL_DISLIKES), column=COL_DISLIKES, line=line),
                (row.get(COL_CATEGORY) or row.get(COL_CATEGORY_TIPDM) or "").strip(),
            )
        )
    all_int = all(r[0].lstrip("-").isdigit() for r in raw)
    return [
        Message(
            id=int(r[0]) if all_int else r[0],
            user=r[1],
            title=r[2],
            text=r[3],
            day=r[4],
            likes=r[5],
            dislikes=r[6],
            category=r[7],
        )
        for r in raw
    ]


def load_messages_csv(path: str | Path) -> list[Message]:
    """Read a CSV of messages (UTF-8 or GB18030, optionally gzipped; comma, tab or semicolon)."""
    path = Path(path)
    if not path.is_file():
        raise MessageFileError(f"no such file: {path}")
    try:
        text = read_text(path)
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile) as exc:
        raise MessageFileError(f"cannot read {path}: {exc.__class__.__name__}") from None
    try:
        reader = dict_reader(text)
        if not reader.fieldnames:
            raise MessageFileError(f"empty file: {path}")
        return read_messages(reader)
    except csv.Error as exc:
        raise MessageFileError(f"bad CSV in {path}: {exc}") from None


def sort_key(message: Message) -> tuple[date, str]:
    """A stable order over messages: by day, then by id as text."""
    return (message.day, str(message.id))


def ids_natural(messages: Sequence[Message]) -> list[MessageId]:
    return [m.id for m in messages]
