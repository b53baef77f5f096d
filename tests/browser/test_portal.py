"""The citizen portal end to end in headless Chromium: submit (both languages), track, rate, appeal.

The staff side is driven with the ``act`` fixture between browser steps. Every portal page is
scanned with axe-core (no serious or critical violations) and photographed at phone and desktop
width (test-artifacts/screenshots/portal-*.png).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from minsheng.notifications import sms
from minsheng.petitions.models import Petition
from minsheng.portal.tests.helpers import PDF, PNG
from tests.browser.conftest import axe_violations, screenshot, shows, submit

OPINION = {
    "outcome": "partial_support",
    "facts_and_reasons": "经现场核查，工地确有夜间施工行为。",
    "opinion": "责令施工单位停止夜间施工，夜间施工须经许可并公示。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
}


@pytest.fixture(autouse=True)
def _clean(settings: Any, tmp_path: Any) -> Iterator[None]:
    cache.clear()
    sms.sent_messages.clear()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield
    cache.clear()


def code_for(phone: str) -> str:
    for number, text in reversed(sms.sent_messages):
        if number == phone:
            match = re.search(r"\b(\d{6})\b", text)
            if match:
                return match.group(1)
    raise AssertionError(f"no code sent to {phone}")


def check(page: Any, name: str) -> None:
    """Screenshot plus axe-core: zero serious/critical violations, no console errors."""
    screenshot(page, name)
    violations = axe_violations(page)
    assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert page.console_errors == [], page.console_errors


def staff_deliver(petition: Petition, act: Any, organs: Any) -> None:
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(
        petition,
        "extend",
        "organ_head",
        days=15,
        reason="需要委托噪声检测",
        notified_at=timezone.now().isoformat(),
    )
    act(petition, "conclude", "caseworker", **OPINION)
    act(petition, "sign_opinion", "organ_head")
    act(petition, "deliver", "caseworker", method="post", delivered_on=timezone.localdate().isoformat())


def fill_matter(page: Any, *, title: str, nature_label: str) -> None:
    page.get_by_label(nature_label).check()
    page.fill("#id_title", title)
    page.fill("#id_facts", "幸福小区旁的工地连续一个月在夜间十一点后施工，噪音很大，多次打电话没有用。")
    page.fill("#id_request_text", "请求责令工地停止夜间施工。")
    page.fill("#id_reasons", "影响居民休息，违反噪声污染防治法。")
    page.select_option("#id_region", label="洋湖街道")
    page.fill("#id_place_text", "幸福小区3栋旁")


def fill_contact(page: Any, phone: str, name: str) -> None:
    page.fill("#id_name", name)
    page.fill("#id_phone", phone)
    submit(page, "button[value=send_code]")
    page.fill("#id_code", code_for(phone))
    page.fill("#id_address", "A市A3区洋湖街道幸福小区3栋")


def test_submit_track_rate_appeal_in_chinese(
    live_server: Any, page: Any, phone_page: Any, world: Any, act: Any, organs: Any
) -> None:
    base = live_server.url
    page.goto(base + "/")
    check(page, "portal-home-desktop")

    # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    submit(page, "text=提交信访事项")
    # Submitting empty shows an error summary whose links lead to the fields.
    submit(page, "button.button")
    # The click starts a navigation that may not have landed yet: wait for the answer page.
    page.wait_for_selector(".error-summary", state="visible", timeout=15_000)
    assert page.title().startswith("错误：")
    check(page, "portal-submit-errors-desktop")
    page.click(".error-summary a[href='#id_title']")
    assert page.evaluate("document.activeElement.id") == "id_title"

    fill_matter(page, title="小区旁工地夜间施工噪音扰民", nature_label="投诉或提出诉求（要求解决自己的问题）")
    check(page, "portal-submit-step1-desktop")
    submit(page, "button.button")

    fill_contact(page, "13900139001", "王五")
    check(page, "portal-submit-step2-desktop")
    submit(page, "button[value=continue]")

    assert shows(page, "可能由哪个机关办理")
    # Night-time construction noise: 环境保护 (噪声污染防治) or 城乡建设 (the works), both defensible.
    assert any(o in page.content() for o in ("A市生态环境局", "A市住房和城乡建设局", "A3区人民政府"))
    page.set_input_files(
        "#id_attachments",
        files=[
            {"name": "现场照片.png", "mimeType": "image/png", "buffer": PNG},
            {"name": "材料.pdf", "mimeType": "application/pdf", "buffer": PDF},
        ],
    )
    page.check("#id_truthful")
    page.check("#id_privacy")
    check(page, "portal-submit-step3-desktop")
    submit(page, "text=提交信访事项 >> nth=-1")

    code = page.inner_text("#tracking-code").strip()
    password = page.inner_text("#query-password").strip()
    assert re.fullmatch(r"\d{6}[A-Z2-9]{6}", code) and re.fullmatch(r"\d{6}", password)
    check(page, "portal-submit-done-desktop")
    petition = Petition.objects.get(tracking_code=code)
    assert petition.channel == "online" and petition.receiving_organ.code == "a-bureau"
    assert petition.attachments.count() == 2

    # Staff side: forward, accept, extend (with a reason), conclude and deliver.
    staff_deliver(petition, act, organs)

    # The petitioner tracks it on a phone, with code and password.
    phone_page.goto(base + "/track/")
    check(phone_page, "portal-track-phone")
    phone_page.fill("#id_tracking_code", code.lower())
    phone_page.fill("#id_password", password)
    submit(phone_page, "button.button")
    assert shows(phone_page, "已转送A市住房和城乡建设局办理")  # the detail has landed
    body = phone_page.content()
    for text in (
        "已转送A市住房和城乡建设局办理",
        "已受理",
        "办理期限延长15日",
        "需要委托噪声检测",
        "处理意见已送达",
    ):
        assert text in body, text
    assert "答复期限" in body and "日前" in body
    assert OPINION["opinion"] in body
    check(phone_page, "portal-track-detail-phone")

    # Rate: unsatisfied, with a comment.
    phone_page.get_by_role("group", name="您对办理结果满意吗？").get_by_label("不满意").check()
    phone_page.fill("#id_comment", "夜间仍有施工。")
    submit(phone_page, "text=提交评价")
    assert shows(phone_page, "谢谢您的评价")
    assert petition.ratings.get().value == "unsatisfied"

    # Appeal: request a review while the window is open.
    submit(phone_page, "a:has-text('申请复查')")
    assert shows(phone_page, "申请期限")
    check(phone_page, "portal-appeal-phone")
    phone_page.fill("#id_reasons", "处理意见没有落实，夜间仍在施工。")
    submit(phone_page, "text=提交申请")
    assert shows(phone_page, "您的申请已提交")
    petition.refresh_from_db()
    assert petition.state == "review_requested"
    assert shows(phone_page, "复查答复期限")

    # The printable opinion.
    page.goto(f"{base}/track/{code}/")
    submit(page, "text=打印版 >> nth=-1")
    assert shows(page, OPINION["legal_basis"])
    check(page, "portal-document-desktop")


def test_submit_in_english_and_recheck(
    live_server: Any, page: Any, phone_page: Any, world: Any, act: Any, organs: Any
) -> None:
    base = live_server.url
    phone_page.goto(base + "/")
    with phone_page.expect_navigation():  # the switch posts and reloads; wait, or the next step races it
        phone_page.click("button:has-text('English')")
    assert shows(phone_page, "Petition online")
    check(phone_page, "portal-home-en-phone")
    submit(phone_page, "text=Start now")
    fill_matter(
        phone_page,
        title="Night-time building work next to our estate",
        nature_label="A complaint or a claim (you want a problem of your own solved)",
    )
    check(phone_page, "portal-submit-step1-en-phone")
    submit(phone_page, "button.button")
    fill_contact(phone_page, "13900139002", "Li Lei")
    check(phone_page, "portal-submit-step2-en-phone")
    phone_page.press("#id_address", "Enter")  # keyboard: implicit submission continues
    assert shows(phone_page, "Who will probably handle it")
    phone_page.check("#id_truthful")
    phone_page.check("#id_privacy")
    check(phone_page, "portal-submit-step3-en-phone")
    submit(phone_page, "text=Submit a petition >> nth=-1")
    assert shows(phone_page, "Your petition has been submitted")
    code = phone_page.inner_text("#tracking-code").strip()
    password = phone_page.inner_text("#query-password").strip()
    check(phone_page, "portal-submit-done-en-phone")

    petition = Petition.objects.get(tracking_code=code)
    staff_deliver(petition, act, organs)

    # Track on the desktop in English: switch language first, then code + password.
    page.goto(base + "/track/")
    with page.expect_navigation():  # the switch posts and reloads; filling before it lands is lost
        page.click("button:has-text('English')")
    page.fill("#id_tracking_code", code)
    page.fill("#id_password", "000000")
    with page.expect_navigation():
        page.click("button.button")
    assert shows(page, "The tracking code or query password is wrong")
    check(page, "portal-track-error-en-desktop")
    page.fill("#id_tracking_code", code)
    page.fill("#id_password", password)
    submit(page, "button.button")
    assert shows(page, "Forwarded to") and shows(page, "Reply due")
    check(page, "portal-track-detail-en-desktop")

    page.get_by_role("group", name="Are you satisfied with how").get_by_label("Satisfied", exact=True).check()
    submit(page, "text=Send rating")
    assert shows(page, "Thank you for your rating")

    submit(page, "a:has-text('Request a review')")
    page.fill("#id_reasons", "The work continues at night.")
    submit(page, "text=Submit request")
    act(
        Petition.objects.get(pk=petition.pk),
        "conclude_review",
        "gov_head",
        method="online",
        delivered_on=timezone.localdate().isoformat(),
        **{**OPINION, "outcome": "upheld"},
    )
    page.goto(f"{base}/track/{code}/")
    assert shows(page, "Request a re-review")
    submit(page, "a:has-text('Request a re-review')")
    check(page, "portal-recheck-en-desktop")
    page.fill("#id_reasons", "I still disagree.")
    submit(page, "text=Submit request")
    petition.refresh_from_db()
    assert petition.state == "recheck_requested"
    assert shows(page, "Re-review requested")


@pytest.mark.parametrize("path", ["/guide/", "/legal/", "/faq/", "/privacy/", "/stats/", "/account/login/"])
def test_public_pages_are_accessible(
    live_server: Any, page: Any, phone_page: Any, world: Any, register: Any, act: Any, organs: Any, path: str
) -> None:
    if path == "/stats/":
        petition = register()
        staff_deliver(petition, act, organs)
        act(Petition.objects.get(pk=petition.pk), "rate", None, value="satisfied", comment="")
    name = path.strip("/").replace("/", "-") or "home"
    page.goto(live_server.url + path)
    check(page, f"portal-{name}-desktop")
    phone_page.goto(live_server.url + path)
    check(phone_page, f"portal-{name}-phone")
    if path == "/stats/":
        assert page.locator("#chart svg").count() == 1  # ECharts drew the chart
        assert page.locator("table.table-numbers tbody tr").count() == 12


def test_citizen_login_and_my_petitions(live_server: Any, page: Any, world: Any) -> None:
    base = live_server.url
    page.goto(base + "/account/login/")
    page.fill("#id_otp-phone", "13900139003")
    submit(page, "button[value=send_code]")
    page.fill("#id_otp-code", code_for("13900139003"))
    submit(page, "button[value=verify_code]")
    assert page.url.endswith("/account/")
    check(page, "portal-my-petitions-empty-desktop")
    submit(page, "text=提交新的信访事项")
    fill_matter(page, title="公司拖欠工资三个月", nature_label="投诉或提出诉求（要求解决自己的问题）")
    page.fill("#id_facts", "我在某公司工作，公司拖欠工资三个月。")
    submit(page, "button.button")
    page.fill("#id_name", "赵六")
    page.fill("#id_phone", "13900139003")
    submit(page, "button[value=continue]")  # phone verified at sign-in
    assert shows(page, "劳动争议仲裁")  # guidance to the legal channel, not a refusal
    check(page, "portal-submit-legal-guidance-desktop")
    page.check("#id_truthful")
    page.check("#id_privacy")
    submit(page, "text=提交信访事项 >> nth=-1")
    code = page.inner_text("#tracking-code").strip()
    page.goto(base + "/account/")
    assert shows(page, code)
    check(page, "portal-my-petitions-desktop")


def test_submit_page_weight(live_server: Any, page: Any, world: Any) -> None:
    sizes: dict[str, int] = {}

    def record(response: Any) -> None:
        try:
            sizes[response.url] = len(response.body())
        except Exception:  # redirects have no body
            sizes[response.url] = 0

    page.on("response", record)
    page.goto(live_server.url + "/submit/")
    page.wait_for_load_state("networkidle")
    total = sum(sizes.values())
    assert total <= 200 * 1024, sizes
    assert not any(url.endswith(".js") for url in sizes), sizes  # no script at all on the form
