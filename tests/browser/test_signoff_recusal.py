"""Through the workbench UI: 签发 (a caseworker's opinion waits under 待签发 until the organ head
signs it), 回避 (Art. 28(3): the recused caseworker is refused, the head assigns another who
proceeds), and a back-dated acceptance (办理时间, 补录原因) whose 60-day clock runs from its date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from minsheng.orgs.models import Role, StaffMembership
from minsheng.workflow.models import Deadline, Opinion, OpinionDraft
from tests.browser.conftest import screenshot
from tests.browser.test_workbench import PASSWORD, do, login

OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经现场核查，工地确有夜间施工行为。",
    "opinion": "责令施工单位停止夜间施工。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
}


def _in_handling(register: Any, act: Any, organs: Any, **overrides: Any) -> Any:
    petition = register(**overrides)
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    return act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)


def test_caseworker_drafts_and_the_head_signs_under_pending_signoff(page, live_server, register, act, organs):
    petition = _in_handling(register, act, organs, title="工地夜间施工噪音（待签发）")
    case_url = f"{live_server.url}{reverse('workbench:petition', args=[petition.pk])}"

    login(page, live_server, "caseworker")
    page.goto(case_url)
    do(page, "draft_opinion", OPINION)  # 报送机关负责人签发 is ticked by default
    assert page.locator(".pending-draft").count() == 1
    assert page.locator("[data-action=sign_opinion]").count() == 0  # the caseworker cannot sign

    login(page, live_server, "organ_head")
    nav = page.locator("nav a", has_text="待签发")
    assert nav.locator(".count").inner_text() == "1"
    nav.click()
    page.wait_for_url("**/workbench/inbox/signoff/")
    assert page.locator("text=工地夜间施工噪音（待签发）").count() >= 1
    screenshot(page, "signoff-01-pending-inbox")
    page.goto(case_url)
    do(page, "sign_opinion", {"comment": "同意签发"})
    opinion = Opinion.objects.get(petition=petition)
    card = page.locator("#signoff-card")
    assert "已签发" in card.inner_text() and opinion.number in card.inner_text()
    assert page.locator(".badge", has_text="已办结").count() >= 1
    screenshot(page, "signoff-02-signed")
    assert OpinionDraft.objects.get(petition=petition).status == "signed"
    assert page.console_errors == []


def test_recused_caseworker_is_refused_and_another_proceeds(page, live_server, register, act, organs):
    other = get_user_model().objects.create_user("caseworker2", password=PASSWORD, first_name="林承办")
    StaffMembership.objects.create(user=other, organ=organs["a-housing"], role=Role.CASEWORKER)
    petition = _in_handling(register, act, organs)
    case_url = f"{live_server.url}{reverse('workbench:petition', args=[petition.pk])}"

    login(page, live_server, "caseworker")
    page.goto(case_url)
    do(page, "declare_conflict", {"reason": "信访人是本人的表兄，有直接利害关系"})
    page.wait_for_selector("#recused-notice", state="visible", timeout=15_000)
    assert page.locator("[data-action]").count() == 0  # every action button is gone
    # Trying anyway (an old link to the form): refused, naming the rule.
    page.goto(f"{live_server.url}{reverse('workbench:action', args=[petition.pk, 'draft_opinion'])}")
    for name, value in OPINION.items():
        field = page.locator(f"form.actionform [name={name}]")
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.click("form.actionform button[type=submit]")
    page.wait_for_selector("form.actionform .error")
    assert "第二十八条第三款" in page.inner_text("form.actionform .error")
    screenshot(page, "recusal-01-refused")
    assert not OpinionDraft.objects.filter(petition=petition).exists()

    login(page, live_server, "organ_head")
    page.goto(case_url)
    page.click("[data-action=assign_caseworker]")
    page.locator("#action-panel select[name=user_id]").wait_for()  # the panel arrives by htmx
    options = page.locator("#action-panel select[name=user_id] option").all_inner_texts()
    assert any("林承办" in o for o in options)  # the list is there ...
    assert not any("张承办" in o for o in options)  # the recused caseworker is not offered
    page.click("[data-close-panel]")
    do(page, "assign_caseworker", {"user_id": str(other.pk)})
    assert "林承办" in page.inner_text(".keyfacts")

    login(page, live_server, "caseworker2")
    page.goto(case_url)
    do(page, "conclude", OPINION)
    draft = OpinionDraft.objects.get(petition=petition, status="pending")
    assert draft.drafted_by == other
    screenshot(page, "recusal-02-other-caseworker-proceeds")
    assert page.console_errors == []


def test_back_dated_acceptance_counts_sixty_days_from_its_date(page, live_server, register, act, organs):
    now = timezone.now()
    petition = register(received_at=now - dt.timedelta(days=25), title="补录的来信")
    act(
        petition,
        "forward",
        "dispatcher",
        organ_id=organs["a-housing"].pk,
        occurred_at=(now - dt.timedelta(days=23)).isoformat(),
        late_reason="纸质件补录",
    )
    act(
        petition,
        "receive",
        "caseworker",
        occurred_at=(now - dt.timedelta(days=22)).isoformat(),
        late_reason="纸质件补录",
    )
    case_url = f"{live_server.url}{reverse('workbench:petition', args=[petition.pk])}"
    day = timezone.localdate() - dt.timedelta(days=20)

    login(page, live_server, "caseworker")
    page.goto(case_url)
    page.click("[data-action=accept]")
    form = page.locator("#action-panel form.actionform")
    form.wait_for()
    assert form.locator("label", has_text="办理时间").count() == 1
    assert form.locator("label", has_text="补录原因").count() == 1
    form.locator("[name=occurred_at]").fill(f"{day.isoformat()}T10:00")
    form.locator("[name=late_reason]").fill("受理告知书已于当日寄出，系统补录")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.wait_for_load_state()

    clock = Deadline.objects.get(petition=petition, rule="D-HANDLE-60")
    assert clock.start == day and (clock.nominal_due - day).days == 60
    row = page.locator("#h-deadlines ~ table tr", has_text=clock.statutory_due.isoformat())
    assert row.count() == 1 and day.isoformat() in row.inner_text()
    assert page.locator(".timeline .flag", has_text="补录").count() >= 1
    screenshot(page, "backdated-01-acceptance")
    assert page.console_errors == []


REVIEW = {
    "outcome": "upheld",
    "facts_and_reasons": "原处理意见认定事实清楚，适用依据正确。",
    "opinion": "维持原处理意见。",
    "legal_basis": "《信访工作条例》第三十五条",
}


def test_review_opinion_drafted_and_signed_under_pending_signoff(page, live_server, register, act, organs):
    """复查 (Art. 35): a caseworker of the reviewing organ drafts (维持/变更/撤销 only), the organ's
    head signs under 待签发, and signing issues and delivers the 复查意见书."""
    reviewer = get_user_model().objects.create_user("gov_caseworker", password=PASSWORD, first_name="赵复查")
    StaffMembership.objects.create(user=reviewer, organ=organs["a-gov"], role=Role.CASEWORKER)
    petition = _in_handling(register, act, organs, title="工地夜间施工噪音（复查待签发）")
    act(petition, "conclude", "caseworker", **OPINION)
    act(petition, "sign_opinion", "organ_head")
    act(petition, "deliver", "caseworker", method="post")
    petition = act(petition, "request_review", "registrar")
    case_url = f"{live_server.url}{reverse('workbench:petition', args=[petition.pk])}"

    login(page, live_server, "gov_caseworker")
    page.goto(case_url)
    page.click("[data-action=draft_opinion]")
    page.locator("#action-panel select[name=outcome]").wait_for()  # the panel arrives by htmx
    outcomes = page.locator("#action-panel select[name=outcome] option").evaluate_all(
        "options => options.map(o => o.value).filter(Boolean)"
    )
    assert sorted(outcomes) == ["changed", "revoked", "upheld"]  # never 支持/不支持 at 复查
    page.click("[data-close-panel]")
    do(page, "draft_opinion", REVIEW)
    assert page.locator(".pending-draft").count() == 1
    assert page.locator("[data-action=sign_opinion]").count() == 0

    login(page, live_server, "gov_head")
    nav = page.locator("nav a", has_text="待签发")
    assert nav.locator(".count").inner_text() == "1"
    nav.click()
    page.wait_for_url("**/workbench/inbox/signoff/")
    assert page.locator("text=工地夜间施工噪音（复查待签发）").count() >= 1
    page.goto(case_url)
    do(page, "sign_opinion", {"comment": "同意", "method": "post"})
    petition.refresh_from_db()
    assert petition.state == "review_concluded"
    opinion = Opinion.objects.get(petition=petition, stage="review")
    assert opinion.issued_by == reviewer and opinion.signed_by.get_username() == "gov_head"
    assert opinion.number in page.inner_text("body")
    screenshot(page, "signoff-03-review-signed")
    assert page.console_errors == []
