"""Intake and routing (review of 2026-12-07), through the HTTP API at fixed dates: a 涉法涉诉
letter goes to the political-legal organs, never to an ordinary department, and a 涉法涉诉 visitor
is guided there, not transferred (Art. 22(2), R-022/R-031); an accusation about a cadre sent to
the discipline body by a plain forward informs the organisation department too (Art. 30(2)); a new
item is not registered through the pre-2022 e-mail channel (R-010, Art. 17). Each refusal names its
rule and changes nothing (Office.refuse)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from minsheng.workflow.tests.scenario_api import Office, at

pytestmark = pytest.mark.django_db

OFFICE_START = at("2026-03-01", 8)


def test_a_litigation_letter_goes_to_the_political_legal_organs_only(office: Office, organs: Any) -> None:
    pk = office.register(at("2026-03-02", 9), nature="litigation_related")
    for action, extra in (("forward", {}), ("assign", {"due_days": 30})):
        office.refuse(
            "dispatcher", pk, action, "2026-03-03", status=422, code="invalid", field="nature",
            organ_id=organs["a-housing"].pk, **extra,
        )  # fmt: skip
    office.act("dispatcher", pk, "route_political_legal", "2026-03-03", organ_id=organs["a-court"].pk)
    assert office.state(pk) == "routed_political_legal"


def test_a_litigation_visitor_is_guided_not_transferred(office: Office, organs: Any) -> None:
    pk = office.register(at("2026-03-02", 9), nature="litigation_related", channel="visit")
    office.refuse(
        "dispatcher", pk, "route_political_legal", "2026-03-02", status=422, code="invalid", field="channel",
        organ_id=organs["a-court"].pk,
    )  # fmt: skip


def test_a_cadre_accusation_forwarded_to_the_discipline_body_informs_the_organisation_department(
    office: Office, organs: Any
) -> None:
    pk = office.register(
        at("2026-03-02", 9),
        nature="accusation",
        accused_person="某科长",
        accused_organ_id=organs["a-housing"].pk,
    )
    office.act("dispatcher", pk, "forward", "2026-03-03", organ_id=organs["a-discipline"].pk)
    (event,) = office.events(pk, "forward")
    assert event["data"]["organisation_department"] == "中共A市委员会"


def test_the_email_channel_is_for_records_from_before_2022(office: Office, register: Any) -> None:
    office.enter_on(at("2026-03-03", 10))
    body = {
        "channel": "email",
        "title": "小区路灯不亮",
        "request": "请求维修路灯",
        "received_at": at("2026-03-02").isoformat(),
        "petitioner": {"name": "李四", "address": "A市", "phone": "13800138000"},
    }
    response = office.client.post(
        "/api/v1/petitions", json.dumps(body), content_type="application/json", **office.auth("registrar")
    )
    assert response.status_code == 422 and response.json()["field"] == "channel"
    # an import of historical cases keeps the channel they came by
    assert register(channel="email", is_historical=True, received_at=at("2026-03-02")).channel == "email"


def test_the_limitation_warning_compares_with_the_organs_own_notice_clock(
    office: Office, organs: Any
) -> None:
    """R-073: received directly by the city government on 2026-03-02 (no bureau clock; its written
    notice D-NOTICE-15 is due 03-17); the petitioner learned of the act on 2026-01-05, so 行政复议's
    60 days end on 03-06 — 3 days left, before the organ's own due date: tell him now."""
    pk = office.register(at("2026-03-02", 9), receiving_organ_id=organs["a-gov"].pk)
    office.act(
        "registrar", pk, "record_limitation", "2026-03-02", limitation="admin_review", known_date="2026-01-05"
    )
    (recorded,) = office.events(pk, "record_limitation", "registrar")
    assert (recorded["data"]["days_left"], recorded["data"]["closing"]) == (4, True)
    shown = office.detail(pk, "registrar")["limitation"]
    assert (shown["days_left"], shown["closing"], shown["bureau_due"]) == (3, True, "2026-03-17")


def test_an_organ_passes_an_item_on_only_within_its_own_system(office: Office, organs: Any) -> None:
    """Art. 23(1), R-040: the city government received the letter itself; it may forward it to its
    own department, not upwards to the province (it tells the petitioner where to go instead)."""
    pk = office.register(at("2026-03-02", 9), receiving_organ_id=organs["a-gov"].pk)
    office.refuse(
        "caseworker", pk, "forward", "2026-03-03", status=422, code="invalid", field="organ_id",
        organ_id=organs["xd-gov"].pk,
    )  # fmt: skip
    office.act("caseworker", pk, "forward", "2026-03-03", organ_id=organs["a-housing"].pk)
    assert office.state(pk, "caseworker") == "forwarded"


