"""Reply quality advice in the browser: the caseworker checks a draft of stock phrases on the draft
form, submits it anyway (advice never blocks), and the organ head sees the same advice on the
pending draft and on the sign-off form."""

from __future__ import annotations

from django.urls import reverse

from tests.browser.conftest import screenshot
from tests.browser.test_signoff_recusal import _in_handling
from tests.browser.test_workbench import login

STOCK = {
    "outcome": "support",
    "facts_and_reasons": "您反映的问题已收悉，我局高度重视。",
    "opinion": "已转有关部门调查处理，感谢您的监督！",
    "legal_basis": "根据有关规定",
}


def test_advice_on_the_draft_form_the_pending_draft_and_the_signoff(page, live_server, register, act, organs):
    petition = _in_handling(register, act, organs, title="幸福小区旁工地夜间施工噪音扰民")
    case_url = f"{live_server.url}{reverse('workbench:petition', args=[petition.pk])}"

    login(page, live_server, "caseworker")
    page.goto(case_url)
    page.click("[data-action=draft_opinion]")
    form = page.locator("#action-panel form.actionform")
    form.wait_for()
    for name, value in STOCK.items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator("button", has_text="检查答复质量").click()
    advice = form.locator(".reply-advice.has-findings")
    advice.wait_for()
    codes = list(advice.locator("li").evaluate_all("els => els.map(e => e.dataset.code)"))
    assert codes == ["off_topic", "stock_only", "missing_facts", "missing_basis"]
    assert "套话" in advice.inner_text()
    screenshot(page, "reply-advice-01-draft-form")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".pending-draft .reply-advice.has-findings").count() == 1

    login(page, live_server, "organ_head")
    page.goto(case_url)
    pending = page.locator(".pending-draft .reply-advice")
    assert "未写明查明的事实" in pending.inner_text()
    page.click("[data-action=sign_opinion]")
    signoff = page.locator("#action-panel form.actionform")
    signoff.wait_for()
    assert signoff.locator(".reply-advice li").count() == 4
    screenshot(page, "reply-advice-02-signoff")
    assert page.console_errors == []
