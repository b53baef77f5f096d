"""Oversight rules of the statute through the HTTP API at fixed past dates (issue 16, scenario
suite): finality after 复核 (Arts. 36(3), 37(3)), jurisdiction disputes (Art. 24(1)), urgent
reports and 缓报 (Arts. 25, 46(4), 47), recusal (Art. 28(3)), sign-off (签发), supervision orders
(督办, Arts. 39–40), the delivery preference (R-101) and the 复查/复核 outcomes 维持/变更/撤销.

The matter of the main scenario (scenario_api.final_on_0915) is final on 2025-09-15. Dates (2025
calendar: 国庆/中秋 10-01…08, make-up working days Sun 09-28 and Sat 10-11), checked with
``minsheng deadline RULE --from DATE``:

- D-SUPERVISION-FEEDBACK from an order issued 04-15 → 05-15 (Thu); from 04-20 (Sun) → 05-20 (Tue).
- D-REVIEW-30 from 07-01 → 07-31; D-RECHECK-REQ-30 from a 复查 delivered 07-28 → 08-27.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from minsheng.orgs.models import Role, StaffMembership
from minsheng.workflow.models import FollowUpTask
from minsheng.workflow.tests.scenario_api import (
    OPINION,
    PASSWORD,
    Office,
    accepted_on_0401,
    at,
    delivered_on_0609,
    final_on_0915,
    moment,
    notices,
)

pytestmark = pytest.mark.django_db


OFFICE_START = at("2025-03-01", 8)  # the office fixture (conftest.py) starts its clock here


def _page(user: Any, url: str) -> str:
    page = Client()  # the workbench, in a session of its own
    page.force_login(user)
    response = page.get(url)
    assert response.status_code == 200, url
    return str(response.content.decode())


# ---- finality (Arts. 36(3), 37(3))


def test_a_repeat_after_recheck_gets_a_no_reaccept_notice_and_a_follow_up_task(
    office: Office, organs: Any, users: Any
) -> None:
    final = final_on_0915(office, organs, region_code="439904")  # 幸福小区, A3区
    repeat = office.register(at("2025-10-20", 9, 30), region_code="439904")
    # a matter not final is no ground (Art. 36(3) speaks of a matter final after 复核)
    pending = office.register(at("2025-10-20", 10))
    office.refuse(
        "dispatcher", repeat, "not_accept", "2025-10-21", status=422, code="invalid",
        field="related_petition_id", reason="final_after_recheck", related_petition_id=pending,
    )  # fmt: skip
    office.act(
        "dispatcher",
        repeat,
        "not_accept",
        "2025-10-21",
        reason="final_after_recheck",
        related_petition_id=final,
        explanation="同一事实和理由，已经复核终结",
    )
    detail = office.detail(repeat)
    assert detail["state"] == "not_accepted"
    # its own notice: 不再受理告知书 (numbers 不再受字), not the 不予受理 template
    assert notices(repeat) == ["no_reaccept_notice"]
    (refused,) = office.events(repeat, "not_accept")
    assert refused["data"]["related_petition_id"] == final
    # Art. 37(3): 疏导教育、矛盾化解、帮扶救助 by the government of the petitioner's place
    (task,) = detail["follow_up_tasks"]
    assert task["organ"] == "A3区人民政府" and task["done_at"] is None
    assert moment(task["created_at"]) == at("2025-10-21")
    assert refused["data"]["follow_up_organ"] == "A3区人民政府"
    assert FollowUpTask.objects.get(petition_id=repeat).final_petition_id == final
    page = _page(users["dispatcher"], f"/workbench/petition/{repeat}/")
    assert "疏导教育、矛盾化解、帮扶救助" in page and "条例第三十七条第三款" in page
    assert task["kind"] == "counselling" and not task["overdue"] and not task["superseded"]
    assert not [r for r in detail["deadlines"] if r["status"] == "open"]


# ---- jurisdiction disputes (Art. 24(1))


def _at_housing(office: Office, organs: Any) -> int:
    pk = office.register(at("2025-03-24", 9, 30))
    office.act("dispatcher", pk, "forward", "2025-03-26", organ_id=organs["a-housing"].pk)
    office.act("caseworker", pk, "receive", "2025-03-28")
    return pk


def test_a_dispute_between_two_departments_is_decided_by_their_common_superior(
    office: Office, organs: Any
) -> None:
    pk = _at_housing(office, organs)
    office.refuse(
        "caseworker", pk, "dispute_jurisdiction", "2025-03-31", status=422, code="required",
        field="other_organ_ids", reasons="涉及城管",
    )  # fmt: skip
    office.act(
        "caseworker",
        pk,
        "dispute_jurisdiction",
        "2025-03-31",
        reasons="涉及城管",
        other_organ_ids=[organs["a-urban"].pk],
    )
    (dispute,) = office.events(pk, "dispute_jurisdiction")
    assert (dispute["data"]["resolver_organ_id"], dispute["data"]["resolver_basis"]) == (
        organs["a-gov"].pk,
        "common_superior",
    )
    # the outer clock keeps running (no deadline of its own)
    assert office.dues(pk, "D-NOTICE-15") == ("2025-03-28", "2025-04-12", "2025-04-14", "open")
    assert "resolve_jurisdiction" in office.actions(pk, "supervisor")
    assert "resolve_jurisdiction" not in office.actions(pk, "dispatcher")
    office.refuse(
        "dispatcher", pk, "resolve_jurisdiction", "2025-04-02", status=403, code="not_dispute_resolver",
        organ_id=organs["a-urban"].pk,
    )  # fmt: skip
    office.act("supervisor", pk, "resolve_jurisdiction", "2025-04-02", organ_id=organs["a-urban"].pk)
    detail = office.detail(pk, "supervisor")
    assert detail["state"] == "organ_received" and detail["current_organ"]["id"] == organs["a-urban"].pk


def test_a_dispute_with_a_court_goes_to_the_joint_conference(office: Office, organs: Any) -> None:
    pk = _at_housing(office, organs)
    office.act(
        "caseworker",
        pk,
        "dispute_jurisdiction",
        "2025-03-31",
        reasons="涉及判决执行",
        other_organ_ids=[organs["a-court"].pk],
    )
    (dispute,) = office.events(pk, "dispute_jurisdiction")
    assert (dispute["data"]["resolver_organ_id"], dispute["data"]["resolver_basis"]) == (
        organs["a-joint"].pk,
        "joint_conference",
    )
    # the city government is no superior of the court: not offered, refused
    assert "resolve_jurisdiction" not in office.actions(pk, "supervisor")
    office.refuse(
        "supervisor", pk, "resolve_jurisdiction", "2025-04-03", status=403, code="not_dispute_resolver",
        organ_id=organs["a-housing"].pk,
    )  # fmt: skip
    assert "resolve_jurisdiction" in office.actions(pk, "joint_office")
    office.act("joint_office", pk, "resolve_jurisdiction", "2025-04-03", organ_id=organs["a-housing"].pk)
    assert office.state(pk, "caseworker") == "organ_received"


# ---- urgent reports and 缓报 (Arts. 25, 46(4), 47)

FIXED_RECIPIENTS = {
    "party_committee": "中共A市委员会",
    "government": "A市人民政府",
    "joint_conference": "A市信访工作联席会议",
    "higher_level_bureau": "西地省信访局",
}


@pytest.mark.parametrize(
    ("reported", "late"), [("2025-05-12T10:59:00+08:00", False), ("2025-05-12T11:01:00+08:00", True)]
)
def test_an_urgent_report_entered_later_is_judged_at_the_time_it_was_made(
    office: Office, organs: Any, reported: str, late: bool
) -> None:
    pk = office.register(at("2025-05-12", 9), title="工人聚集讨薪，有人扬言跳楼", request="请求支付拖欠工资")
    office.act("dispatcher", pk, "report_urgent", reported, note="已电话报告")
    detail = office.detail(pk)
    assert detail["is_urgent"] is True
    assert moment(detail["urgent_reported_at"]) == moment(reported)
    assert detail["urgent_report_late"] is late  # MINSHENG_URGENT_REPORT_HOURS = 2 after receipt (09:00)
    (event,) = office.events(pk, "report_urgent")
    roles = {r["role"]: r["organ"] for r in event["data"]["recipients"]}
    assert FIXED_RECIPIENTS.items() <= roles.items() and "competent_department" in roles
    assert {moment(r["reported_at"]) for r in event["data"]["recipients"]} == {moment(reported)}
    assert event["data"]["late"] is late
    assert (event["data"].get("article") == "Art.46(4)") is late


def test_an_urgent_registration_entered_at_once_is_reported_at_once(office: Office, organs: Any) -> None:
    pk = office.register(
        at("2025-05-12", 9),
        entered=at("2025-05-12", 9, 40),
        is_urgent=True,
        title="村民聚集堵路",
        request="请求处理征地补偿",
    )
    detail = office.detail(pk)
    assert moment(detail["urgent_reported_at"]) == at("2025-05-12", 9, 40)
    assert detail["urgent_report_late"] is False


# ---- recusal (Art. 28(3))


def _second_caseworker(organs: Any) -> Any:
    user = get_user_model().objects.create_user("housing_cw2", password=PASSWORD)
    StaffMembership.objects.create(user=user, organ=organs["a-housing"], role=Role.CASEWORKER)
    return user


def test_a_declared_conflict_blocks_that_person_until_another_is_assigned(
    office: Office, organs: Any, users: Any
) -> None:
    other = _second_caseworker(organs)
    pk = accepted_on_0401(office, organs)
    # starting the investigation needs the declaration of no conflict
    office.refuse(
        "caseworker",
        pk,
        "start_handling",
        "2025-04-03",
        status=422,
        code="invalid",
        field="no_conflict_of_interest",
    )
    office.act("caseworker", pk, "start_handling", "2025-04-03", no_conflict_of_interest=True)
    office.act("caseworker", pk, "draft_opinion", "2025-04-07", **OPINION)
    office.act("caseworker", pk, "declare_conflict", "2025-04-08", reason="信访人系本人表兄")
    (declared,) = office.events(pk, "declare_conflict")
    assert declared["data"]["caseworker_released"] is True and declared["data"]["drafts_withdrawn"] == 1
    # he still reads it, but may do nothing on it; nor may he be assigned again
    assert office.actions(pk, "caseworker") == set()
    office.refuse("caseworker", pk, "note", "2025-04-09", status=403, code="recused", field="actor", text="x")
    office.refuse(
        "organ_head", pk, "sign_opinion", "2025-04-09", status=422, code="invalid", field="draft_id"
    )  # the draft was withdrawn
    office.refuse(
        "organ_head", pk, "assign_caseworker", "2025-04-09", status=422, code="invalid", field="user_id",
        user_id=users["caseworker"].pk,
    )  # fmt: skip
    office.act("organ_head", pk, "assign_caseworker", "2025-04-09", user_id=other.pk)
    office.act("housing_cw2", pk, "conclude", "2025-04-20", **OPINION)
    office.act("organ_head", pk, "sign_opinion", "2025-04-21")
    assert office.state(pk) == "concluded"
    # the 60 days ran on from acceptance throughout
    handle = office.deadline(pk, "D-HANDLE-60")
    assert (handle["start"], handle["status"]) == ("2025-04-01", "met")


# ---- sign-off (签发)


def test_an_opinion_is_issued_only_when_the_head_or_a_delegate_signs(
    office: Office, organs: Any, users: Any
) -> None:
    pk = accepted_on_0401(office, organs)
    office.act("caseworker", pk, "start_handling", "2025-04-10", no_conflict_of_interest=True)
    office.act("caseworker", pk, "conclude", "2025-05-20", **OPINION)
    assert office.state(pk) == "in_handling" and notices(pk) == ["accept_notice"]
    assert "sign_opinion" in office.actions(pk, "organ_head")
    assert "sign_opinion" not in office.actions(pk, "caseworker")
    inbox = _page(users["organ_head"], "/workbench/inbox/signoff/")
    assert "待签发" in inbox and office.detail(pk)["tracking_code"] in inbox
    office.refuse(
        "organ_head", pk, "return_draft", "2025-05-21", status=422, code="required", field="comment"
    )
    office.act("organ_head", pk, "return_draft", "2025-05-21", comment="法律依据请写明条款")
    office.refuse(
        "organ_head", pk, "sign_opinion", "2025-05-22", status=422, code="invalid", field="draft_id"
    )
    office.act("caseworker", pk, "conclude", "2025-05-26", **OPINION)
    # a delegate named in the organ's settings signs in the head's stead
    deputy = get_user_model().objects.create_user("housing_deputy", password=PASSWORD)
    StaffMembership.objects.create(user=deputy, organ=organs["a-housing"], role=Role.CASEWORKER)
    office.refuse(
        "housing_deputy", pk, "sign_opinion", "2025-05-27", status=403, code="not_signer", field="actor"
    )
    organs["a-housing"].signoff_delegates.add(deputy)
    office.refuse("hrss_head", pk, "sign_opinion", "2025-05-27", status=404, code="not_found")
    office.act("housing_deputy", pk, "sign_opinion", "2025-05-27")
    detail = office.detail(pk)
    assert detail["state"] == "concluded" and moment(detail["concluded_at"]) == at("2025-05-27")
    (signed,) = office.events(pk, "sign_opinion")
    assert notices(pk) == ["accept_notice", "handling_opinion"]
    handle = office.deadline(pk, "D-HANDLE-60")
    assert handle["status"] == "met" and moment(handle["met_at"]) == at("2025-05-27")
    assert signed["actor"] == "housing_deputy"


# ---- supervision orders (督办, Arts. 39–40)


def test_a_manual_supervision_order_is_listed_read_and_answered_with_its_feedback_due(
    office: Office, organs: Any
) -> None:
    pk = accepted_on_0401(office, organs)
    office.refuse(
        "supervisor", pk, "supervise", "2025-04-15", status=422, code="invalid", field="feedback_due",
        kind="ordinary", suggestion="请加快办理", feedback_due="2025-04-14",
    )  # fmt: skip
    office.act("supervisor", pk, "supervise", "2025-04-15", kind="ordinary", suggestion="请加快办理")
    office.act(
        "supervisor",
        pk,
        "supervise",
        "2025-04-20",
        kind="yellow",
        suggestion="再次督办",
        feedback_due="2025-04-30",
    )
    office.enter_on(at("2025-05-06", 10))
    listed = office.client.get(
        "/api/v1/supervision-orders", {"petition_id": pk}, **office.auth("supervisor")
    ).json()
    orders = {o["kind"]: o for o in listed["results"]}
    assert orders["ordinary"]["feedback_due"] == "2025-05-15"  # D-SUPERVISION-FEEDBACK from 04-15
    assert orders["yellow"]["feedback_due"] == "2025-04-30"  # set by the issuer
    assert (orders["ordinary"]["status"], orders["yellow"]["status"]) == ("open", "overdue")
    assert orders["ordinary"]["origin"] == "manual"
    one = office.client.get(
        f"/api/v1/supervision-orders/{orders['yellow']['id']}", **office.auth("caseworker")
    ).json()
    assert one["can_answer"] is True and one["target_organ"]["id"] == organs["a-housing"].pk
    response = office.client.post(
        f"/api/v1/supervision-orders/{orders['yellow']['id']}/feedback",
        json.dumps({"feedback": "已于5月6日完成现场核查。"}),
        content_type="application/json",
        **office.auth("caseworker"),
    )
    assert response.status_code == 200, response.content
    answered = response.json()
    assert answered["status"] == "answered" and answered["feedback_late"] is True
    assert moment(answered["feedback_at"]) == at("2025-05-06", 10)
    response = office.client.post(
        f"/api/v1/supervision-orders/{orders['yellow']['id']}/feedback",
        json.dumps({"feedback": "再答"}),
        content_type="application/json",
        **office.auth("caseworker"),
    )
    assert response.status_code == 422 and response.json()["field"] == "order_id"
    assert [e["data"]["order_id"] for e in office.events(pk, "supervision_feedback")] == [
        orders["yellow"]["id"]
    ]


# ---- delivery preference (简易办法2016 [S], R-101)


def _concluded(office: Office, organs: Any, **fields: Any) -> int:
    pk = accepted_on_0401(office, organs, **fields)
    office.act("caseworker", pk, "start_handling", "2025-04-10", no_conflict_of_interest=True)
    office.act("organ_head", pk, "conclude", "2025-05-20", **OPINION)
    return pk


def test_paper_asked_for_means_sms_only_with_a_recorded_reason(office: Office, organs: Any) -> None:
    pk = _concluded(office, organs)  # registered with paper_requested (the default)
    office.refuse(
        "caseworker", pk, "deliver", "2025-05-22", status=422, code="paper_requested", field="method_reason",
        method="sms", delivered_on="2025-05-22",
    )  # fmt: skip
    office.act(
        "caseworker",
        pk,
        "deliver",
        "2025-05-22",
        method="sms",
        delivered_on="2025-05-22",
        method_reason="邮寄两次被退回",
    )
    (delivered,) = office.events(pk, "deliver")
    assert delivered["data"]["method_reason"] == "邮寄两次被退回"
    assert office.dues(pk, "D-REVIEW-REQ-30") == ("2025-05-22", "2025-06-21", "2025-06-23", "open")


def test_no_paper_asked_for_sms_needs_no_reason(office: Office, organs: Any) -> None:
    pk = _concluded(office, organs, paper_requested=False)
    office.act("caseworker", pk, "deliver", "2025-05-22", method="sms", delivered_on="2025-05-22")
    assert office.state(pk) == "delivered"


# ---- 复查/复核 outcomes: 维持 / 变更 / 撤销 the opinion under review (Arts. 35–36)


@pytest.mark.parametrize("outcome", ["upheld", "changed", "revoked"])
def test_review_and_recheck_decide_on_the_opinion_under_review(
    office: Office, organs: Any, outcome: str
) -> None:
    pk = delivered_on_0609(office, organs)
    office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-07-01")
    answer = {**OPINION, "outcome": outcome, "method": "in_person", "delivered_on": "2025-07-28"}
    office.refuse(
        "gov_head", pk, "conclude_review", "2025-07-28", status=422, code="invalid", field="outcome",
        **{**answer, "outcome": "not_support"},
    )  # fmt: skip
    office.refuse(
        "gov_head", pk, "conclude_review", "2025-07-28", status=422, code="required", field="facts_and_reasons",
        **{**answer, "facts_and_reasons": ""},
    )  # fmt: skip
    office.act("gov_head", pk, "conclude_review", "2025-07-28", **answer)
    (review,) = office.events(pk, "conclude_review", "registrar")
    assert review["data"]["outcome"] == outcome and "复查字" in review["data"]["number"]
    assert office.dues(pk, "D-RECHECK-REQ-30", "registrar") == (
        "2025-07-28",
        "2025-08-27",
        "2025-08-27",
        "open",
    )
    office.act("registrar", pk, "request_recheck", "2025-08-20", received_on="2025-08-20")
    recheck = {**answer, "delivered_on": "2025-09-15"}
    office.refuse(
        "province_head", pk, "conclude_recheck", "2025-09-15", status=422, code="invalid", field="outcome",
        **{**recheck, "outcome": "support"},
    )  # fmt: skip
    office.act("province_head", pk, "conclude_recheck", "2025-09-15", **recheck)
    (final,) = office.events(pk, "conclude_recheck", "registrar")
    assert final["data"]["outcome"] == outcome and "复核字" in final["data"]["number"]
    assert office.state(pk, "registrar") == "final"
