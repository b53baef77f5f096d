"""Strict parsing of query-string parameters at the interface boundary.

A filter value that cannot be what it claims (an impossible date, an id no database column can
hold, a negative id) is the caller's mistake: it answers 400 with a message naming the parameter,
never a 500 from deep inside the ORM. ``BadParameterMiddleware`` (minsheng.core.middleware) turns
``BadParameter`` into the response for web pages; the API maps it like any ApplicationError.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from minsheng.core.errors import ApplicationError

__all__ = [
    "MAX_ID",
    "MAX_YEAR",
    "MIN_YEAR",
    "BadParameter",
    "check_year",
    "date_param",
    "id_param",
    "int_param",
]

MAX_ID = 2**63 - 1  # a signed 64-bit primary key (SQLite INTEGER, PostgreSQL bigint)
MIN_YEAR = 1900
MAX_YEAR = 2999  # leaves room for date arithmetic (a day or a year more) without OverflowError


class BadParameter(ApplicationError):
    """A query-string parameter that cannot be parsed; nothing was read or changed."""

    code = "bad_parameter"
    http_status = 400


def _blank(value: str | None) -> bool:
    return value is None or value.strip() == ""


def date_param(value: str | None, name: str) -> dt.date | None:
    """``YYYY-MM-DD`` or nothing; anything else (2025-02-30, 99999-01-01, 'abc') is BadParameter."""
    if _blank(value):
        return None
    assert value is not None
    text = value.strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        parsed = dt.date.fromisoformat(text)
    except ValueError:
        raise BadParameter(
            _("参数 %(name)s 的值“%(value)s”不是有效日期（格式 YYYY-MM-DD）。")
            % {"name": name, "value": text[:40]},
            field=name,
        ) from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise BadParameter(
            _("参数 %(name)s 的日期超出范围（%(low)s 至 %(high)s 年）。")
            % {"name": name, "low": MIN_YEAR, "high": MAX_YEAR},
            field=name,
        )
    return parsed


def int_param(value: str | None, name: str, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """A decimal integer in [minimum, maximum] or nothing; anything else is BadParameter."""
    if _blank(value):
        return None
    assert value is not None
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        raise BadParameter(
            _("参数 %(name)s 的值“%(value)s”不是有效的编号。") % {"name": name, "value": text[:40]},
            field=name,
        )
    number = int(text)
    if not minimum <= number <= maximum:
        raise BadParameter(
            _("参数 %(name)s 超出范围（%(low)s 至 %(high)s）。")
            % {"name": name, "low": minimum, "high": maximum},
            field=name,
        )
    return number


def id_param(value: str | None, name: str) -> int | None:
    """A database id (1 .. 2**63-1) or nothing."""
    return int_param(value, name, minimum=1, maximum=MAX_ID)


def check_year(value: dt.date | dt.datetime | None, field: str) -> None:
    """Refuse a date or moment of a body field or service argument whose year no record can have
    (MIN_YEAR..MAX_YEAR): 0001-01-01 or 9999-12-31 would overflow the date arithmetic after it
    (a 500), or stand for all of time. InvalidInput names the field; nothing was changed."""
    from minsheng.core.errors import InvalidInput

    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InvalidInput(
            _("日期超出合理范围（%(a)s—%(b)s 年）。") % {"a": MIN_YEAR, "b": MAX_YEAR}, field=field
        )
