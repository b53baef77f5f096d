"""Every portal view and permission, through Django's test client."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from minsheng.notifications.models import OutboxMessage
from minsheng.petitions.models import Attachment, Petition
from minsheng.portal.tests.helpers import MATTER, PDF, PNG, last_code, submit_petition
from minsheng.workflow.models import Rating

pytestmark = pytest.mark.django_db

OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经现场核查，工地确有夜间施工行为。",
    "opinion": "责令施工单位停止夜间施工。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
}


def deliver(petition: Any, act: Any, organs: Any) -> Any:
    """Staff side: forward, receive, accept, handle, conclude and deliver the opinion today."""
    password = petition.query_password
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(petition, "conclude", "caseworker", **OPINION)
    petition = act(
        petition, "deliver", "caseworker", method="online", delivered_on=timezone.localdate().isoformat()
    )
    petition.query_password = password
    return petition


def tracked_client(petition: Any) -> Client:
    client = Client()
    response = client.post(
        "/track/", {"tracking_code": petition.tracking_code, "password": petition.query_password}
    )
    assert response.status_code == 302
    return client


# ---- public pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", "/guide/", "/legal/", "/faq/", "/privacy/", "/stats/", "/track/", "/submit/"]
)
def test_public_pages_render_in_both_languages(client: Client, world: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert 'lang="zh-CN"' in response.content.decode()
    client.cookies["django_language"] = "en"
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="en"' in body
    assert "简体中文" in body  # the switch back
    assert "Skip to main content" in body


def test_guide_lists_reception_hours_from_organs(client: Client, world: Any) -> None:
    body = client.get("/guide/").content.decode()
    assert "A市人民路88号市民之家二楼" in body
    assert "每月15日市领导接访日" in body


def test_stats_show_rates(client: Client, register: Any, act: Any, organs: Any) -> None:
    petition = deliver(register(), act, organs)
    act(petition, "rate", None, value="satisfied", comment="")
    body = client.get("/stats/").content.decode()
    assert "100.0%" in body  # one rating, satisfied
    assert "echarts.min.js" in body
    assert "<table" in body
    data = client.get("/stats.json").json()
    assert data["satisfaction_rate"] == 1.0


def test_language_switch_posts_to_setlang(client: Client, world: Any) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/track/"})
    assert response.status_code == 302
    assert "Track your petition" in client.get("/track/").content.decode()


# ---- submission -----------------------------------------------------------------------------


def test_full_submission_registers_online_at_city_bureau(
    client: Client, world: Any, organs: Any, django_capture_on_commit_callbacks: Any
) -> None:
    region = organs["a3-gov"].region
    with django_capture_on_commit_callbacks(execute=True):
        code, password = submit_petition(
            client,
            region=str(region.pk),
            files=[
                SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
                SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf"),
            ],
        )
    petition = Petition.objects.get(tracking_code=code)
    assert petition.channel == "online"
    assert petition.receiving_organ.code == "a-bureau"
    assert petition.state == "registered"
    assert petition.request == MATTER["request_text"]
    assert petition.facts == MATTER["facts"]
    assert petition.reasons == MATTER["reasons"]
    assert petition.region == region
    assert petition.petitioner is not None and petition.petitioner.phone == "13900139000"
    assert petition.petitioner.phone_verified_at is not None
    assert petition.suggestions["portal"]["category"]  # classifier or keyword guess
    assert petition.suggestions["portal"]["source"] in ("classifier", "keywords")
    assert sorted(a.content_type for a in petition.attachments.all()) == ["application/pdf", "image/png"]
    done = client.get("/submit/done/").content.decode()
    assert code in done and password in done
    message = OutboxMessage.objects.filter(kind="query_password").get()
    assert message.recipient == "13900139000" and message.status == "sent"
    from minsheng.notifications import sms

    assert any(number == "13900139000" and password in text for number, text in sms.sent_messages)
    # The submitter's browser may follow the case straight away.
    assert client.get(f"/track/{code}/").status_code == 200


def test_confirm_step_suggests_organ_and_guides_to_legal_channels(client: Client, world: Any) -> None:
    client.post(
        "/submit/",
        {
            **MATTER,
            "title": "公司拖欠工资三个月",
            "facts": "我在某公司工作，公司拖欠工资三个月，还要求我辞职。",
            "request_text": "请求帮助追回欠薪。",
        },
    )
    client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "send_code"})
    client.post(
        "/submit/contact/",
        {"name": "王五", "phone": "13900139000", "code": last_code("13900139000"), "action": "continue"},
    )
    body = client.get("/submit/confirm/").content.decode()
    assert "A市人力资源和社会保障局" in body
    assert "劳动争议仲裁" in body and "1年" in body
    assert "可能" in body  # honest: a guess


def test_matter_errors_are_summarised_with_links(client: Client, world: Any) -> None:
    response = client.post("/submit/", {"nature": "", "title": "", "facts": "x", "request_text": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in body
    assert 'href="#id_title"' in body and 'href="#id_nature_0"' in body
    assert 'aria-invalid="true"' in body
    assert "<title>错误：" in body


def test_accused_organ_only_for_accusations(client: Client, organs: Any) -> None:
    response = client.post("/submit/", {**MATTER, "accused_organ": str(organs["a-housing"].pk)})
    assert "只有检举控告才填写被检举控告的单位" in response.content.decode()


def test_phone_must_be_verified(client: Client, world: Any) -> None:
    client.post("/submit/", MATTER)
    response = client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "continue"})
    assert "请先获取并填写短信验证码" in response.content.decode()
    client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "send_code"})
    response = client.post(
        "/submit/contact/", {"name": "王五", "phone": "13900139000", "code": "000000", "action": "continue"}
    )
    assert "验证码不正确" in response.content.decode() or last_code("13900139000") == "000000"
    # Skipping the contact step is not possible either.
    assert client.get("/submit/confirm/").status_code == 302


def test_otp_is_locked_after_too_many_wrong_codes(client: Client, world: Any) -> None:
    client.post("/submit/", MATTER)
    client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "send_code"})
    right = last_code("13900139000")
    wrong = "111111" if right != "111111" else "222222"
    for _ in range(5):
        client.post(
            "/submit/contact/", {"name": "王五", "phone": "13900139000", "code": wrong, "action": "continue"}
        )
    response = client.post(
        "/submit/contact/", {"name": "王五", "phone": "13900139000", "code": right, "action": "continue"}
    )
    assert "错误次数过多" in response.content.decode()


def test_otp_sending_is_throttled_per_phone(client: Client, world: Any) -> None:
    client.post("/submit/", MATTER)
    client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "send_code"})
    response = client.post(
        "/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "send_code"}
    )
    assert "过于频繁" in response.content.decode()


def test_invalid_phone_is_rejected(client: Client, world: Any) -> None:
    client.post("/submit/", MATTER)
    response = client.post("/submit/contact/", {"name": "王五", "phone": "12345", "action": "send_code"})
    assert "11位手机号码" in response.content.decode()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("fake.png", b"<html><script>alert(1)</script>")], "不是 JPG、PNG 图片或 PDF 文件"),
        ([("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024))], "超过5MB"),
        ([(f"p{i}.png", PNG) for i in range(4)], "最多上传3个附件"),
    ],
)
def test_attachments_are_checked(
    client: Client, world: Any, files: list[tuple[str, bytes]], message: str
) -> None:
    client.post("/submit/", MATTER)
    client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "send_code"})
    client.post(
        "/submit/contact/",
        {"name": "王五", "phone": "13900139000", "code": last_code("13900139000"), "action": "continue"},
    )
    uploads = [SimpleUploadedFile(name, content, content_type="image/png") for name, content in files]
    response = client.post("/submit/confirm/", {"truthful": "on", "privacy": "on", "attachments": uploads})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Petition.objects.exists()


def test_notices_must_be_acknowledged(client: Client, world: Any) -> None:
    client.post("/submit/", MATTER)
    client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "send_code"})
    client.post(
        "/submit/contact/",
        {"name": "王五", "phone": "13900139000", "code": last_code("13900139000"), "action": "continue"},
    )
    body = client.post("/submit/confirm/", {}).content.decode()
    assert "请阅读并确认真实性承诺" in body and "请阅读并同意个人信息保护告知" in body
    assert not Petition.objects.exists()


def test_anonymous_accusation(client: Client, organs: Any, settings: Any) -> None:
    code, _password = submit_petition(
        client,
        anonymous=True,
        nature="accusation",
        title="某局工作人员吃拿卡要",
        accused_organ=str(organs["a-housing"].pk),
        accused_person="张某",
    )
    petition = Petition.objects.get(tracking_code=code)
    assert petition.petitioner is None and petition.is_anonymous
    assert petition.nature == "accusation" and petition.accused_organ == organs["a-housing"]
    body = client.get("/submit/done/").content.decode()
    assert "匿名提交无法找回查询密码" in body


def test_anonymity_only_for_accusations_and_when_allowed(client: Client, world: Any, settings: Any) -> None:
    client.post("/submit/", MATTER)
    body = client.get("/submit/contact/").content.decode()
    assert 'name="anonymous"' not in body
    response = client.post("/submit/contact/", {"anonymous": "on", "action": "continue"})
    assert response.status_code == 200 and "请填写姓名" in response.content.decode()
    settings.MINSHENG_ALLOW_ANONYMOUS_ACCUSATIONS = False
    client.post("/submit/", {**MATTER, "nature": "accusation"})
    assert 'name="anonymous"' not in client.get("/submit/contact/").content.decode()


def test_submission_is_throttled_per_ip(client: Client, world: Any, settings: Any) -> None:
    settings.MINSHENG_PORTAL_LIMITS = {"submit_ip": (1, 3600)}
    submit_petition(client)
    client.post("/submit/", MATTER)
    client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "continue"})
    response = client.post("/submit/confirm/", {"truthful": "on", "privacy": "on"})
    assert "提交过于频繁" in response.content.decode()
    assert Petition.objects.count() == 1


def test_user_input_is_escaped(client: Client, world: Any) -> None:
    code, _ = submit_petition(client, title="<script>alert('x')</script>", facts="<b>粗体</b>")
    body = client.get(f"/track/{code}/").content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body and "&lt;b&gt;粗体&lt;/b&gt;" in body


def test_csrf_is_enforced(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/submit/", MATTER).status_code == 403
    assert client.post("/track/", {"tracking_code": "X", "password": "1"}).status_code == 403


# ---- tracking -------------------------------------------------------------------------------


def test_track_with_code_and_password(client: Client, register: Any) -> None:
    petition = register()
    assert client.get(f"/track/{petition.tracking_code}/").status_code == 302  # not yet proven
    response = client.post(
        "/track/", {"tracking_code": petition.tracking_code.lower(), "password": "000000x"}
    )
    assert "查询码或查询密码不正确" in response.content.decode()
    response = client.post(
        "/track/",
        {"tracking_code": f" {petition.tracking_code.lower()} ", "password": petition.query_password},
    )
    assert response.status_code == 302
    body = client.get(f"/track/{petition.tracking_code}/").content.decode()
    assert "信访事项已登记" in body
    assert "信访部门决定转送或交办的期限" in body
    assert "年" in body and "日前" in body  # a due date in words
    assert "registrar" not in body


def test_track_shows_plain_timeline_and_documents(register: Any, act: Any, organs: Any) -> None:
    petition = deliver(register(), act, organs)
    client = tracked_client(petition)
    body = client.get(f"/track/{petition.tracking_code}/").content.decode()
    for text in (
        "已转送A市住房和城乡建设局办理",
        "已受理",
        "已出具处理意见书",
        "处理意见已送达",
        "受理告知书",
        "信访处理意见书",
    ):
        assert text in body, text
    assert OPINION["opinion"] in body
    assert "您申请复查的期限" in body
    opinion = petition.opinions.get()
    url = f"/track/{petition.tracking_code}/document/opinion/{opinion.pk}/"
    assert OPINION["legal_basis"] in client.get(url).content.decode()
    response = client.get(url + "?format=txt")
    assert response["Content-Disposition"].startswith("attachment;")
    assert OPINION["opinion"] in response.content.decode()
    assert Client().get(url).status_code == 302  # another browser must prove the code first


def test_extension_reason_is_public(register: Any, act: Any, organs: Any) -> None:
    petition = register()
    password = petition.query_password
    petition = act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    petition.query_password = password
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(
        petition,
        "extend",
        "organ_head",
        days=20,
        reason="需要补充鉴定",
        notified_at=timezone.now().isoformat(),
    )
    body = tracked_client(petition).get(f"/track/{petition.tracking_code}/").content.decode()
    assert "办理期限延长20日" in body and "需要补充鉴定" in body


def test_not_accepted_shows_reason(register: Any, act: Any, organs: Any) -> None:
    petition = register()
    act(petition, "not_accept", "dispatcher", reason="other", explanation="材料不全且无法联系。")
    body = tracked_client(petition).get(f"/track/{petition.tracking_code}/").content.decode()
    assert "不予受理" in body and "材料不全且无法联系" in body


def test_failed_tracking_is_rate_limited(client: Client, register: Any) -> None:
    petition = register()
    for _ in range(5):
        client.post("/track/", {"tracking_code": petition.tracking_code, "password": "999999x"})
    response = client.post(
        "/track/", {"tracking_code": petition.tracking_code, "password": petition.query_password}
    )
    assert "查询失败次数过多" in response.content.decode()


def test_forget_removes_the_session_grant(register: Any) -> None:
    petition = register()
    client = tracked_client(petition)
    client.post(f"/track/{petition.tracking_code}/forget/")
    assert client.get(f"/track/{petition.tracking_code}/").status_code == 302


# ---- attachments ----------------------------------------------------------------------------


def test_attachment_download_only_for_owner_and_never_inline(client: Client, world: Any) -> None:
    code, _password = submit_petition(
        client, files=[SimpleUploadedFile("photo.png", PNG, content_type="image/png")]
    )
    attachment = Attachment.objects.get()
    url = f"/track/{code}/attachment/{attachment.pk}/"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response.content == PNG
    stranger = Client()
    assert stranger.get(url).status_code == 302
    other = Petition.objects.exclude(tracking_code=code).first()
    assert other is None


# ---- rating and appeals ---------------------------------------------------------------------


def test_rating_unsatisfied_reaches_the_organ_head(
    register: Any, act: Any, organs: Any, django_capture_on_commit_callbacks: Any
) -> None:
    petition = deliver(register(), act, organs)
    client = tracked_client(petition)
    body = client.get(f"/track/{petition.tracking_code}/").content.decode()
    assert "评价办理结果" in body
    response = client.post(f"/track/{petition.tracking_code}/rate/", {"value": "bogus"})
    assert response.status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/track/{petition.tracking_code}/rate/", {"value": "unsatisfied", "comment": "噪音仍在"}
        )
    assert response.status_code == 302
    rating = Rating.objects.get(petition=petition)
    assert rating.value == "unsatisfied" and rating.comment == "噪音仍在"
    assert OutboxMessage.objects.filter(kind="unsatisfied", petition=petition).exists()
    body = client.get(f"/track/{petition.tracking_code}/").content.decode()
    assert "评价办理结果" not in body and "不满意" in body
    response = client.post(f"/track/{petition.tracking_code}/rate/", {"value": "satisfied"})
    assert Rating.objects.filter(petition=petition).count() == 1


def test_rating_not_offered_before_delivery(register: Any) -> None:
    petition = register()
    client = tracked_client(petition)
    assert "评价办理结果" not in client.get(f"/track/{petition.tracking_code}/").content.decode()
    response = client.post(f"/track/{petition.tracking_code}/rate/", {"value": "satisfied"})
    assert response.status_code == 422 and not Rating.objects.exists()


def test_request_review_and_recheck_online(register: Any, act: Any, organs: Any) -> None:
    petition = deliver(register(), act, organs)
    client = tracked_client(petition)
    page = client.get(f"/track/{petition.tracking_code}/appeal/").content.decode()
    assert "申请复查" in page and "日前" in page
    response = client.post(f"/track/{petition.tracking_code}/appeal/", {"reasons": ""})
    assert response.status_code == 422
    response = client.post(f"/track/{petition.tracking_code}/appeal/", {"reasons": "处理意见没有落实。"})
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.state == "review_requested" and petition.current_organ == organs["a-gov"]
    assert petition.appeals.get().reasons == "处理意见没有落实。"
    petition = act(
        petition,
        "conclude_review",
        "caseworker",
        method="online",
        delivered_on=timezone.localdate().isoformat(),
        **{**OPINION, "outcome": "upheld"},
    )
    page = client.get(f"/track/{petition.tracking_code}/").content.decode()
    assert "申请复核" in page and "复查意见书" in page
    response = client.post(f"/track/{petition.tracking_code}/appeal/", {"reasons": "仍不服。"})
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.state == "recheck_requested" and petition.current_organ == organs["xd-gov"]


def test_appeal_window_closed_explains_what_remains(register: Any, act: Any, organs: Any) -> None:
    petition = deliver(register(), act, organs)
    petition.deadlines.filter(rule="D-REVIEW-REQ-30").update(
        start=timezone.localdate() - dt.timedelta(days=70),
        nominal_due=timezone.localdate() - dt.timedelta(days=40),
        statutory_due=timezone.localdate() - dt.timedelta(days=40),
    )
    client = tracked_client(petition)
    page = client.get(f"/track/{petition.tracking_code}/").content.decode()
    assert "申请期限已于" in page and "行政复议" in page
    response = client.post(f"/track/{petition.tracking_code}/appeal/", {"reasons": "不服"})
    assert response.status_code == 422
    assert "无正当理由的逾期申请不予受理" in response.content.decode()
    response = client.post(
        f"/track/{petition.tracking_code}/appeal/", {"reasons": "不服", "good_reason": "住院治疗两个月。"}
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.state == "review_requested"


def test_appeal_not_offered_before_delivery(register: Any) -> None:
    petition = register()
    client = tracked_client(petition)
    response = client.get(f"/track/{petition.tracking_code}/appeal/")
    assert response.status_code == 302


# ---- citizen account ------------------------------------------------------------------------


def test_login_with_code_lists_my_petitions(client: Client, world: Any, settings: Any) -> None:
    settings.MINSHENG_PORTAL_LIMITS = {"otp_phone_gap": (5, 60)}
    assert client.get("/account/").status_code == 302
    client.post("/account/login/", {"otp-phone": "13700137000", "action": "send_code"})
    response = client.post(
        "/account/login/",
        {"otp-phone": "13700137000", "otp-code": last_code("13700137000"), "action": "verify_code"},
    )
    assert response.status_code == 302
    # Phone already verified by the login: no second code needed for submission.
    client.post("/submit/", MATTER)
    response = client.post("/submit/contact/", {"name": "赵六", "phone": "13700137000", "action": "continue"})
    assert response.status_code == 302
    client.post("/submit/confirm/", {"truthful": "on", "privacy": "on"})
    code = client.session["portal_submit_done"]["code"]
    body = client.get("/account/").content.decode()
    assert code in body
    # A fresh browser logged in as the same citizen sees the petition without the password.
    other = Client()
    other.post("/account/login/", {"otp-phone": "13700137000", "action": "send_code"})
    other.post(
        "/account/login/",
        {"otp-phone": "13700137000", "otp-code": last_code("13700137000"), "action": "verify_code"},
    )
    assert other.get(f"/track/{code}/").status_code == 200


def test_password_login(client: Client, world: Any) -> None:
    client.post("/account/login/", {"otp-phone": "13700137000", "action": "send_code"})
    client.post(
        "/account/login/",
        {"otp-phone": "13700137000", "otp-code": last_code("13700137000"), "action": "verify_code"},
    )
    response = client.post("/account/", {"password": "short"})
    assert "至少" in response.content.decode() or response.status_code == 200
    response = client.post("/account/", {"password": "a-long-enough-password"})
    assert response.status_code == 302
    client.post("/account/logout/")
    assert client.get("/account/").status_code == 302
    response = client.post(
        "/account/login/",
        {"pw-phone": "13700137000", "pw-password": "wrong-password-x", "action": "password"},
    )
    assert response.status_code == 422 and "密码不正确" in response.content.decode()
    response = client.post(
        "/account/login/",
        {"pw-phone": "13700137000", "pw-password": "a-long-enough-password", "action": "password"},
    )
    assert response.status_code == 302


def test_tracking_while_logged_in_links_own_phone_petitions(client: Client, register: Any) -> None:
    from minsheng.petitions.services import PetitionerInput

    petition = register(petitioner=PetitionerInput(name="赵六", phone="13700137000", address="A市"))
    client.post("/account/login/", {"otp-phone": "13700137000", "action": "send_code"})
    client.post(
        "/account/login/",
        {"otp-phone": "13700137000", "otp-code": last_code("13700137000"), "action": "verify_code"},
    )
    assert petition.tracking_code not in client.get("/account/").content.decode()
    client.post("/track/", {"tracking_code": petition.tracking_code, "password": petition.query_password})
    assert petition.tracking_code in client.get("/account/").content.decode()


def test_staff_login_is_not_a_citizen(client: Client, users: Any, register: Any) -> None:
    petition = register()
    client.force_login(users["registrar"])
    assert client.get("/account/").status_code == 302
    assert client.get(f"/track/{petition.tracking_code}/").status_code == 302


def test_official_documents_download(register: Any, act: Any, organs: Any) -> None:
    petition = deliver(register(), act, organs)
    client = tracked_client(petition)
    body = client.get(f"/track/{petition.tracking_code}/").content.decode()
    assert f"/track/{petition.tracking_code}/official/handling_opinion.pdf" in body
    response = client.get(f"/track/{petition.tracking_code}/official/handling_opinion.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment;")
    response = client.get(f"/track/{petition.tracking_code}/official/handling_opinion.docx")
    assert response.content.startswith(b"PK")
    assert client.get(f"/track/{petition.tracking_code}/official/recheck_opinion.pdf").status_code == 404
    assert client.get(f"/track/{petition.tracking_code}/official/handling_opinion.exe").status_code == 404
    assert Client().get(f"/track/{petition.tracking_code}/official/handling_opinion.pdf").status_code == 302


def test_enter_in_the_code_field_continues(client: Client, world: Any) -> None:
    """Implicit submission uses the first button ("send code"); a typed code means continue."""
    client.post("/submit/", MATTER)
    client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "send_code"})
    code = last_code("13900139000")
    response = client.post(
        "/submit/contact/", {"name": "王五", "phone": "13900139000", "code": code, "action": "send_code"}
    )
    assert response.status_code == 302 and response["Location"] == "/submit/confirm/"