def _post(username: str, organ: Any, *roles: str) -> None:
    from django.contrib.auth import get_user_model

    from minsheng.orgs.models import StaffMembership
    from minsheng.workflow.tests.scenario_api import PASSWORD

    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    for role in roles:
        StaffMembership.objects.create(user=user, organ=organ, role=role)


def test_a_district_bureau_routes_an_item_from_the_city_bureau_within_its_own_15_days(
    office: Office, organs: Any
) -> None:
    """分级转送 (Art. 22(1), D-BUREAU-15 starts_at received_by_bureau): the city 信访局 forwards a
    letter to the A5 district 信访局, which receives it on 2026-03-04 and owes its own 15 days
    (→ 03-19, a Thursday), not a competent organ's written notice; it forwards the letter to the
    district government (met on 03-10). The government, a competent organ, receives it and may not
    pass it on: it handles it, objects within five working days (Art. 23(3)) or raises a dispute."""
    _post("a5_bureau", organs["a5-bureau"], "registrar", "dispatcher")
    _post("a5_gov_cw", organs["a5-gov"], "caseworker")
    pk = office.register(at("2026-03-02", 9))
    office.act("dispatcher", pk, "forward", "2026-03-03", organ_id=organs["a5-bureau"].pk)
    office.act("a5_bureau", pk, "receive", "2026-03-04")
    assert office.dues(pk, "D-BUREAU-15", "a5_bureau") == ("2026-03-04", "2026-03-19", "2026-03-19", "open")
    live = {r["rule"] for r in office.detail(pk, "a5_bureau")["deadlines"] if r["status"] == "open"}
    assert "D-NOTICE-15" not in live and "D-OBJECTION-5WD" in live
    assert {"forward", "assign"} <= office.actions(pk, "a5_bureau")
    office.act("a5_bureau", pk, "forward", "2026-03-10", organ_id=organs["a5-gov"].pk)
    bureau_15 = [r for r in office.detail(pk, "a5_bureau")["deadlines"] if r["rule"] == "D-BUREAU-15"]
    assert [(r["start"], r["status"]) for r in bureau_15] == [("2026-03-02", "met"), ("2026-03-04", "met")]
    objection = [r for r in office.detail(pk, "a5_bureau")["deadlines"] if r["rule"] == "D-OBJECTION-5WD"]
    assert [r["status"] for r in objection] == ["cancelled"]  # passed on: no objection any more

    office.act("a5_gov_cw", pk, "receive", "2026-03-11")
    assert office.dues(pk, "D-NOTICE-15", "a5_gov_cw")[:3] == ("2026-03-11", "2026-03-26", "2026-03-26")
    assert not {"forward", "assign"} & office.actions(pk, "a5_gov_cw")
    office.refuse(
        "a5_gov_cw", pk, "forward", "2026-03-11", status=409, code="transition_not_allowed",
        organ_id=organs["a5-bureau"].pk,
    )  # fmt: skip


def test_a_litigation_letter_goes_to_the_political_legal_organ_of_the_same_level(
    office: Office, organs: Any
) -> None:
    """Art. 22(2) (R-031): 转送同级政法部门. The city bureau may not send a 涉法涉诉 letter to the
    province's high court, by route_political_legal or by forward (422 organ_id); the city's
    intermediate court is of its level and place."""
    from minsheng.orgs.models import Organ

    province = organs["xd-gov"]
    high_court = Organ.objects.create(
        code="xd-court", name="西地省高级人民法院", kind="court", level=province.level, region=province.region
    )
    pk = office.register(at("2026-03-02", 9), nature="litigation_related")
    for action in ("route_political_legal", "forward"):
        office.refuse(
            "dispatcher", pk, action, "2026-03-03", status=422, code="invalid", field="organ_id",
            organ_id=high_court.pk,
        )  # fmt: skip
    office.act("dispatcher", pk, "route_political_legal", "2026-03-03", organ_id=organs["a-court"].pk)
    assert office.state(pk) == "routed_political_legal"
