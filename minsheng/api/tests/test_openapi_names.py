"""Every response and request schema of the API has its own name in the OpenAPI document.

Two pydantic classes of one name (the citizen API's and the staff API's ``ReceptionDayOut``) become
one component: the staff endpoint was documented with the citizen's fields (external client
review, 2026-12-07)."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

import minsheng.api.urls  # noqa: F401  (imports every router)


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out


def test_no_two_api_schemas_share_a_name() -> None:
    modules: dict[str, set[str]] = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("minsheng."):
            modules[cls.__name__].add(cls.__module__)
    assert {name: mods for name, mods in modules.items() if len(mods) > 1} == {}


def test_the_staff_reception_day_is_documented_with_its_own_fields() -> None:
    from minsheng.api.v1 import api

    schemas = api.get_openapi_schema()["components"]["schemas"]
    assert {"booked", "status", "published_at"} <= set(schemas["ReceptionDayOut"]["properties"])
    assert {"bookable", "remaining"} <= set(schemas["CitizenReceptionDayOut"]["properties"])
    assert {"day", "sms_sent"} <= set(schemas["CitizenAppointmentOut"]["properties"])
