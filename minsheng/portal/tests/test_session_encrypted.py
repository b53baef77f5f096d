"""The portal's contact step keeps what the citizen typed in his session, for the next step; the
session table must not hold it readable (personal data encrypted at rest, review of 2026-12-07):
Django's database sessions are only signed and compressed, decodable without a key."""

from __future__ import annotations

import base64
import zlib
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from minsheng.notifications import sms
from minsheng.portal.tests.helpers import MATTER, last_code

pytestmark = pytest.mark.django_db


def _raw_sessions() -> str:
    """Every session row as Django's signing would decode it without a key (base64, zlib)."""
    out = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_data FROM django_session")
        for (data,) in cursor.fetchall():
            payload = data.split(":")[0]
            body = payload.lstrip(".")
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            out.append((zlib.decompress(raw) if payload.startswith(".") else raw).decode("latin-1"))
    return "\n".join(out)


def test_the_typed_contact_details_are_not_readable_in_the_session_table(client: Client, world: Any) -> None:
    cache.clear()
    sms.sent_messages.clear()
    client.post("/submit/", MATTER)
    contact = {
        "name": "王五",
        "phone": "13900139000",
        "address": "A市A3区洋湖街道幸福小区3栋",
        "id_number": "110101199003074514",
    }
    client.post("/submit/contact/", {**contact, "action": "send_code"})
    client.post("/submit/contact/", {**contact, "code": last_code("13900139000"), "action": "continue"})
    stored = _raw_sessions()
    assert stored  # the session was written …
    for value in ("13900139000", "110101199003074514"):
        assert value not in stored  # … and holds nothing readable
    page = client.get("/submit/contact/").content.decode()
    assert "13900139000" in page  # the citizen's own next step still has it
