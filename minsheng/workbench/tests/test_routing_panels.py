"""The case page shows one list of suggested competent organs, from one definition
(queries.suggested_organs, the list the forward form stars too), with every reason in the
reader's language: no second panel that can disagree with it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from minsheng.petitions.models import Petition
from minsheng.workbench import queries

pytestmark = pytest.mark.django_db
STALE = "某个过时建议中的机关"


def page(user: Any, petition: Petition, language: str = "zh-hans") -> str:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("workbench:petition", args=[petition.pk]))
    assert response.status_code == 200
    return response.content.decode()


def routing_block(html: str) -> str:
    """The part of the page that lists suggested organs (there must be exactly one)."""
    blocks = re.findall(r'<ol class="plain routing">(.*?)</ol>', html, flags=re.S)
    assert len(blocks) == 1, f"{len(blocks)} routing lists"
    return str(blocks[0])


def listed_organs(block: str) -> list[str]:
    return re.findall(r"<strong>(.*?)</strong>", block)


@pytest.fixture
def awaiting_routing(register: Any) -> Petition:
    """A registered petition whose stored (registration-time) routing no longer matches what
    the routing rules suggest now."""
    petition = register()
    petition.suggestions = {
        **(petition.suggestions or {}),
        "routing": [{"organ_id": 999999, "organ": STALE, "score": 0.99, "reasons": ["地点：A3区"]}],
    }
    petition.save(update_fields=["suggestions"])
    return petition


def test_case_page_lists_the_suggested_organs_once(awaiting_routing, users):
    expected = [s.organ.name for s in queries.suggested_organs(awaiting_routing)]
    assert expected  # the demo world routes a registered letter somewhere
    html = page(users["dispatcher"], awaiting_routing)
    assert STALE not in html
    assert "建议有权处理机关" not in html  # the second panel is gone
    assert listed_organs(routing_block(html)) == expected
    # the forward form stars the same organs
    client = Client()
    client.force_login(users["dispatcher"])
    form = client.get(reverse("workbench:action", args=[awaiting_routing.pk, "forward"])).content.decode()
    assert re.findall(r"★ ([^<（]+)（", form) == expected


def test_reasons_are_in_the_readers_language(awaiting_routing, users):
    reasons = [r for s in queries.suggested_organs(awaiting_routing) for r in s.reasons]
    assert any("：" in r for r in reasons)  # "<kind>：<data>" reasons, translated by routing_reason
    block = routing_block(page(users["dispatcher"], awaiting_routing, "en"))
    for kind in ("已登记分类：", "分类：", "地点：", "职责：", "文中提及："):
        assert kind not in block
    assert "Place: " in block or "Category: " in block or "Registered category: " in block


def test_no_routing_list_once_the_petition_has_left_triage(awaiting_routing, act, organs, users):
    act(awaiting_routing, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    html = page(users["dispatcher"], awaiting_routing)
    assert '<ol class="plain routing">' not in html and STALE not in html
