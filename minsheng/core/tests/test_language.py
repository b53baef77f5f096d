from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "cookie", "expected"),
    [({"HTTP_ACCEPT_LANGUAGE": "en-US,en"}, None, "zh-hans"), ({}, "en", "en"), ({}, "xx", "zh-hans")],
)
def test_chinese_by_default_english_on_request(headers, cookie, expected):
    client = Client()
    if cookie:
        client.cookies["django_language"] = cookie
    response = client.get("/healthz", **headers)
    assert response["Content-Language"] == expected


@pytest.mark.django_db
def test_set_language_switch_persists():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/healthz"})
    assert response.status_code == 302
    assert client.get("/healthz")["Content-Language"] == "en"
