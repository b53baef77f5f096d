"""GET /supervision-orders (filters, pagination), GET /supervision-orders/{id}, POST …/feedback, and
issuing with ``feedback_due``; orders on petitions the caller may not see do not exist (404),
including an accusation's orders for its accused side (R-150)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from minsheng.api.tests.auth import api_token as token
from minsheng.petitions.models import Petition
from minsheng.workflow.models import PetitionEvent, SupervisionOrder
from minsheng.workflow.services.oversight import supervision_feedback_due

pytestmark = pytest.mark.django_db

URL = "/api/v1/supervision-orders"


def post(client: Client, url: str, body: dict[str, Any], auth: dict[str, str]) -> Any:
    return client.post(url, body, content_type="application/json", **auth)


@pytest.fixture
def petition(register: Any, act: Any, organs: Any) -> Petition:
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    return Petition.objects.get(pk=petition.pk)


@pytest.fixture
def automatic(petition: Petition, organs: Any) -> SupervisionOrder:
    """An order as the deadline sweep raises it, already past its feedback due."""
    issued = timezone.now() - dt.timedelta(days=40)
    return SupervisionOrder.objects.create(
        petition=petition,
        kind="ordinary",
        trigger="notice_overdue",
        deadline_rule="D-NOTICE-15",
        target_organ=organs["a-housing"],
        issued_at=issued,
        suggestion="D-NOTICE-15 已届满",
        feedback_due=timezone.localdate() - dt.timedelta(days=5),
    )


def _issue(client: Client, petition: Petition, auth: dict[str, str], **data: Any) -> Any:
    body = {"kind": "yellow", "suggestion": "请于期限内书面反馈整改情况", **data}
    return post(client, f"/api/v1/petitions/{petition.pk}/actions/supervise", body, auth)


def test_issue_list_read_and_answer(
    client: Client, petition: Petition, automatic: SupervisionOrder, organs: Any
) -> None:
    supervisor = token(client, "supervisor")
    response = _issue(client, petition, supervisor)
    assert response.status_code == 200, response.content
    today = timezone.localdate()
    manual = SupervisionOrder.objects.get(petition=petition, trigger="manual")
    assert manual.feedback_due == supervision_feedback_due(today)

    listing = client.get(URL, **supervisor).json()
    assert listing["count"] == 2
    assert [o["id"] for o in listing["results"]] == [automatic.pk, manual.pk]  # nearest due first
    first = listing["results"][0]
    assert first["status"] == "overdue" and first["origin"] == "automatic" and first["days_left"] == -5
    assert first["petition"]["tracking_code"] == petition.tracking_code
    assert first["target_organ"]["name"] == "A市住房和城乡建设局"
    assert first["can_answer"] is False  # a supervisor does not answer for the organ

    def ids(**params: Any) -> list[int]:
        response = client.get(URL, params, **supervisor)
        assert response.status_code == 200, response.content
        return [o["id"] for o in response.json()["results"]]

    assert ids(status="overdue") == [automatic.pk]
    assert ids(status="open") == [manual.pk]
    assert ids(status="answered") == []
    assert ids(origin="manual") == [manual.pk]
    assert ids(origin="automatic") == [automatic.pk]
    assert ids(kind="yellow") == [manual.pk]
    assert ids(organ_id=petition.current_organ_id) == [automatic.pk, manual.pk]
    assert ids(organ_id=organs["a-edu"].pk) == []
    assert ids(issued_from=today.isoformat()) == [manual.pk]
    assert ids(issued_to=(today - dt.timedelta(days=1)).isoformat()) == [automatic.pk]
    assert ids(page_size=1, page=2) == [manual.pk]

    detail = client.get(f"{URL}/{manual.pk}", **supervisor).json()
    assert detail["issued_by"] == "陈督查" and detail["kind_label"] == "黄牌督办"
    assert detail["status"] == "open" and detail["feedback_late"] is False

    caseworker = token(client, "caseworker")
    assert client.get(f"{URL}/{manual.pk}", **caseworker).json()["can_answer"] is True
    # the supervisor's role may not answer: 403, nothing changed
    assert post(client, f"{URL}/{manual.pk}/feedback", {"feedback": "x"}, supervisor).status_code == 403
    response = post(
        client, f"{URL}/{automatic.pk}/feedback", {"feedback": "已于今日发出受理告知书。"}, caseworker
    )
    assert response.status_code == 200, response.content
    answered = response.json()
    assert answered["status"] == "answered" and answered["feedback_late"] is True
    assert answered["feedback_by"] == "张承办" and answered["feedback"] == "已于今日发出受理告知书。"
    assert answered["can_answer"] is False and answered["days_left"] is None
    event = PetitionEvent.objects.filter(petition=petition, action="supervision_feedback").get()
    assert event.data["order_id"] == automatic.pk and event.data["late"] is True
    again = post(client, f"{URL}/{automatic.pk}/feedback", {"feedback": "again"}, caseworker)
    assert again.status_code == 422 and again.json()["field"] == "order_id"
    assert ids(status="answered") == [automatic.pk]


def test_issue_with_a_feedback_due_date(client: Client, petition: Petition) -> None:
    supervisor = token(client, "supervisor")
    due = timezone.localdate() + dt.timedelta(days=7)
    assert _issue(client, petition, supervisor, feedback_due=due.isoformat()).status_code == 200
    order = SupervisionOrder.objects.get(petition=petition)
    assert order.feedback_due == due
    before = timezone.localdate() - dt.timedelta(days=1)
    response = _issue(client, petition, supervisor, feedback_due=before.isoformat())
    assert response.status_code == 422 and response.json()["field"] == "feedback_due"
    response = _issue(client, petition, supervisor, feedback_due="2025-02-30")
    assert response.status_code == 422 and response.json()["field"] == "feedback_due"
    assert SupervisionOrder.objects.filter(petition=petition).count() == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "late"}, "status"),
        ({"origin": "robot"}, "origin"),
        ({"kind": "purple"}, "kind"),
        ({"organ_id": 0}, "organ_id"),
        ({"issued_from": "2025-02-30"}, "issued_from"),
        ({"page_size": 101}, "page_size"),
    ],
)
def test_bad_filters_are_422(client: Client, world: Any, params: dict[str, Any], field: str) -> None:
    response = client.get(URL, params, **token(client, "supervisor"))
    assert response.status_code == 422 and response.json()["field"] == field


def test_feedback_body_is_checked(client: Client, automatic: SupervisionOrder) -> None:
    caseworker = token(client, "caseworker")
    response = post(client, f"{URL}/{automatic.pk}/feedback", {"feedback": ""}, caseworker)
    assert response.status_code == 422 and response.json()["field"] == "feedback"
    response = client.post(
        f"{URL}/{automatic.pk}/feedback", "[1]", content_type="application/json", **caseworker
    )
    assert response.status_code == 422


def test_orders_on_invisible_petitions_do_not_exist(client: Client, automatic: SupervisionOrder) -> None:
    outsider = token(client, "a5_caseworker")
    assert client.get(URL, **outsider).json()["count"] == 0
    assert client.get(f"{URL}/{automatic.pk}", **outsider).status_code == 404
    response = post(client, f"{URL}/{automatic.pk}/feedback", {"feedback": "x"}, outsider)
    assert response.status_code == 404
    for missing in (automatic.pk + 1000, 2**63, 2**70):
        assert client.get(f"{URL}/{missing}", **outsider).status_code == 404
    assert client.get(f"{URL}/{automatic.pk}", **token(client, "analyst")).status_code == 404
    assert client.get(URL).status_code == 401
    automatic.refresh_from_db()
    assert automatic.feedback_at is None


ACCUSATION = {
    "title": "举报住建局某科长在保障房分配中索要好处费",
    "request": "请求查处住建局住房保障科某科长利用分配保障房之机索要好处费的问题",
    "facts": "本人申请公租房，住房保障科某科长暗示要交三万元好处费才能排上号。",
}


def test_an_accusations_orders_are_invisible_to_its_accused_side(
    client: Client, register: Any, act: Any, organs: Any
) -> None:
    """An accusation against a-housing forwarded to a-gov (as in test_confidentiality): its order
    does not exist for anyone on the accused side, and exists for the bureau that forwarded it."""
    accusation = register(nature="accusation", accused_organ=organs["a-housing"], **ACCUSATION)
    act(accusation, "forward", "dispatcher", organ_id=organs["a-gov"].pk)
    order = SupervisionOrder.objects.create(
        petition=accusation,
        kind="ordinary",
        trigger="notice_overdue",
        deadline_rule="D-NOTICE-15",
        target_organ=organs["a-gov"],
        suggestion="D-NOTICE-15 已届满",
        feedback_due=timezone.localdate() + dt.timedelta(days=10),
    )
    for username in ("caseworker", "organ_head", "leader", "supervisor"):
        auth = token(client, username)
        listed = client.get(URL, **auth).json()
        assert order.pk not in [o["id"] for o in listed["results"]], username
        assert client.get(URL, {"petition_id": accusation.pk}, **auth).json()["count"] == 0
        assert client.get(f"{URL}/{order.pk}", **auth).status_code == 404
        assert post(client, f"{URL}/{order.pk}/feedback", {"feedback": "x"}, auth).status_code == 404
    dispatcher = token(client, "dispatcher")
    assert [o["id"] for o in client.get(URL, **dispatcher).json()["results"]] == [order.pk]
    order.refresh_from_db()
    assert order.feedback_at is None
