"""复查/复核 opinions are drafted by a caseworker of the reviewing organ and issued only when its
head (or a delegate) signs them (issue 16 "Sign-off"; Arts. 35–36): the outcome is 维持/变更/撤销
the opinion under review, and whoever decided or signed the original, and the organ that issued
it, can neither draft nor sign the review (Art. 28(3)). Law pinned at fixed dates:

- the handling opinion is delivered on 2025-09-22; 复查 requested (received) on 2025-10-09 →
  D-REVIEW-30 nominal 2025-11-08 (a Saturday), statutory 2025-11-10;
- the 复查 opinion is signed and delivered on 2025-10-22 → D-RECHECK-REQ-30 due 2025-11-21;
- 复核 requested 2025-11-05, signed and delivered on 2025-11-20 → final.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.notifications.models import OutboxMessage
from minsheng.orgs.models import Role, StaffMembership
from minsheng.petitions.models import Petition
from minsheng.workflow.models import Deadline, Opinion, OpinionDraft, PetitionEvent
from minsheng.workflow.services import available_actions, petition_transition

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")

OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经现场核查，工地确有夜间施工行为。",
    "opinion": "责令施工单位停止夜间施工。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
}
REVIEW = {
    "outcome": "upheld",
    "facts_and_reasons": "原处理意见认定事实清楚。",
    "opinion": "维持原处理意见。",
    "legal_basis": "《信访工作条例》第三十五条",
}


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=TZ)


def _staff(username: str, organ: Any, role: str) -> Any:
    user = get_user_model().objects.create_user(username, password="test-password-123")
    StaffMembership.objects.create(user=user, organ=organ, role=role)
    return user


def _do(petition: Any, action: str, who: Any, day: str, **data: Any) -> Petition:
    with time_machine.travel(at(day), tick=False):
        return petition_transition(petition.pk, action, actor=who, data=data)


@pytest.fixture
def reviewing(world: Any, register: Any, users: Any, organs: Any) -> Petition:
    """A handling opinion of the housing bureau (drafted by `caseworker`, signed by `organ_head`),
    delivered 2025-09-22, 复查 requested at A市政府 on 2025-10-09."""
    return _reviewing(register, users, organs)


def _reviewing(register: Any, users: Any, organs: Any) -> Petition:
    with time_machine.travel(at("2025-09-01"), tick=False):
        petition = register(received_at=at("2025-09-01"))
    steps = [
        ("forward", "dispatcher", "2025-09-02", {"organ_id": organs["a-housing"].pk}),
        ("receive", "caseworker", "2025-09-03", {}),
        ("accept", "caseworker", "2025-09-04", {}),
        ("start_handling", "caseworker", "2025-09-05", {"no_conflict_of_interest": True}),
        ("conclude", "caseworker", "2025-09-18", OPINION),
        ("sign_opinion", "organ_head", "2025-09-19", {}),
        ("deliver", "caseworker", "2025-09-22", {"method": "post", "delivered_on": "2025-09-22"}),
        ("request_review", "registrar", "2025-10-09", {"received_on": "2025-10-09"}),
    ]
    for action, who, day, data in steps:
        petition = _do(petition, action, users[who], day, **data)
    assert petition.state == "review_requested" and petition.current_organ == organs["a-gov"]
    review = Deadline.objects.get(petition=petition, rule="D-REVIEW-30")
    assert (review.nominal_due, review.statutory_due) == (dt.date(2025, 11, 8), dt.date(2025, 11, 10))
    return petition


def test_review_opinion_drafted_by_the_caseworker_and_signed_by_the_head(
    reviewing: Petition, users: Any, organs: Any
) -> None:
    reviewer = _staff("gov_caseworker", organs["a-gov"], Role.CASEWORKER)
    # Art. 28(3): the caseworker who decided the original may not draft its review.
    with pytest.raises(Forbidden) as original:
        _do(reviewing, "draft_opinion", users["caseworker"], "2025-10-20", **REVIEW)
    assert (original.value.code, original.value.field) == ("recusal_reviewer", "actor")
    # 复查 decides on the opinion under review: never a fresh 支持/不支持.
    with pytest.raises(InvalidInput) as fresh:
        _do(reviewing, "draft_opinion", reviewer, "2025-10-20", **{**REVIEW, "outcome": "support"})
    assert fresh.value.field == "outcome"
    assert not OpinionDraft.objects.filter(petition=reviewing, stage="review").exists()

    petition = _do(reviewing, "draft_opinion", reviewer, "2025-10-20", **REVIEW)
    assert petition.state == "review_requested"
    draft = OpinionDraft.objects.get(petition=petition, status="pending")
    assert (draft.stage, draft.outcome, draft.drafted_by) == ("review", "upheld", reviewer)
    assert not Opinion.objects.filter(petition=petition, stage="review").exists()
    assert PetitionEvent.objects.get(petition=petition, action="draft_opinion").is_public is False

    # The 待签发 inbox of A市政府's head shows it; the drafter is offered no signature.
    from minsheng.petitions.selectors import PetitionFilters
    from minsheng.workbench.queries import INBOXES, inbox_queryset

    signoff = next(i for i in INBOXES if i.key == "signoff")
    waiting = inbox_queryset(users["gov_head"], signoff, PetitionFilters())
    assert petition.pk in set(waiting.values_list("pk", flat=True))
    assert "sign_opinion" not in {t.action for t in available_actions(petition, reviewer)}
    assert {"sign_opinion", "return_draft"} <= {
        t.action for t in available_actions(petition, users["gov_head"])
    }

    # Those tied to the original are not offered the review's decisions (Art. 28(3)).
    assert "draft_opinion" not in {t.action for t in available_actions(petition, users["caseworker"])}
    assert "draft_opinion" in {t.action for t in available_actions(petition, reviewer)}
    offered_to_signer_of_original = {t.action for t in available_actions(petition, users["organ_head"])}
    assert not offered_to_signer_of_original & {"sign_opinion", "conclude_review"}
    # organ_head heads A市政府 too, but he signed the original: he may not sign its review.
    with pytest.raises(Forbidden) as signer:
        _do(petition, "sign_opinion", users["organ_head"], "2025-10-22", method="post")
    assert signer.value.code == "recusal_reviewer"
    # Signing issues and delivers (出具并送达): the delivery is part of the act.
    with pytest.raises(InvalidInput) as no_method:
        _do(petition, "sign_opinion", users["gov_head"], "2025-10-22")
    assert no_method.value.field == "method"
    assert OpinionDraft.objects.get(pk=draft.pk).status == "pending"

    petition = _do(
        petition, "sign_opinion", users["gov_head"], "2025-10-22", method="post", delivered_on="2025-10-22"
    )
    assert petition.state == "review_concluded"
    opinion = Opinion.objects.get(petition=petition, stage="review")
    assert opinion.issued_by == reviewer and opinion.signed_by == users["gov_head"]
    assert opinion.organ == organs["a-gov"] and opinion.outcome == "upheld" and "复查字" in opinion.number
    assert petition.review_reply_received_on == dt.date(2025, 10, 22)
    answer = Deadline.objects.get(petition=petition, rule="D-REVIEW-30")
    assert answer.status == "met" and answer.met_at == at("2025-10-22")
    window = Deadline.objects.get(petition=petition, rule="D-RECHECK-REQ-30")
    assert (window.start, window.statutory_due) == (dt.date(2025, 10, 22), dt.date(2025, 11, 21))
    event = PetitionEvent.objects.get(petition=petition, action="sign_opinion", to_state="review_concluded")
    assert event.from_state == "review_requested" and event.is_public
    assert event.data["number"] == opinion.number and event.data["drafted_by"] == "gov_caseworker"
    draft.refresh_from_db()
    assert draft.status == "signed" and draft.issued == opinion

    from minsheng.portal.queries import public_timeline

    headlines = [r["headline"] for r in public_timeline(petition)]
    assert "复查意见已出具并送达" in headlines


def test_recheck_opinion_signed_by_the_head_makes_the_matter_final(
    reviewing: Petition, users: Any, organs: Any
) -> None:
    reviewer = _staff("gov_caseworker", organs["a-gov"], Role.CASEWORKER)
    petition = _do(reviewing, "draft_opinion", reviewer, "2025-10-20", **REVIEW)
    petition = _do(
        petition, "sign_opinion", users["gov_head"], "2025-10-22", method="post", delivered_on="2025-10-22"
    )
    petition = _do(petition, "request_recheck", users["registrar"], "2025-11-05", received_on="2025-11-05")
    assert petition.state == "recheck_requested" and petition.current_organ == organs["xd-gov"]
    rechecker = _staff("province_caseworker", organs["xd-gov"], Role.CASEWORKER)
    # The reviewer of A市政府 holds no post at the province; the original's drafter does, and is refused.
    with pytest.raises(Forbidden) as original:
        _do(petition, "draft_opinion", users["caseworker"], "2025-11-10", **REVIEW)
    assert original.value.code == "recusal_reviewer"

    petition = _do(petition, "draft_opinion", rechecker, "2025-11-10", **{**REVIEW, "outcome": "changed"})
    # 退回: the head returns it with a comment, the caseworker revises and submits again.
    petition = _do(petition, "return_draft", users["province_head"], "2025-11-12", comment="请补充理由")
    assert OpinionDraft.objects.get(petition=petition, stage="recheck").status == "returned"
    petition = _do(petition, "draft_opinion", rechecker, "2025-11-13", **REVIEW)
    petition = _do(
        petition,
        "sign_opinion",
        users["province_head"],
        "2025-11-20",
        method="in_person",
        delivered_on="2025-11-20",
    )
    assert petition.state == "final" and petition.recheck_reply_received_on == dt.date(2025, 11, 20)
    opinion = Opinion.objects.get(petition=petition, stage="recheck")
    assert (opinion.issued_by, opinion.signed_by, opinion.outcome) == (
        rechecker,
        users["province_head"],
        "upheld",
    )
    assert "复核字" in opinion.number
    moves = list(
        PetitionEvent.objects.filter(petition=petition, action__in=["sign_opinion", "finalise"])
        .order_by("pk")
        .values_list("action", "from_state", "to_state")
    )
    assert moves[-2:] == [
        ("sign_opinion", "recheck_requested", "recheck_concluded"),
        ("finalise", "recheck_concluded", "final"),
    ]
    assert not Deadline.objects.filter(petition=petition, status="open").exists()


def test_the_organ_that_issued_the_original_neither_drafts_nor_signs_its_review(
    reviewing: Petition, users: Any, organs: Any
) -> None:
    reviewer = _staff("gov_caseworker", organs["a-gov"], Role.CASEWORKER)
    petition = _do(reviewing, "draft_opinion", reviewer, "2025-10-20", **REVIEW)
    Opinion.objects.filter(petition=petition).update(organ=organs["a-gov"])  # a misconfigured chain
    with pytest.raises(Forbidden) as at_sign:
        _do(petition, "sign_opinion", users["gov_head"], "2025-10-22", method="post")
    assert (at_sign.value.code, at_sign.value.field) == ("recusal_organ", "organ")
    with pytest.raises(Forbidden) as at_draft:
        _do(petition, "draft_opinion", reviewer, "2025-10-22", **REVIEW)
    assert at_draft.value.code == "recusal_organ"
    assert OpinionDraft.objects.get(petition=petition, stage="review").status == "pending"
    assert petition.state == "review_requested"
    # and neither is offered: the same rule decides what the case page shows (independent_reviewer)
    offered_head = {t.action for t in available_actions(petition, users["gov_head"])}
    assert not offered_head & {"sign_opinion", "conclude_review", "draft_opinion"}
    assert "draft_opinion" not in {t.action for t in available_actions(petition, reviewer)}


def test_a_drafter_who_decided_the_original_is_refused_at_signature_too(
    reviewing: Petition, users: Any, organs: Any
) -> None:
    """A draft whose drafter is tied to the original (e.g. he signed it later as a delegate) is not
    issued: the check runs again at signature, naming the draft."""
    reviewer = _staff("gov_caseworker", organs["a-gov"], Role.CASEWORKER)
    petition = _do(reviewing, "draft_opinion", reviewer, "2025-10-20", **REVIEW)
    Opinion.objects.filter(petition=petition, stage="handling").update(signed_by=reviewer)
    with pytest.raises(Forbidden) as refused:
        _do(petition, "sign_opinion", users["gov_head"], "2025-10-22", method="post")
    assert (refused.value.code, refused.value.field) == ("recusal_reviewer", "draft_id")


def test_the_head_still_issues_a_review_directly(reviewing: Petition, users: Any) -> None:
    """conclude_review stays the head's own 出具并送达 (as conclude at handling); a pending
    caseworker draft is set aside."""
    petition = _do(reviewing, "conclude_review", users["gov_head"], "2025-10-22", method="post", **REVIEW)
    assert petition.state == "review_concluded"
    opinion = Opinion.objects.get(petition=petition, stage="review")
    assert opinion.issued_by == opinion.signed_by == users["gov_head"]


def test_concluding_directly_sets_aside_only_this_matters_pending_draft(
    reviewing: Petition, register: Any, users: Any, organs: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The head issues the 复查 of one matter himself: that matter's pending caseworker draft is
    set aside and its working draft dropped; the signed draft of the original stays signed; the
    other matter under review at the same organ keeps its pending draft, is still offered to the
    head (he decided on a different matter) and he signs it. The event records the opinion and
    its signer, and the petitioner is told."""
    other = _reviewing(register, users, organs)
    reviewer = _staff("gov_caseworker", organs["a-gov"], Role.CASEWORKER)
    first = _do(reviewing, "draft_opinion", reviewer, "2025-10-20", **REVIEW)
    other = _do(other, "draft_opinion", reviewer, "2025-10-20", **REVIEW)
    assert "draft_opinion" in (first.suggestions or {})
    with django_capture_on_commit_callbacks(execute=True):
        first = _do(first, "conclude_review", users["gov_head"], "2025-10-22", method="post", **REVIEW)
    drafts = dict(OpinionDraft.objects.filter(petition=first).values_list("stage", "status"))
    assert drafts == {"handling": "signed", "review": "superseded"}
    assert OpinionDraft.objects.get(petition=other, stage="review").status == "pending"
    assert "draft_opinion" not in (Petition.objects.get(pk=first.pk).suggestions or {})
    opinion = Opinion.objects.get(petition=first, stage="review")
    event = PetitionEvent.objects.get(petition=first, action="conclude_review")
    assert {k: event.data[k] for k in ("opinion_id", "outcome", "number", "signed_by")} == {
        "opinion_id": opinion.pk,
        "outcome": "upheld",
        "number": opinion.number,
        "signed_by": "gov_head",
    }
    assert OutboxMessage.objects.filter(petition=first, kind="review_answered").exists()
    offered = {t.action for t in available_actions(other, users["gov_head"])}
    assert {"sign_opinion", "conclude_review"} <= offered
    other = _do(other, "sign_opinion", users["gov_head"], "2025-10-23", method="post")
    assert other.state == "review_concluded"


