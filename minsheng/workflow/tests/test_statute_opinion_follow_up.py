"""Art. 32(2) (R-075; rules.yaml opinion_outcomes) through the HTTP API at fixed past dates: the
organ whose opinion supports the request supervises its execution (督促执行), the organ whose
opinion does not support it does guidance and education (疏导教育); refusing to execute a
supporting opinion is a violation (Art. 42(4)) — an execution still unrecorded after
MINSHENG_EXECUTION_CHECK_DAYS (default 60 calendar days) is flagged 执行未落实. A 复查/复核 opinion
that changes or revokes the answer supersedes the earlier opinion's task; 维持 leaves it standing.

Dates (scenario_api): the housing bureau's supporting opinion is signed on 2025-06-06 and
delivered on 06-09; 60 days after 06-06 is 08-05 (not yet flagged), 08-06 is the first day flagged.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from minsheng.notifications.models import OutboxMessage
from minsheng.workflow.models import FollowUpTask
from minsheng.workflow.tests.scenario_api import (
    OPINION,
    Office,
    accepted_on_0401,
    at,
    delivered_on_0609,
    moment,
)

pytestmark = pytest.mark.django_db

OFFICE_START = at("2025-03-01", 8)


def _tasks(office: Office, pk: int, who: str = "dispatcher") -> list[dict[str, Any]]:
    return list(office.detail(pk, who)["follow_up_tasks"])


def test_a_supporting_opinion_opens_an_execution_task_flagged_after_the_check_period(
    office: Office, organs: Any, users: Any
) -> None:
    pk = delivered_on_0609(office, organs)
    (signed,) = office.events(pk, "sign_opinion")
    (task,) = _tasks(office, pk)
    assert signed["data"]["follow_up"] == "execution" and signed["data"]["follow_up_task_id"] == task["id"]
    assert (task["kind"], task["organ"], task["done_at"], task["superseded"]) == (
        "execution",
        "A市住房和城乡建设局",
        None,
        False,
    )
    assert moment(task["created_at"]) == at("2025-06-06")
    # the housing bureau's staff were told (an in-app message naming Art. 32(2))
    told = OutboxMessage.objects.filter(petition_id=pk, kind="execution")  # recipients are encrypted
    assert f"user:{users['caseworker'].pk}" in {m.recipient for m in told}
    assert all(
        m.body.endswith("督促有关机关或者单位执行并记录落实情况（条例第三十二条第二款）。") for m in told
    )

    office.enter_on(at("2025-08-05", 23, 59))
    assert not _tasks(office, pk)[0]["overdue"]  # 60 days after the signature: within the period
    office.enter_on(at("2025-08-06", 0, 1))
    assert _tasks(office, pk)[0]["overdue"]  # the 61st day: 执行未落实
    page = Client()
    page.force_login(users["caseworker"])
    html = page.get(f"/workbench/petition/{pk}/").content.decode()
    assert "督促执行处理意见" in html and "执行未落实" in html and "第四十二条第四项" in html

    # Only the organ with the task records it; a note keeps it open, done closes it.
    assert "record_follow_up" in office.actions(pk, "caseworker")
    assert "record_follow_up" not in office.actions(pk, "dispatcher")  # the bureau owes no task
    office.refuse(
        "caseworker",
        pk,
        "record_follow_up",
        "2025-08-06",
        status=422,
        code="required",
        field="work",
        work=" ",
    )
    office.act("caseworker", pk, "record_follow_up", "2025-08-06", work="函告施工单位停止夜间施工")
    assert _tasks(office, pk)[0]["overdue"]  # a note is not the execution
    office.act("caseworker", pk, "record_follow_up", "2025-08-08", work="复查确认已停止夜间施工", done=True)
    (task,) = _tasks(office, pk)
    assert task["done_at"] is not None and not task["overdue"] and not task["superseded"]
    assert "2025-08-06 函告施工单位停止夜间施工" in task["note"] and "2025-08-08 复查确认" in task["note"]
    assert "record_follow_up" not in office.actions(pk, "caseworker")
    recorded = office.events(pk, "record_follow_up")
    assert [(e["data"]["kind"], e["data"]["done"]) for e in recorded] == [
        ("execution", False),
        ("execution", True),
    ]


def test_a_not_supporting_opinion_owes_guidance_and_an_explanation_owes_nothing(
    office: Office, organs: Any
) -> None:
    refused = accepted_on_0401(office, organs)
    explained = accepted_on_0401(office, organs)
    for pk, outcome in ((refused, "not_support"), (explained, "explain")):
        office.act("caseworker", pk, "start_handling", "2025-04-10", no_conflict_of_interest=True)
        office.act("caseworker", pk, "conclude", "2025-06-05", **{**OPINION, "outcome": outcome})
        office.act("organ_head", pk, "sign_opinion", "2025-06-06")
    (task,) = _tasks(office, refused)
    assert (task["kind"], task["organ"]) == ("guidance", "A市住房和城乡建设局")
    office.enter_on(at("2025-12-01"))
    assert not _tasks(office, refused)[0]["overdue"]  # Art. 42(4) speaks of execution only
    assert _tasks(office, explained) == []
    assert "follow_up" not in office.events(explained, "sign_opinion")[0]["data"]


@pytest.mark.parametrize(
    ("outcome", "supersedes", "reviewing_task"),
    [("upheld", False, False), ("changed", True, True), ("revoked", True, False)],
)
def test_a_review_that_changes_or_revokes_the_answer_supersedes_its_execution(
    office: Office, organs: Any, outcome: str, supersedes: bool, reviewing_task: bool
) -> None:
    pk = delivered_on_0609(office, organs)
    (first,) = _tasks(office, pk)
    # a task owed for another reason (Art. 37(3) counselling) is no opinion's: a review never ends it
    counselling = FollowUpTask.objects.create(
        petition_id=pk, organ=organs["a3-gov"], created_at=at("2025-06-20")
    )
    office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-07-01")
    # the housing bureau still records its execution while the 复查 runs
    assert "record_follow_up" in office.actions(pk, "caseworker")
    answer = {**OPINION, "outcome": outcome, "method": "in_person", "delivered_on": "2025-07-28"}
    office.act("gov_head", pk, "conclude_review", "2025-07-28", **answer)
    tasks = {t["id"]: t for t in _tasks(office, pk)}
    assert tasks[first["id"]]["superseded"] is supersedes
    assert (tasks[first["id"]]["done_at"] is not None) is supersedes
    (review,) = office.events(pk, "conclude_review")
    assert review["data"].get("superseded_follow_up_task_ids", []) == ([first["id"]] if supersedes else [])
    new = [t for t in tasks.values() if t["id"] not in (first["id"], counselling.pk)]
    if reviewing_task:
        (task,) = new
        assert (task["kind"], task["organ"], task["done_at"]) == ("execution", "A市人民政府", None)
        assert moment(task["created_at"]) == at("2025-07-28")
    else:
        assert new == []
    assert FollowUpTask.objects.filter(petition_id=pk, superseded=True).count() == int(supersedes)
    counselling.refresh_from_db()
    assert (counselling.done_at, counselling.superseded) == (None, False)


def test_an_execution_already_done_stays_done_when_the_answer_is_changed(office: Office, organs: Any) -> None:
    """The bureau recorded the execution done on 06-20; a 复查 that changes the answer on 07-28
    supersedes what is still owed on this matter only — the done task keeps its day and is not
    marked superseded, and another matter's execution is untouched."""
    pk = delivered_on_0609(office, organs)
    other = delivered_on_0609(office, organs)  # another matter's execution, still owed
    office.act("caseworker", pk, "record_follow_up", "2025-06-20", work="已停止夜间施工", done=True)
    (done,) = _tasks(office, pk)
    office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-07-01")
    changed = {**OPINION, "outcome": "changed", "method": "in_person", "delivered_on": "2025-07-28"}
    office.act("gov_head", pk, "conclude_review", "2025-07-28", **changed)
    tasks = {t["id"]: t for t in _tasks(office, pk)}
    assert (tasks[done["id"]]["done_at"], tasks[done["id"]]["superseded"]) == (done["done_at"], False)
    (review,) = office.events(pk, "conclude_review")
    assert "superseded_follow_up_task_ids" not in review["data"]
    (owed,) = _tasks(office, other)
    assert (owed["done_at"], owed["superseded"]) == (None, False)  # not this review's to end


def test_work_is_recorded_on_a_task_of_this_petition_and_organ_only(office: Office, organs: Any) -> None:
    """``task_id`` names one of this organ's tasks on *this* petition: the id of the same organ's
    task on another petition is refused (it would have written that petition's record), as is an
    unknown id; a task already done takes no more work."""
    first = delivered_on_0609(office, organs)
    second = delivered_on_0609(office, organs)
    (mine,) = _tasks(office, first)
    (theirs,) = _tasks(office, second)
    for task_id in (theirs["id"], 10**9):
        office.refuse(
            "caseworker",
            first,
            "record_follow_up",
            "2025-08-06",
            status=422,
            code="invalid",
            field="task_id",
            task_id=task_id,
            work="函告施工单位停止夜间施工",
        )
    assert FollowUpTask.objects.get(pk=theirs["id"]).note == ""
    office.act(
        "caseworker", first, "record_follow_up", "2025-08-06", task_id=mine["id"], work="已执行", done=True
    )
    assert _tasks(office, first)[0]["done_at"] is not None and _tasks(office, second)[0]["done_at"] is None
