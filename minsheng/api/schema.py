"""The base of every API schema: ninja's ``Schema`` with dates read as ISO 8601 only.

pydantic reads a number, or a string of digits, as a Unix time for a ``date`` field: ``?from=0``
was 1970-01-01 and ``received_from=1764547200`` the first of December 2025 (external client
review, 2026-12-08), while docs/api.md promises 422 for anything that is not ``YYYY-MM-DD``. The
check runs before pydantic's own, for every input schema (query and body); answers (``…Out``) are
built from dates and pass unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from typing import Annotated, Any

from ninja import Schema as NinjaSchema
from ninja.schema import DjangoGetter
from pydantic import PlainSerializer, WithJsonSchema, model_validator

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NOT_A_DATE = "not-a-date"  # what pydantic refuses with its own error at the field


#: A local wall-clock time in an answer (a reception's hours): "09:00:00". Declared as a pattern, not
#: ``format: time``, which in JSON Schema is RFC 3339's full-time with an offset that these local
#: times do not have (schemathesis flagged every answer).
LocalTime = Annotated[
    dt.time,
    PlainSerializer(lambda t: t.strftime("%H:%M:%S"), return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}$", "description": "local time, HH:MM:SS"}
    ),
]


def _is_date(annotation: Any) -> bool:
    """``dt.date`` or ``dt.date | None`` (not a datetime)."""
    if annotation is dt.date:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(arg is dt.date for arg in typing.get_args(annotation))
    return False


class Schema(NinjaSchema):
    @model_validator(mode="before")
    @classmethod
    def _iso_dates(cls, data: Any) -> Any:
        # ninja hands the input over wrapped (DjangoGetter, its wrap validator runs first).
        getter = data if isinstance(data, DjangoGetter) else None
        if getter is not None:
            data = getter._obj
        if not isinstance(data, dict):
            return getter if getter is not None else data
        checked = None
        for name, info in cls.model_fields.items():
            if not _is_date(info.annotation):
                continue
            for key in {name, info.alias or name}:
                value = data.get(key)
                if value is None or isinstance(value, dt.date):
                    continue
                if not (isinstance(value, str) and ISO_DATE.fullmatch(value)):
                    # Left for pydantic to refuse, so the error names the field as any other does.
                    checked = dict(data) if checked is None else checked
                    checked[key] = NOT_A_DATE
        if checked is None:
            return getter if getter is not None else data
        return DjangoGetter(checked, getter._schema_cls, getter._context) if getter is not None else checked
