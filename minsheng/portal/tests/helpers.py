"""Helpers shared by the portal's Django tests and its browser tests."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.utils import timezone

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def last_code(phone: str) -> str:
    from minsheng.notifications import sms

    for number, text in reversed(sms.sent_messages):
        if number == phone:
            match = re.search(r"\b(\d{6})\b", text)
            if match:
                return match.group(1)
    raise AssertionError(f"no code sent to {phone}: {sms.sent_messages}")


MATTER = {
    "nature": "grievance",
    "title": "小区旁工地夜间施工噪音扰民",
    "facts": "幸福小区旁的工地连续一个月在夜间十一点后施工，噪音很大。",
    "request_text": "请求责令工地停止夜间施工。",
    "reasons": "影响居民休息。",
    "place_text": "幸福小区3栋旁",
}


def submit_petition(
    client: Client,
    *,
    phone: str = "13900139000",
    name: str = "王五",
    files: list[Any] | None = None,
    anonymous: bool = False,
    **matter: Any,
) -> tuple[str, str]:
    """Drive the three steps with the test client; returns (tracking code, query password)."""
    data = {**MATTER, **matter}
    response = client.post("/submit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    if anonymous:
        response = client.post("/submit/contact/", {"anonymous": "on", "action": "continue"})
    else:
        contact = {"name": name, "phone": phone, "address": "A市A3区洋湖街道幸福小区3栋"}
        response = client.post("/submit/contact/", {**contact, "action": "send_code"})
        assert response.status_code == 302  # post/redirect/get
        response = client.post(
            "/submit/contact/", {**contact, "code": last_code(phone), "action": "continue"}
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    payload: dict[str, Any] = {"truthful": "on", "privacy": "on"}
    if files:
        payload["attachments"] = files
    response = client.post("/submit/confirm/", payload)
    assert response.status_code == 302, response.content.decode()[:4000]
    done = client.session["portal_submit_done"]
    return done["code"], done["password"]


OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经现场核查，工地确有夜间施工行为。",
    "opinion": "责令施工单位停止夜间施工。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
}


def deliver(petition: Any, act: Any, organs: Any) -> Any:
    """Staff side: forward, receive, accept, handle, conclude and deliver the opinion today."""
    password = petition.query_password
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(petition, "conclude", "caseworker", **OPINION)
    act(petition, "sign_opinion", "organ_head")
    petition = act(
        petition, "deliver", "caseworker", method="post", delivered_on=timezone.localdate().isoformat()
    )
    petition.query_password = password
    return petition


def tracked_client(petition: Any) -> Client:
    client = Client()
    response = client.post(
        "/track/", {"tracking_code": petition.tracking_code, "password": petition.query_password}
    )
    assert response.status_code == 302
    return client
