"""Tracking with code + password, documents, attachments, rating and appeals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from minsheng.notifications.models import OutboxMessage
from minsheng.petitions.models import Attachment, Petition
from minsheng.portal.tests.helpers import (
    OPINION,
    PNG,
    deliver,
    submit_petition,
    tracked_client,
)
from minsheng.workflow.models import Rating

pytestmark = pytest.mark.django_db


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
        "gov_head",
        method="post",
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
        is_provisional=False,
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


def test_official_documents_download(register: Any, act: Any, organs: Any) -> None:
    petition = deliver(register(), act, organs)
    client = tracked_client(petition)
    body = client.get(f"/track/{petition.tracking_code}/").content.decode()
    assert f"/track/{petition.tracking_code}/official/handling_opinion.pdf" in body
    response = client.post(f"/track/{petition.tracking_code}/official/handling_opinion.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment;")
    response = client.post(f"/track/{petition.tracking_code}/official/handling_opinion.docx")
    assert response.content.startswith(b"PK")
    assert client.post(f"/track/{petition.tracking_code}/official/recheck_opinion.pdf").status_code == 404
    assert client.post(f"/track/{petition.tracking_code}/official/handling_opinion.exe").status_code == 404
    assert Client().post(f"/track/{petition.tracking_code}/official/handling_opinion.pdf").status_code == 302
    # Issuing writes (a number, a filed copy): never on GET.
    assert client.get(f"/track/{petition.tracking_code}/official/handling_opinion.pdf").status_code == 405


def test_logout_is_post_only() -> None:
    assert Client().get("/account/logout/").status_code == 405
    assert Client().post("/account/logout/").status_code == 302


def test_bureau_and_organ_are_rated_separately(
    register: Any, act: Any, organs: Any, world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    petition = deliver(register(), act, organs)
    client = tracked_client(petition)
    body = client.get(f"/track/{petition.tracking_code}/").content.decode()
    assert "评价办理结果" in body and "评价信访部门的工作" in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/track/{petition.tracking_code}/rate/",
            {"rated": "bureau", "bureau-value": "unsatisfied", "bureau-comment": "转送太慢"},
        )
    assert response.status_code == 302
    bureau = Rating.objects.get(petition=petition, target="bureau")
    assert bureau.organ == world.bureau and bureau.value == "unsatisfied" and bureau.comment == "转送太慢"
    head = f"user:{world.users['bureau_head'].pk}"  # the head of the organ rated is told
    assert head in {m.recipient for m in OutboxMessage.objects.filter(kind="unsatisfied", petition=petition)}
    body = client.get(f"/track/{petition.tracking_code}/").content.decode()
    assert "评价信访部门的工作" not in body and "评价办理结果" in body  # the organ is still to rate
    client.post(f"/track/{petition.tracking_code}/rate/", {"value": "satisfied"})
    organ = Rating.objects.get(petition=petition, target="organ")
    assert organ.organ == organs["a-housing"] and organ.value == "satisfied"
    again = client.post(
        f"/track/{petition.tracking_code}/rate/", {"rated": "bureau", "bureau-value": "satisfied"}
    )
    assert again.status_code == 422 and Rating.objects.filter(petition=petition).count() == 2
