"""Art. 39(3) proposals at fixed dates: the housing bureau gave its Art. 23 notice in time on 2 of
6 items in March 2025 (有权处理机关及时受理率 2/6), below the 80 % (约谈) and 50 % (挂牌督办)
thresholds; a supervisor above accepts one (the measure is recorded with the chain's leaders and
its feedback clock) and dismisses the other with a reason. Nothing is imposed by the system."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, override_settings

from minsheng.accountability.demo import load_portfolios
from minsheng.accountability.models import AuditEntry, Measure, Proposal
from minsheng.accountability.proposals import (
    measure_feedback,
    proposal_accept,
    proposal_dismiss,
    proposals_compute,
    proposals_visible_to,
)
from minsheng.api.tests.auth import api_token as _token
from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.orgs.models import Role, StaffMembership
from minsheng.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
MARCH = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
TODAY = dt.date(2025, 4, 15)


def at(d: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(hour), tzinfo=TZ)


@pytest.fixture
def march(world: Any, register: Any, act: Any, organs: Any) -> dict[str, Any]:
    load_portfolios(world, today=dt.date(2025, 6, 1))
    for n in range(6):
        with time_machine.travel(at(dt.date(2025, 3, 1)), tick=False):
            p = register(
                received_at=at(dt.date(2025, 3, 1), 9),
                petitioner=PetitionerInput(name=f"王{n}", phone=f"1390013900{n}", address="A市A3区洋湖街道"),
            )
        with time_machine.travel(at(dt.date(2025, 3, 3)), tick=False):
            act(p, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
            act(p, "receive", "caseworker")
            if n < 2:
                act(p, "accept", "caseworker")
    return {"housing": organs["a-housing"], "hrss": organs["a-hrss"]}


def test_proposals_name_the_figures_and_are_idempotent(march: dict[str, Any]) -> None:
    made = proposals_compute(*MARCH, organs=[march["housing"], march["hrss"]], today=TODAY)
    assert [(p.organ.code, p.measure, p.status) for p in made] == [
        ("a-housing", "interview", "open"),
        ("a-housing", "listed", "open"),
    ]
    [fig] = made[0].figures
    assert (fig["indicator"], fig["numerator"], fig["denominator"], fig["value"], fig["threshold"]) == (
        "I-ACCEPT-ORGAN",
        2,
        6,
        0.333333,
        "< 80%",
    )
    assert made[1].figures[0]["threshold"] == "< 50%"
    # The chain of the period's last day: 主管 and 总责 of the bureau (no category: no 分管).
    assert [(x["role_label"], x["leader"]) for x in made[0].chain] == [("主管", "曹丽君"), ("总责", "赵德胜")]
    again = proposals_compute(*MARCH, organs=[march["housing"]], today=TODAY)
    assert [p.pk for p in again] == [p.pk for p in made] and Proposal.objects.count() == 2
    assert AuditEntry.objects.filter(action="proposal_made").count() == 2


def test_a_supervisor_above_decides_never_the_organ_itself(march: dict[str, Any], users: Any) -> None:
    interview, listed = proposals_compute(*MARCH, organs=[march["housing"]], today=TODAY)
    assert set(proposals_visible_to(users["supervisor"])) == {interview, listed}
    assert list(proposals_visible_to(users["organ_head"])) == []  # the housing bureau's own head
    with pytest.raises(Forbidden):
        proposal_dismiss(interview, actor=users["organ_head"], reason="指标偏低系个案")
    with pytest.raises(InvalidInput):
        proposal_dismiss(interview, actor=users["supervisor"], reason="  ")
    assert Proposal.objects.get(pk=interview.pk).status == "open"

    measure = proposal_accept(
        listed, actor=users["supervisor"], text="挂牌督办：限期整改告知超期问题", now=at(dt.date(2025, 4, 16))
    )
    assert (measure.kind, measure.taken_on, measure.rectify_by) == (
        "listed",
        dt.date(2025, 4, 16),
        dt.date(2025, 5, 16),
    )
    assert [x["leader"] for x in measure.leaders] == ["曹丽君", "赵德胜"]
    listed.refresh_from_db()
    assert (listed.status, listed.decided_by, listed.measure_record) == (
        "accepted",
        users["supervisor"],
        measure,
    )
    with pytest.raises(InvalidInput):  # decided once
        proposal_dismiss(listed, actor=users["supervisor"], reason="改变主意")
    proposal_dismiss(
        interview, actor=users["supervisor"], reason="已挂牌督办，不再约谈", now=at(dt.date(2025, 4, 16))
    )
    assert Proposal.objects.get(pk=interview.pk).reason == "已挂牌督办，不再约谈"
    # A later computation leaves decisions alone.
    proposals_compute(*MARCH, organs=[march["housing"]], today=TODAY)
    assert sorted(Proposal.objects.values_list("status", flat=True)) == ["accepted", "dismissed"]
    # The organ answers in writing, late (due 2025-05-16).
    with pytest.raises(Forbidden):
        measure_feedback(measure, actor=users["hrss_head"], text="不相干")
    answered = measure_feedback(
        measure, actor=users["organ_head"], text="已整改", now=at(dt.date(2025, 5, 20))
    )
    assert answered.feedback_late is True
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))[-3:] == [
        "proposal_accepted",
        "proposal_dismissed",
        "measure_feedback",
    ]
    assert Measure.objects.count() == 1


def test_command_and_workbench_page(march: dict[str, Any], users: Any, client: Client) -> None:
    out = StringIO()
    call_command(
        "accountability-proposals",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-31",
        "--organ",
        "a-housing",
        "--today",
        "2025-04-15",
        stdout=out,
    )
    rows = json.loads(out.getvalue())["proposals"]
    assert [(r["organ"], r["measure"], r["figures"][0]["denominator"]) for r in rows] == [
        ("a-housing", "interview", 6),
        ("a-housing", "listed", 6),
    ]
    client.force_login(users["supervisor"])
    html = client.get("/workbench/proposals/").content.decode()
    assert (
        "A市住房和城乡建设局" in html
        and "有权处理机关及时受理率" in html
        and "2 / 6 件 · 阈值 &lt; 50%" in html
    )
    listed = Proposal.objects.get(measure="listed")
    r = client.post(f"/workbench/proposals/{listed.pk}/decide/", {"decision": "dismiss", "reason": ""})
    assert r.status_code == 302 and Proposal.objects.get(pk=listed.pk).status == "open"
    with time_machine.travel(at(dt.date(2025, 4, 16)), tick=False):
        client.post(
            f"/workbench/proposals/{listed.pk}/decide/",
            {"decision": "accept", "text": "挂牌督办", "rectify_by": "2025-12-31"},
        )
    assert Proposal.objects.get(pk=listed.pk).measure_record.rectify_by == dt.date(2025, 12, 31)
    client.force_login(users["organ_head"])
    assert (
        client.post(
            f"/workbench/proposals/{listed.pk}/decide/", {"decision": "dismiss", "reason": "x"}
        ).status_code
        == 404
    )


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.LEADER])
def test_the_organs_own_supervisor_or_leader_sees_no_proposal_about_it(
    march: dict[str, Any], role: str
) -> None:
    """Nobody decides on himself: a supervisor or leader post in the housing bureau itself does not
    show the proposals about the bureau (only organs below the post)."""
    proposals_compute(*MARCH, organs=[march["housing"]], today=TODAY)
    own = get_user_model().objects.create_user(f"own-{role}", password="test-password-123")
    StaffMembership.objects.create(user=own, organ=march["housing"], role=role)
    assert list(proposals_visible_to(own)) == []


def test_a_figure_below_the_minimum_sample_proposes_nothing(
    world: Any, register: Any, act: Any, organs: Any
) -> None:
    """0 of 4 notices in time is below every threshold, but 4 items are under I-ACCEPT-ORGAN's
    minimum sample (5): not rated, so no proposal (thresholds.yaml, indicator_conventions)."""
    load_portfolios(world, today=dt.date(2025, 6, 1))
    for n in range(4):
        with time_machine.travel(at(dt.date(2025, 3, 1)), tick=False):
            p = register(
                received_at=at(dt.date(2025, 3, 1), 9),
                petitioner=PetitionerInput(name=f"王{n}", phone=f"1390013900{n}", address="A市A3区洋湖街道"),
            )
        with time_machine.travel(at(dt.date(2025, 3, 3)), tick=False):
            act(p, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
            act(p, "receive", "caseworker")
    assert proposals_compute(*MARCH, organs=[organs["a-housing"]], today=TODAY) == []
    assert not Proposal.objects.exists()


@override_settings(MINSHENG_ACCOUNTABILITY_THRESHOLDS="/nonexistent/thresholds.yaml")
def test_a_missing_thresholds_file_is_an_error_not_silence(march: dict[str, Any]) -> None:
    with pytest.raises(FileNotFoundError):
        proposals_compute(*MARCH, organs=[march["housing"]], today=TODAY)


def test_api_proposals_and_organ_chain(march: dict[str, Any], client: Client) -> None:
    _interview, listed = proposals_compute(*MARCH, organs=[march["housing"]], today=TODAY)
    sup = _token(client, "supervisor")
    rows = client.get("/api/v1/accountability/proposals?status=open", **sup).json()
    assert [
        (r["organ"], r["measure"], r["figures"][0]["numerator"], r["figures"][0]["denominator"]) for r in rows
    ] == [
        ("A市住房和城乡建设局", "interview", 2, 6),
        ("A市住房和城乡建设局", "listed", 2, 6),
    ]
    head = _token(client, "organ_head")
    assert client.get("/api/v1/accountability/proposals", **head).json() == []
    assert (
        client.post(
            f"/api/v1/accountability/proposals/{listed.pk}/dismiss",
            {"reason": "x"},
            content_type="application/json",
            **head,
        ).status_code
        == 404
    )
    bad = client.post(
        f"/api/v1/accountability/proposals/{listed.pk}/dismiss",
        {"reason": ""},
        content_type="application/json",
        **sup,
    )
    assert bad.status_code == 422 and Proposal.objects.get(pk=listed.pk).status == "open"
    with time_machine.travel(at(dt.date(2025, 4, 16)), tick=False):
        # a rectification period of one year at most (MAX_RECTIFY_DAYS = 366): the 367th day is refused
        far = client.post(
            f"/api/v1/accountability/proposals/{listed.pk}/accept",
            {"text": "挂牌督办", "rectify_by": "2026-04-18"},
            content_type="application/json",
            **sup,
        )
        assert far.status_code == 422 and far.json()["field"] == "rectify_by"
        ok = client.post(
            f"/api/v1/accountability/proposals/{listed.pk}/accept",
            {"text": "挂牌督办", "rectify_by": "2025-05-31"},
            content_type="application/json",
            **sup,
        ).json()
    assert (ok["status"], ok["decided_by"], ok["rectify_by"]) == ("accepted", "supervisor", "2025-05-31")
    again = client.post(
        f"/api/v1/accountability/proposals/{listed.pk}/dismiss",
        {"reason": "y"},
        content_type="application/json",
        **sup,
    )
    assert again.status_code == 422
    chain = client.get(f"/api/v1/organs/{march['housing'].pk}/chain?on=2025-04-01", **sup).json()
    assert [(x["role"], x["leader"]) for x in chain["links"]] == [
        ("competent", "曹丽君"),
        ("chief", "赵德胜"),
    ]
    assert chain["missing"] == ["portfolio"]  # no unscoped 分管 leader in the housing bureau
    other = _token(client, "hrss_caseworker")
    assert client.get(f"/api/v1/organs/{march['housing'].pk}/chain", **other).status_code == 404


def test_api_measure_feedback(march: dict[str, Any], users: Any, client: Client) -> None:
    _interview, listed = proposals_compute(*MARCH, organs=[march["housing"]], today=TODAY)
    measure = proposal_accept(
        listed, actor=users["supervisor"], text="挂牌督办", now=at(dt.date(2025, 4, 16))
    )
    head = _token(client, "organ_head")
    rows = client.get("/api/v1/accountability/measures", **head).json()
    assert [(r["id"], r["kind"], r["rectify_by"]) for r in rows] == [(measure.pk, "listed", "2025-05-16")]
    assert client.get("/api/v1/accountability/measures", **_token(client, "hrss_caseworker")).json() == []
    sup = _token(client, "supervisor")
    url = f"/api/v1/accountability/measures/{measure.pk}/feedback"
    assert client.post(url, {"feedback": "x"}, content_type="application/json", **sup).status_code == 403
    with time_machine.travel(at(dt.date(2025, 5, 10)), tick=False):
        out = client.post(url, {"feedback": "已整改到位"}, content_type="application/json", **head).json()
    assert (out["feedback"], out["feedback_late"]) == ("已整改到位", False)
    assert client.post(url, {"feedback": "再次"}, content_type="application/json", **head).status_code == 422


def test_refreshing_an_open_proposal_keeps_what_it_replaced(march: Any, act: Any) -> None:
    """An open proposal computed again gets the new figures; the ones a supervisor may have read
    and acted on stay in the audit (proposal_refreshed, replaced)."""
    from minsheng.petitions.models import Petition

    made = proposals_compute(*MARCH, organs=[march["housing"]], today=TODAY)
    before = list(made[0].figures)
    late = Petition.objects.filter(state="organ_received").order_by("-pk").first()
    assert late is not None
    with time_machine.travel(at(dt.date(2025, 3, 5)), tick=False):
        act(late, "accept", "caseworker")
    proposals_compute(*MARCH, organs=[march["housing"]], today=TODAY)
    (refreshed,) = AuditEntry.objects.filter(action="proposal_refreshed", object_id=made[0].pk)
    assert refreshed.data["replaced"]["figures"] == before != refreshed.data["figures"]
    proposals_compute(*MARCH, organs=[march["housing"]], today=TODAY)  # nothing changed: no row
    assert AuditEntry.objects.filter(action="proposal_refreshed").count() == 1


def test_a_rectification_period_is_a_year_at_most(march: Any, users: Any) -> None:
    _interview, listed = proposals_compute(*MARCH, organs=[march["housing"]], today=TODAY)
    with pytest.raises(InvalidInput) as refused:
        proposal_accept(listed, actor=users["supervisor"], text="挂牌督办", rectify_by=dt.date(9999, 12, 31))
    assert refused.value.field == "rectify_by" and not Measure.objects.exists()
