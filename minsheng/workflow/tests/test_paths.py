"""More statutory paths: objection, simplified handling, suggestions, redirect, finality, urgent, 越级."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.notifications.models import OutboxMessage
from minsheng.petitions.models import Petition
from minsheng.petitions.services import PetitionerInput
from minsheng.workflow.models import Deadline, PetitionEvent

pytestmark = pytest.mark.django_db

OPINION = {
    "outcome": "support",
    "facts_and_reasons": "属实",
    "opinion": "予以支持",
    "legal_basis": "某条例第三条",
}


def to_received(register, act, organs, **kw):
    petition = register(**kw)
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    return act(petition, "receive", "caseworker")


def test_objection_returned_only_when_forwarder_agrees(register, act, organs):
    petition = to_received(register, act, organs)
    petition = act(
        petition, "object", "caseworker", reasons="属于A5区政府职责", suggested_organ_id=organs["a5-gov"].pk
    )
    assert petition.state == "objection_pending"
    with pytest.raises(Forbidden):  # the receiving organ cannot return it unilaterally
        act(petition, "approve_objection", "caseworker")
    petition = act(petition, "approve_objection", "dispatcher", note="核实同意")
    assert petition.state == "returned"
    assert petition.current_organ == organs["a-bureau"]
    petition = act(petition, "forward", "dispatcher", organ_id=organs["a5-gov"].pk)
    assert petition.state == "forwarded"


def test_objection_refused_after_five_working_days(register, act, organs):
    with time_machine.travel(dt.datetime(2025, 9, 26, 10, tzinfo=dt.UTC), tick=False):
        petition = register(received_at=timezone.now())
        act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
        act(petition, "receive", "caseworker")
        d = Deadline.objects.get(petition=petition, rule="D-OBJECTION-5WD")
        # 9-26 (Fri) + 5 working days: 9-28 (make-up Sun), 9-29, 9-30, 10-09, 10-10
        assert d.statutory_due == dt.date(2025, 10, 10)
    with (
        time_machine.travel(dt.datetime(2025, 10, 13, 10, tzinfo=dt.UTC), tick=False),
        pytest.raises(InvalidInput),
    ):
        act(petition, "object", "caseworker", reasons="不属于本机关")
    assert Petition.objects.get(pk=petition.pk).state == "organ_received"


def test_simplified_handling_working_days_and_conversion(register, act, organs):
    with time_machine.travel(dt.datetime(2025, 9, 30, 2, tzinfo=dt.UTC), tick=False):
        petition = to_received(register, act, organs, received_at=timezone.now())
        petition = act(
            petition,
            "simplify",
            "caseworker",
            likely_supported=True,
            no_statutory_procedure=True,
            single_responsible_body=True,
            no_conflict_of_interest=True,
        )
        assert petition.state == "simplified_handling"
        d = Deadline.objects.get(petition=petition, rule="D-SIMPLE-HANDLE-10WD", status="open")
        assert d.nominal_due == dt.date(2025, 10, 21)  # scenario S01
        petition = act(petition, "convert_to_ordinary", "caseworker", reason="可能不予支持")
        handle = Deadline.objects.get(petition=petition, rule="D-HANDLE-60", status="open")
        assert handle.start == dt.date(2025, 9, 30)  # counted from the original acceptance


SIMPLE = {
    "likely_supported": True,
    "no_statutory_procedure": True,
    "single_responsible_body": True,
    "no_conflict_of_interest": True,
}


def test_simplifying_keeps_the_petitioners_request_for_paper(register, act, organs):
    """R-101 (简易办法2016): the opinion may go by SMS only if the petitioner did not ask for paper.
    The request recorded at intake survives 简易办理 when the act does not mention it; an SMS
    delivery then needs its reason (422 paper_requested)."""
    asked = to_received(register, act, organs, paper_requested=True)
    asked = act(asked, "simplify", "caseworker", **SIMPLE)
    assert asked.paper_requested is True
    act(
        asked,
        "conclude",
        "caseworker",
        outcome="support",
        facts_and_reasons="经核实属实",
        opinion="予以支持",
        legal_basis="《信访工作条例》第三十二条",
    )
    act(asked, "sign_opinion", "organ_head")
    with pytest.raises(InvalidInput) as refused:
        act(asked, "deliver", "caseworker", method="sms", delivered_on=timezone.localdate().isoformat())
    assert (refused.value.code, refused.value.field) == ("paper_requested", "method_reason")
    from minsheng.workflow.services import PetitionerInput

    def someone(n: int) -> PetitionerInput:
        return PetitionerInput(name=f"赵{n}", phone=f"1370013700{n}", address="A市A3区洋湖街道")

    not_asked = to_received(register, act, organs, paper_requested=False, petitioner=someone(1))
    assert act(not_asked, "simplify", "caseworker", **SIMPLE).paper_requested is False
    told = to_received(register, act, organs, paper_requested=False, petitioner=someone(2))
    assert act(told, "simplify", "caseworker", **SIMPLE, paper_requested=True).paper_requested is True


def test_simplified_refused_for_collective_and_assigned(register, act, organs):
    petition = register(
        channel="visit", is_collective=True, persons_involved=12, representatives=[{"name": "甲"}]
    )
    act(petition, "assign", "dispatcher", organ_id=organs["a-housing"].pk, due_days=30)
    act(petition, "receive", "caseworker")
    with pytest.raises(InvalidInput):
        act(
            petition,
            "simplify",
            "caseworker",
            likely_supported=True,
            no_statutory_procedure=True,
            single_responsible_body=True,
            no_conflict_of_interest=True,
        )
    assert Deadline.objects.filter(petition=petition, rule="D-ASSIGNED", status="open").exists()


def test_suggestion_is_replied_without_sixty_day_clock(register, act, organs):
    petition = to_received(register, act, organs, nature="suggestion", title="建议增设公交站")
    act(petition, "accept", "caseworker")
    petition = act(petition, "reply_suggestion", "caseworker", outcome="adopted", reply="已采纳")
    assert petition.state == "suggestion_replied"
    assert not Deadline.objects.filter(petition=petition, rule="D-HANDLE-60").exists()


def test_redirect_records_external_limitation(register, act, organs):
    petition = to_received(register, act, organs)
    act(petition, "accept", "caseworker")
    known = (timezone.localdate() - dt.timedelta(days=50)).isoformat()
    petition = act(
        petition,
        "redirect",
        "caseworker",
        route="admin_procedure",
        target_procedure="行政复议",
        limitation="admin_review",
        known_date=known,
    )
    event = PetitionEvent.objects.filter(petition=petition, action="redirect").get()
    assert event.data["limitation_warning"] is True
    # the 60 days opened at acceptance and were cancelled by the Art. 31 route
    assert Deadline.objects.get(petition=petition, rule="D-HANDLE-60").status == "cancelled"


def test_final_matter_not_accepted_again_only_with_staff_confirmation(register, act, organs):
    first = to_received(register, act, organs)
    Petition.objects.filter(pk=first.pk).update(state="final")
    second = register()
    assert second.state == "registered"  # registered first (Art. 22), never silently refused
    with pytest.raises(InvalidInput):
        act(second, "not_accept", "dispatcher", reason="final_after_recheck")
    second = act(
        second, "not_accept", "dispatcher", reason="final_after_recheck", related_petition_id=first.pk
    )
    assert second.state == "not_accepted"
    assert second.related_petition_id == first.pk


def test_urgent_reported_at_once(register, organs):
    petition = register(is_urgent=True, title="有人扬言跳楼讨薪")
    assert petition.urgent_reported_at is not None
    event = PetitionEvent.objects.get(petition=petition, action="report_urgent")
    assert "A市人民政府" in event.data["reported_to"]
    assert OutboxMessage.objects.filter(petition=petition, kind="urgent").exists()


def test_skip_level_visit_flagged_and_guided(register, act, organs):
    petition = register(channel="visit", visited_organ_level_gap=2)
    assert petition.is_yueji
    # the clerk's gap does not decide: the city bureau is one level above a district (Art. 20(1))
    with pytest.raises(InvalidInput) as refused:
        act(petition, "not_accept", "dispatcher", reason="yueji", guidance_organ_id=organs["a5-gov"].pk)
    assert refused.value.field == "guidance_organ_id"
    with pytest.raises(InvalidInput) as missing:
        act(register(channel="visit"), "not_accept", "dispatcher", reason="yueji")
    assert missing.value.field == "guidance_organ_id"


def test_jurisdiction_dispute_resolved_by_common_superior(register, act, organs):
    petition = to_received(register, act, organs)
    petition = act(
        petition,
        "dispute_jurisdiction",
        "caseworker",
        reasons="涉及住建和城管",
        other_organ_ids=[organs["a-urban"].pk],
    )
    assert petition.state == "jurisdiction_dispute"
    petition = act(petition, "resolve_jurisdiction", "supervisor", organ_id=organs["a-urban"].pk)
    assert petition.state == "organ_received" and petition.current_organ == organs["a-urban"]


def test_mediation_settles(register, act, organs):
    petition = to_received(register, act, organs)
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    with pytest.raises(InvalidInput):
        act(petition, "start_mediation", "caseworker")
    act(petition, "start_mediation", "caseworker", both_parties_consent=True)
    petition = act(petition, "settle", "caseworker", agreement="双方达成和解协议")
    assert petition.state == "settled"


def test_recusal_declaration_required(register, act, organs):
    petition = to_received(register, act, organs)
    act(petition, "accept", "caseworker")
    with pytest.raises(InvalidInput) as info:
        act(petition, "start_handling", "caseworker")
    assert info.value.field == "no_conflict_of_interest"


def test_rating_unsatisfied_reaches_organ_head(register, act, organs, users):
    petition = to_received(register, act, organs)
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(petition, "conclude", "caseworker", **OPINION)
    act(petition, "sign_opinion", "organ_head")
    act(petition, "deliver", "caseworker", method="post")
    act(petition, "rate", None, value="unsatisfied", comment="没有解决")
    recipients = {m.recipient for m in OutboxMessage.objects.filter(petition=petition, kind="unsatisfied")}
    assert f"user:{users['organ_head'].pk}" in recipients
    with pytest.raises(InvalidInput):
        act(petition, "rate", None, value="satisfied")


def test_extension_refused_after_expiry(register, act, organs):
    petition = to_received(register, act, organs)
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    d = Deadline.objects.get(petition=petition, rule="D-HANDLE-60", status="open")
    past = timezone.localdate() - dt.timedelta(days=1)
    Deadline.objects.filter(pk=d.pk).update(
        nominal_due=past, statutory_due=past, start=past - dt.timedelta(days=60), is_provisional=False
    )
    with pytest.raises(InvalidInput):
        act(petition, "extend", "organ_head", days=10, reason="复杂")


def test_only_a_first_petition_is_simplified_as_far_as_the_organ_can_tell(register, act, organs):
    """简易办理 is for first petitions (C-SIMPLE). A repeat whose earlier petition the handling organ
    sees is refused naming is_first_time; one whose earlier petition went to another organ (hidden
    from this one) is first for it — a refusal would tell it the hidden petition exists."""
    first = to_received(register, act, organs)  # handled by a-housing, seen by its caseworker
    repeat = to_received(register, act, organs)
    assert (repeat.is_first_time, repeat.first_item_id) == (False, first.pk)
    with pytest.raises(InvalidInput) as refused:
        act(repeat, "simplify", "caseworker", **SIMPLE)
    assert refused.value.field == "is_first_time"
    assert Petition.objects.get(pk=repeat.pk).state == "organ_received"

    school = {
        "title": "学校食堂卫生差",
        "request": "请求整改食堂",
        "facts": "孩子所在学校的食堂饭菜多次出现异物。",
        "reasons": "危害学生健康。",
        "petitioner": PetitionerInput(name="王五", phone="13700137000"),
    }
    elsewhere = register(**school)
    act(elsewhere, "forward", "dispatcher", organ_id=organs["a-edu"].pk)
    hidden_repeat = to_received(register, act, organs, **school)
    assert (hidden_repeat.is_first_time, hidden_repeat.first_item_id) == (False, elsewhere.pk)
    assert act(hidden_repeat, "simplify", "caseworker", **SIMPLE).state == "simplified_handling"


def test_first_for_the_organ_counts_the_visible_earlier_items_of_the_matter_only(
    register, act, organs, users
):
    """The matter's chain: the first item went to another organ (hidden), the second and third to
    this one. The second is first as far as the organ can tell (the third came later); the third
    is not (the second is earlier and visible)."""
    from minsheng.petitions.selectors import first_time_for

    school = {
        "title": "学校食堂卫生差",
        "request": "请求整改食堂",
        "facts": "孩子所在学校的食堂饭菜多次出现异物。",
        "reasons": "危害学生健康。",
        "petitioner": PetitionerInput(name="王五", phone="13700137000"),
    }
    now = timezone.now()
    first = register(**school, received_at=now - dt.timedelta(days=3))
    act(first, "forward", "dispatcher", organ_id=organs["a-edu"].pk)
    second = to_received(register, act, organs, **school, received_at=now - dt.timedelta(days=2))
    third = to_received(register, act, organs, **school, received_at=now - dt.timedelta(days=1))
    assert (second.first_item_id, third.first_item_id) == (first.pk, first.pk)
    caseworker = users["caseworker"]
    assert first_time_for(caseworker, second) is True
    assert first_time_for(caseworker, third) is False
    assert first_time_for(users["dispatcher"], second) is False  # the bureau sees the first item
