"""Major or urgent matters (Arts. 25, 47): who is reported to, when, and 缓报 (Art. 46(4))."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from minsheng.notifications.models import OutboxMessage
from minsheng.orgs.models import Organ
from minsheng.petitions.models import Petition
from minsheng.workflow.models import PetitionEvent

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 10, 14, 2, 0, tzinfo=dt.UTC)  # 10:00 in A市 (UTC+8), a Tuesday


def route_to(petition, organ):
    """Fix the routing suggestion (the classifier's guess is not what these tests are about)."""
    Petition.objects.filter(pk=petition.pk).update(suggestions={"routing": [{"organ_id": organ.pk}]})


def report_event(petition):
    return PetitionEvent.objects.filter(petition=petition, action="report_urgent").latest("pk")


def recipients(event):
    return [(r["role"], r["organ"]) for r in event.data["recipients"]]


CITY_BUREAU_RECIPIENTS = [
    ("party_committee", "中共A市委员会"),
    ("government", "A市人民政府"),
    ("competent_department", "A市住房和城乡建设局"),
    ("joint_conference", "A市信访工作联席会议"),
    ("higher_level_bureau", "西地省信访局"),
]


def test_report_within_the_delay_is_not_late_and_reaches_exactly_the_listed_organs(register, act, organs):
    with time_machine.travel(T0, tick=False):
        petition = register(received_at=timezone.now())
        route_to(petition, organs["a-housing"])
    with time_machine.travel(T0 + dt.timedelta(hours=1, minutes=59), tick=False):
        petition = act(petition, "report_urgent", "dispatcher", note="工人聚集讨薪")
        reported = timezone.now()
    assert petition.is_urgent and petition.urgent_reported_at == reported
    assert petition.urgent_report_late is False
    event = report_event(petition)
    assert recipients(event) == CITY_BUREAU_RECIPIENTS
    assert {r["reported_at"] for r in event.data["recipients"]} == {reported.isoformat()}
    assert event.data["late"] is False and event.data["allowed_hours"] == 2
    assert OutboxMessage.objects.filter(petition=petition, kind="urgent").exists()


def test_report_after_the_delay_is_flagged_late_on_petition_event_api_and_case_page(
    register, act, organs, users, client: Client
):
    with time_machine.travel(T0, tick=False):
        petition = register(received_at=timezone.now())
        route_to(petition, organs["a-housing"])
    with time_machine.travel(T0 + dt.timedelta(hours=2, minutes=1), tick=False):
        petition = act(petition, "report_urgent", "dispatcher")
    assert petition.urgent_report_late is True
    event = report_event(petition)
    assert event.data["late"] is True and event.data["article"] == "Art.46(4)"
    assert event.data["delay_hours"] == 2.02
    # a further report does not clear (nor re-judge) the flag
    petition = act(petition, "report_urgent", "dispatcher", note="续报")
    assert petition.urgent_report_late is True and report_event(petition).data["follow_up"] is True

    token = client.post(
        "/api/v1/auth/token",
        {"username": "dispatcher", "password": "test-password-123"},
        content_type="application/json",
    ).json()["token"]
    body = client.get(f"/api/v1/petitions/{petition.pk}", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["urgent_report_late"] is True and body["urgent_reported_at"] is not None
    client.force_login(users["dispatcher"])
    page = client.get(reverse("workbench:petition", args=[petition.pk])).content.decode()
    assert "data-urgent-late" in page and "缓报" in page


def test_registration_with_urgent_flag_reports_at_once_or_late_after_receipt(register, organs):
    with time_machine.travel(T0, tick=False):
        on_time = register(received_at=timezone.now(), is_urgent=True, title="有人扬言跳楼讨薪")
        late = register(received_at=timezone.now() - dt.timedelta(hours=5), is_urgent=True, title="村民聚集")
    assert on_time.urgent_report_late is False and on_time.urgent_reported_at == T0
    assert late.urgent_report_late is True
    event = report_event(late)
    assert event.actor_role == "system" and event.data["delay_hours"] == 5.0


def test_department_reporting_does_not_report_to_itself(register, act, organs):
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    petition = act(petition, "receive", "caseworker")
    petition = act(petition, "report_urgent", "caseworker")
    assert recipients(report_event(petition)) == [
        ("party_committee", "中共A市委员会"),
        ("government", "A市人民政府"),
        ("joint_conference", "A市信访工作联席会议"),
        ("higher_level_bureau", "西地省信访局"),
    ]


def test_national_bureau_and_delay_are_settings(register, act, organs):
    national = Organ.objects.create(
        code="national-bureau",
        name="国家信访局",
        kind=Organ.Kind.PETITION_BUREAU,
        level=Organ.Level.NATIONAL,
        region=organs["xd-gov"].region,
    )
    with time_machine.travel(T0, tick=False):
        petition = register(received_at=timezone.now())
        route_to(petition, organs["a-housing"])
    with (
        override_settings(
            MINSHENG_NATIONAL_PETITION_BUREAU="national-bureau", MINSHENG_URGENT_REPORT_HOURS=0
        ),
        time_machine.travel(T0 + dt.timedelta(minutes=30), tick=False),
    ):
        petition = act(petition, "report_urgent", "dispatcher")
    assert recipients(report_event(petition)) == [*CITY_BUREAU_RECIPIENTS, ("national_bureau", national.name)]
    assert petition.urgent_report_late is True
