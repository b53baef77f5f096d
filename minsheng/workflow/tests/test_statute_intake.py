"""Intake rules of the statute: 越级 decided from the organ tree (Art. 20(1)), routing by law closes
the organ's notice clock and informs the organisation department (Art. 22(2), Art. 30(2)),
复查/复核 outcomes (Arts. 35–36)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from minsheng.core.errors import InvalidInput
from minsheng.notifications.models import OutboxMessage
from minsheng.orgs.models import Role, StaffMembership
from minsheng.petitions.models import Petition
from minsheng.workflow.models import Deadline, PetitionEvent
from minsheng.workflow.services import APPEAL_OUTCOMES, petition_transition

pytestmark = pytest.mark.django_db


def _staff(username: str, organ: Any, role: str) -> Any:
    user = get_user_model().objects.create_user(username, password="test-password-123")
    StaffMembership.objects.create(user=user, organ=organ, role=role)
    return user


def test_a_visit_one_level_up_is_not_yueji(register: Any, organs: Any, users: Any) -> None:
    """Received at the city bureau, competent: a district government one level down — lawful."""
    petition = register(channel="visit")
    with pytest.raises(InvalidInput) as refused:
        petition_transition(
            petition.pk,
            "not_accept",
            actor=users["dispatcher"],
            data={"reason": "yueji", "guidance_organ_id": organs["a3-gov"].pk},
        )
    assert refused.value.field == "guidance_organ_id"
    assert "本级或者上一级" in str(refused.value)
    assert Petition.objects.get(pk=petition.pk).state == "registered"


def test_a_visit_two_levels_up_may_be_refused_as_yueji(register: Any, organs: Any) -> None:
    """Received at the provincial bureau, competent: a district government two levels down."""
    clerk = _staff("xd_registrar", organs["xd-bureau"], Role.REGISTRAR)
    dispatcher = _staff("xd_dispatcher", organs["xd-bureau"], Role.DISPATCHER)
    petition = register(channel="visit", receiving_organ=organs["xd-bureau"], actor=clerk)
    done = petition_transition(
        petition.pk,
        "not_accept",
        actor=dispatcher,
        data={"reason": "yueji", "guidance_organ_id": organs["a3-gov"].pk},
    )
    assert done.state == "not_accepted" and done.is_yueji is True


def test_yueji_is_for_visits_only(register: Any, organs: Any) -> None:
    clerk = _staff("xd_registrar", organs["xd-bureau"], Role.REGISTRAR)
    dispatcher = _staff("xd_dispatcher", organs["xd-bureau"], Role.DISPATCHER)
    petition = register(channel="letter", receiving_organ=organs["xd-bureau"], actor=clerk)
    with pytest.raises(InvalidInput) as refused:
        petition_transition(
            petition.pk,
            "not_accept",
            actor=dispatcher,
            data={"reason": "yueji", "guidance_organ_id": organs["a3-gov"].pk},
        )
    assert refused.value.field == "reason"


def test_routing_to_discipline_closes_the_notice_clock_and_informs_the_organisation_department(
    register: Any, organs: Any, users: Any
) -> None:
    """Received directly by the city government (D-NOTICE-15 opens), routed to the discipline body."""
    informed = _staff("org_dept_clerk", organs["a-party"], Role.REGISTRAR)
    petition = register(
        nature="accusation",
        receiving_organ=organs["a-gov"],
        accused_person="某局副局长",
        title="举报某局副局长收受礼金",
        request="请求查处",
    )
    assert Deadline.objects.get(petition=petition, rule="D-NOTICE-15").status == "open"
    petition_transition(
        petition.pk,
        "route_discipline",
        actor=users["organ_head"],
        data={"organ_id": organs["a-discipline"].pk},
    )
    assert Deadline.objects.get(petition=petition, rule="D-NOTICE-15").status == "cancelled"
    event = PetitionEvent.objects.get(petition=petition, action="route_discipline")
    assert event.data["organisation_department"] == organs["a-party"].name
    message = OutboxMessage.objects.get(petition=petition, kind="cadre_accusation")
    assert message.recipient == f"user:{informed.pk}"
    assert "第三十条第二款" in message.body and "李四" not in message.body


def test_routing_to_political_legal_closes_the_notice_clock(register: Any, organs: Any, users: Any) -> None:
    petition = register(
        nature="litigation_related", receiving_organ=organs["a-gov"], title="判决执行", request="请求执行"
    )
    petition_transition(
        petition.pk,
        "route_political_legal",
        actor=users["organ_head"],
        data={"organ_id": organs["a-court"].pk},
    )
    assert Deadline.objects.get(petition=petition, rule="D-NOTICE-15").status == "cancelled"


def test_review_outcomes_are_uphold_change_revoke_only() -> None:
    assert [str(o) for o in APPEAL_OUTCOMES] == ["upheld", "changed", "revoked"]


def test_extension_not_yet_notified_is_not_effective_and_the_case_page_says_so(
    register: Any, act: Any, organs: Any, users: Any
) -> None:
    from django.test import Client
    from django.urls import reverse

    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    before = Deadline.objects.get(petition=petition, rule="D-HANDLE-60").statutory_due
    act(petition, "extend", "organ_head", days=20, reason="需要现场勘验")
    clock = Deadline.objects.get(petition=petition, rule="D-HANDLE-60")
    assert clock.statutory_due == before and clock.extra_days == 0
    client = Client()
    client.force_login(users["caseworker"])
    page = client.get(reverse("workbench:petition", args=[petition.pk])).content.decode()
    assert "尚未告知信访人延期理由" in page
    act(petition, "notify_extension", "caseworker")
    clock.refresh_from_db()
    assert clock.extra_days == 20 and clock.statutory_due > before
    page = client.get(reverse("workbench:petition", args=[petition.pk])).content.decode()
    assert "尚未告知信访人延期理由" not in page


def test_refusing_a_group_without_representatives_is_a_local_option_for_collective_visits(
    register: Any, act: Any, settings: Any
) -> None:
    """R-023: nationally, a group that will not choose representatives is dissuaded (Art. 47(1)),
    not refused; 不予受理 is a local rule (Shenzhen [S]) and then only for a collective visit."""
    collective = register(channel="visit", is_collective=True, persons_involved=30)
    single = register(channel="visit")
    with pytest.raises(InvalidInput) as national:
        act(collective, "not_accept", "dispatcher", reason="representatives")
    assert national.value.field == "reason" and "第四十七条" in national.value.message
    settings.MINSHENG_REFUSE_WITHOUT_REPRESENTATIVES = True
    with pytest.raises(InvalidInput) as alone:
        act(single, "not_accept", "dispatcher", reason="representatives")
    assert alone.value.field == "reason"
    assert act(collective, "not_accept", "dispatcher", reason="representatives").state == "not_accepted"
    assert Petition.objects.get(pk=single.pk).state == "registered"


def test_the_representatives_cap_may_be_lowered_never_raised() -> None:
    """Art. 20(3): 代表人数不得超过5人 — MINSHENG_MAX_REPRESENTATIVES above 5 stops the start-up."""
    import os
    import subprocess
    import sys

    def load(value: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "MINSHENG_MAX_REPRESENTATIVES": value}
        code = "import minsheng.settings as s; print(s.MINSHENG_MAX_REPRESENTATIVES)"
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)

    raised = load("6")
    assert raised.returncode != 0 and "MINSHENG_MAX_REPRESENTATIVES must be <= 5" in raised.stderr
    lowered = load("3")
    assert (lowered.returncode, lowered.stdout.strip()) == (0, "3")


def test_a_late_review_request_is_refused_only_against_a_window_that_ran_out(
    register: Any, act: Any, organs: Any
) -> None:
    """Arts. 35, 36(1): 不予受理 as a late 复查/复核 request names the earlier matter, and only if its
    request window ran out unused (expired); an open window means the request is in time."""
    from minsheng.workflow import deadlines as dl

    earlier = register()
    again = register()
    with pytest.raises(InvalidInput) as unnamed:
        act(again, "not_accept", "dispatcher", reason="late_review_request")
    assert unnamed.value.field == "related_petition_id"
    window = dl.deadline_open(earlier.pk, "D-REVIEW-REQ-30", dt.date(2025, 6, 9), organ_id=organs["a-gov"].pk)
    with pytest.raises(InvalidInput) as still_open:
        act(again, "not_accept", "dispatcher", reason="late_review_request", related_petition_id=earlier.pk)
    assert still_open.value.field == "related_petition_id"
    assert Petition.objects.get(pk=again.pk).state == "registered"
    Deadline.objects.filter(pk=window.pk).update(status="expired")
    done = act(
        again, "not_accept", "dispatcher", reason="late_review_request", related_petition_id=earlier.pk
    )
    assert done.state == "not_accepted" and done.related_petition_id == earlier.pk


def test_only_a_matter_made_final_by_a_recheck_grounds_the_no_reaccept_refusal(
    register: Any, act: Any, organs: Any
) -> None:
    """Art. 36(3): 不再受理 needs a matter final after a 复核 opinion. An archived matter that never
    went through 复核 (here closed without review, then archived) does not ground it; the same
    matter archived after its finality does."""
    from django.utils import timezone

    earlier = register()
    Petition.objects.filter(pk=earlier.pk).update(state="archived", final_at=None)
    again = register()
    with pytest.raises(InvalidInput) as refused:
        act(again, "not_accept", "dispatcher", reason="final_after_recheck", related_petition_id=earlier.pk)
    assert refused.value.field == "related_petition_id"
    assert Petition.objects.get(pk=again.pk).state == "registered" and not again.decisions.exists()
    Petition.objects.filter(pk=earlier.pk).update(final_at=timezone.now())
    done = act(
        again, "not_accept", "dispatcher", reason="final_after_recheck", related_petition_id=earlier.pk
    )
    assert done.state == "not_accepted"


def test_repeat_after_recheck_gets_its_own_notice_and_a_follow_up_task(
    register: Any, act: Any, organs: Any, users: Any, client: Any
) -> None:
    """Arts. 36(3), 37(3): a repeat of a final matter on the same facts and reasons is refused with a
    不再受理告知书 (its own number sequence), and the local government gets the follow-up task."""
    from minsheng.documents.services import document_issue, documents_available

    final = register(region=organs["a3-gov"].region)
    Petition.objects.filter(pk=final.pk).update(state="final", handling_organ=organs["a-housing"])
    again = register(region=organs["a3-gov"].region)
    act(again, "not_accept", "dispatcher", reason="final_after_recheck", related_petition_id=final.pk)
    decision = again.decisions.get()
    assert "不再受字第" in decision.notice_number
    task = again.follow_up_tasks.get()
    assert task.organ == organs["a3-gov"] and task.final_petition_id == final.pk and task.done_at is None
    assert [k for k, _label in documents_available(again)] == ["no_reaccept_notice"]
    issued = document_issue(again, "no_reaccept_notice")
    assert "不再受字第" in issued.number
    token = client.post(
        "/api/v1/auth/token",
        {"username": "dispatcher", "password": "test-password-123"},
        content_type="application/json",
    ).json()["token"]
    body = client.get(f"/api/v1/petitions/{again.pk}", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["follow_up_tasks"][0]["organ"] == organs["a3-gov"].name
    from django.test import Client
    from django.urls import reverse

    web = Client()
    web.force_login(users["dispatcher"])
    page = web.get(reverse("workbench:petition", args=[again.pk])).content.decode()
    assert "疏导教育、矛盾化解、帮扶救助" in page and organs["a3-gov"].name in page


def test_an_ordinary_refusal_keeps_the_not_accept_notice(register: Any, organs: Any, users: Any) -> None:
    from minsheng.documents.services import documents_available

    petition = register()
    petition_transition(
        petition.pk,
        "not_accept",
        actor=users["dispatcher"],
        data={"reason": "out_of_scope", "guidance_organ_id": organs["a-court"].pk},
    )
    petition = Petition.objects.get(pk=petition.pk)
    assert [k for k, _label in documents_available(petition)] == ["not_accept_notice"]
    assert not petition.follow_up_tasks.exists()