def test_a_draft_whose_drafter_has_left_is_judged_by_its_signer(
    reviewing: Petition, users: Any, organs: Any
) -> None:
    """The drafter's account was removed after drafting (drafted_by is emptied): the signer's
    independence is still checked and the review is issued, with no drafter recorded."""
    reviewer = _staff("gov_caseworker", organs["a-gov"], Role.CASEWORKER)
    petition = _do(reviewing, "draft_opinion", reviewer, "2025-10-20", **REVIEW)
    OpinionDraft.objects.filter(petition=petition, stage="review").update(drafted_by=None)
    original = Opinion.objects.filter(petition=petition, stage="handling")
    signer = original.get().signed_by
    original.update(signed_by=users["gov_head"])  # the head tied to the original: refused
    with pytest.raises(Forbidden) as refused:
        _do(petition, "sign_opinion", users["gov_head"], "2025-10-22", method="post")
    assert (refused.value.code, refused.value.field) == ("recusal_reviewer", "actor")
    original.update(signed_by=signer)
    petition = _do(petition, "sign_opinion", users["gov_head"], "2025-10-22", method="post")
    assert petition.state == "review_concluded"
    opinion = Opinion.objects.get(petition=petition, stage="review")
    assert (opinion.issued_by, opinion.signed_by) == (None, users["gov_head"])
