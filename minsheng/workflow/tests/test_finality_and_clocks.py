"""Issue 16 "Finality" and "Clocks", at fixed dates.

Clocks (Art. 34): a letter accepted on 2025-09-10 and investigated from 2025-09-25 has its 60 days
from acceptance: nominal 2025-11-09 (a Sunday), statutory 2025-11-10 (``minsheng deadline
D-HANDLE-60 --from 2025-09-10``); from 调查核实 it would be 2025-11-24. A 20-day extension approved
on 2025-10-20 is not effective until its notice is recorded as sent (the case page says so); once
sent on 2025-10-22 the clock is nominal 2025-11-29 (a Saturday), statutory 2025-12-01
(``--extension-days 20``). A notice recorded only after the original due date does not extend.

Finality (Arts. 36(3), 37(3)): after the 复核 opinion signed and delivered on 2025-11-20, a repeat
on the same facts and reasons (2025-12-01) is refused with the 不再受理告知书 (its own template and
number sequence, not the 不予受理 one) and a follow-up task 疏导教育、矛盾化解、帮扶救助 for the
local government, shown on the case page and in the API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from minsheng.core.errors import InvalidInput
from minsheng.petitions.models import Petition
from minsheng.workflow.models import Deadline, Extension, PetitionEvent
from minsheng.workflow.tests.test_appeal_signoff import REVIEW, _do, _staff, at, reviewing  # noqa: F401

pytestmark = pytest.mark.django_db

NOT_YET_TOLD = "尚未告知信访人延期理由"


def _handling(register: Any, users: Any, organs: Any) -> Petition:
    with time_machine.travel(at("2025-09-01"), tick=False):
        petition = register(received_at=at("2025-09-01"))
    for action, who, day, data in (
        ("forward", "dispatcher", "2025-09-03", {"organ_id": organs["a-housing"].pk}),
        ("receive", "caseworker", "2025-09-05", {}),
        ("accept", "caseworker", "2025-09-10", {}),
        ("start_handling", "caseworker", "2025-09-25", {"no_conflict_of_interest": True}),
    ):
        petition = _do(petition, action, users[who], day, **data)
    return petition


def _clock(petition: Petition) -> Deadline:
    return Deadline.objects.get(petition=petition, rule="D-HANDLE-60")


def _case_page(petition: Petition, user: Any, day: str) -> str:
    web = Client()
    web.force_login(user)
    with time_machine.travel(at(day), tick=False):
        return web.get(reverse("workbench:petition", args=[petition.pk])).content.decode()


def test_the_60_days_run_from_acceptance_and_an_extension_counts_once_told(
    register: Any, users: Any, organs: Any
) -> None:
    from minsheng.workflow.services import available_actions

    def offered() -> set[str]:
        return {
            t.action for t in available_actions(Petition.objects.get(pk=petition.pk), users["caseworker"])
        }

    petition = _handling(register, users, organs)
    assert "notify_extension" not in offered()  # nothing to tell: it would answer 422
    clock = _clock(petition)
    assert clock.start == dt.date(2025, 9, 10)  # acceptance, not 调查核实 (09-25) nor receipt (09-01)
    assert (clock.nominal_due, clock.statutory_due) == (dt.date(2025, 11, 9), dt.date(2025, 11, 10))

    petition = _do(petition, "extend", users["organ_head"], "2025-10-20", days=20, reason="需要现场勘验")
    assert petition.state == "in_handling"  # approved, not yet effective
    clock.refresh_from_db()
    assert (clock.extra_days, clock.statutory_due) == (0, dt.date(2025, 11, 10))
    assert Extension.objects.get(petition=petition).is_effective is False
    assert "notify_extension" in offered()
    page = _case_page(petition, users["caseworker"], "2025-10-21")
    assert NOT_YET_TOLD in page and "2025-10-20 批准延期 20 日" in page
    with pytest.raises(InvalidInput) as again:  # a second extension waits for the first notice
        _do(petition, "extend", users["organ_head"], "2025-10-21", days=5, reason="再延")
    assert again.value.field == "days"

    petition = _do(petition, "notify_extension", users["caseworker"], "2025-10-22")
    assert petition.state == "extended"
    assert "notify_extension" not in offered()
    clock.refresh_from_db()
    assert clock.extra_days == 20
    assert (clock.nominal_due, clock.statutory_due) == (dt.date(2025, 11, 29), dt.date(2025, 12, 1))
    event = PetitionEvent.objects.get(petition=petition, action="notify_extension")
    assert dt.datetime.fromisoformat(event.data["notified_at"]) == at("2025-10-22")
    assert event.data["total_extension_days"] == 20
    assert NOT_YET_TOLD not in _case_page(petition, users["caseworker"], "2025-10-23")


def test_a_notice_recorded_after_the_original_due_date_does_not_extend(
    register: Any, users: Any, organs: Any
) -> None:
    petition = _handling(register, users, organs)
    petition = _do(petition, "extend", users["organ_head"], "2025-11-05", days=10, reason="需要鉴定")
    with pytest.raises(InvalidInput) as late:
        _do(petition, "notify_extension", users["caseworker"], "2025-11-11")
    assert late.value.field == "notified_at"
    clock = _clock(petition)
    assert (clock.extra_days, clock.statutory_due) == (0, dt.date(2025, 11, 10))
    assert Extension.objects.get(petition=petition).is_effective is False
    assert Petition.objects.get(pk=petition.pk).state == "in_handling"


def test_a_repeat_after_the_signed_recheck_gets_the_no_reaccept_notice_and_a_follow_up_task(
    reviewing: Petition,  # noqa: F811
    register: Any,
    users: Any,
    organs: Any,
) -> None:
    from minsheng.documents.services import document_blocks, document_issue, documents_available

    reviewer = _staff("gov_caseworker", organs["a-gov"], "caseworker")
    rechecker = _staff("province_caseworker", organs["xd-gov"], "caseworker")
    petition = _do(reviewing, "draft_opinion", reviewer, "2025-10-20", **REVIEW)
    petition = _do(
        petition, "sign_opinion", users["gov_head"], "2025-10-22", method="post", delivered_on="2025-10-22"
    )
    petition = _do(petition, "request_recheck", users["registrar"], "2025-11-05", received_on="2025-11-05")
    petition = _do(petition, "draft_opinion", rechecker, "2025-11-10", **REVIEW)
    final = _do(
        petition,
        "sign_opinion",
        users["province_head"],
        "2025-11-20",
        method="post",
        delivered_on="2025-11-20",
    )
    assert final.state == "final"
    Petition.objects.filter(pk=final.pk).update(region=organs["a3-gov"].region)

    with time_machine.travel(at("2025-12-01"), tick=False):
        again = register(received_at=at("2025-12-01"), region=organs["a3-gov"].region)
    again = _do(
        again,
        "not_accept",
        users["dispatcher"],
        "2025-12-02",
        reason="final_after_recheck",
        related_petition_id=final.pk,
    )
    assert again.state == "not_accepted"
    decision = again.decisions.get()
    assert "不再受字第" in decision.notice_number
    task = again.follow_up_tasks.get()
    assert (task.organ, task.final_petition_id, task.done_at) == (organs["a3-gov"], final.pk, None)
    assert task.created_at == at("2025-12-02")

    # Its own notice: the 不再受理告知书, never the 不予受理 template.
    assert [k for k, _label in documents_available(again)] == ["no_reaccept_notice"]
    issued = document_issue(again, "no_reaccept_notice")
    title, blocks = document_blocks("no_reaccept_notice", issued.context)
    text = " ".join(b.text for b in blocks)
    assert title == "信访事项不再受理告知书" and "不予受理" not in title
    assert final.tracking_code in text and "第三十六条第三款" in text
    assert "疏导教育、矛盾化解、帮扶救助" in text and organs["a3-gov"].name in text

    # The case page and the API show the follow-up task.
    page = _case_page(again, users["dispatcher"], "2025-12-03")
    assert "疏导教育、矛盾化解、帮扶救助" in page and organs["a3-gov"].name in page
    api = Client()
    token = api.post(
        "/api/v1/auth/token",
        {"username": "dispatcher", "password": "test-password-123"},
        content_type="application/json",
    ).json()["token"]
    body = api.get(f"/api/v1/petitions/{again.pk}", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert [t["organ"] for t in body["follow_up_tasks"]] == [organs["a3-gov"].name]
    assert body["follow_up_tasks"][0]["done_at"] is None

    # Art. 37(3): the government charged with the work sees the matter and records it; other
    # organs cannot; "done" closes the task, after which the action is no longer offered.
    from minsheng.core.errors import Forbidden
    from minsheng.petitions.selectors import access_petition
    from minsheng.workflow.services import available_actions, petition_transition

    worker = _staff("a3_caseworker", organs["a3-gov"], "caseworker")
    assert access_petition(worker, again.pk).pk == again.pk
    assert "record_follow_up" in {t.action for t in available_actions(again, worker)}
    assert "record_follow_up" not in {t.action for t in available_actions(again, users["caseworker"])}
    with pytest.raises(Forbidden):
        _do(again, "record_follow_up", users["caseworker"], "2025-12-05", work="越权记录")
    with pytest.raises(InvalidInput) as empty:
        _do(again, "record_follow_up", worker, "2025-12-05", work="  ")
    assert (empty.value.field, empty.value.code) == ("work", "required")
    _do(again, "record_follow_up", worker, "2025-12-05", work="上门走访，解释终结意见")
    task.refresh_from_db()
    assert (task.note, task.done_at) == ("2025-12-05 上门走访，解释终结意见", None)
    after = _do(again, "record_follow_up", worker, "2025-12-20", work="协调办理临时救助", done=True)
    assert after.state == "not_accepted"  # the state does not change
    task.refresh_from_db()
    assert task.note == "2025-12-05 上门走访，解释终结意见\n2025-12-20 协调办理临时救助"
    assert (task.done_at, task.done_by) == (at("2025-12-20"), worker)
    events = PetitionEvent.objects.filter(petition=again, action="record_follow_up").order_by("pk")
    assert [(e.data["done"], e.actor_organ_id) for e in events] == [
        (False, organs["a3-gov"].pk),
        (True, organs["a3-gov"].pk),
    ]
    assert "record_follow_up" not in {t.action for t in available_actions(again, worker)}
    with pytest.raises(Forbidden):
        petition_transition(again.pk, "record_follow_up", actor=worker, data={"work": "再记一次"})
