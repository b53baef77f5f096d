"""The 督办单 page (/workbench/supervision/): the orders the user may see with their filters, the
answer form for the target organ's staff, and the orders block on the case page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.petitions.models import Petition
from minsheng.workflow.models import PetitionEvent, SupervisionOrder

pytestmark = pytest.mark.django_db


def _web(users: dict[str, Any], username: str) -> Client:
    client = Client()
    client.force_login(users[username])
    return client


@pytest.fixture
def orders(register: Any, act: Any, organs: Any) -> tuple[Petition, SupervisionOrder, SupervisionOrder]:
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "supervise", "supervisor", kind="yellow", suggestion="请于期限内书面反馈整改情况")
    manual = SupervisionOrder.objects.get(petition=petition)
    automatic = SupervisionOrder.objects.create(
        petition=petition,
        kind="ordinary",
        trigger="handling_overdue",
        deadline_rule="D-HANDLE-60",
        target_organ=organs["a-housing"],
        issued_at=timezone.now() - dt.timedelta(days=40),
        suggestion="办理期限已届满，请说明原因",
        feedback_due=timezone.localdate() - dt.timedelta(days=3),
    )
    return Petition.objects.get(pk=petition.pk), manual, automatic


def test_list_renders_with_filters(orders: Any, users: Any, organs: Any) -> None:
    petition, manual, automatic = orders
    client = _web(users, "supervisor")
    page = client.get(reverse("workbench:supervision"))
    assert page.status_code == 200
    html = page.content.decode()
    assert [r["o"].pk for r in page.context["rows"]] == [automatic.pk, manual.pk]
    assert reverse("workbench:petition", args=[petition.pk]) in html
    assert "A市住房和城乡建设局" in html and "陈督查" in html and "请于期限内书面反馈整改情况" in html
    assert "超期 3 天" in html and 'class="due overdue"' in html
    assert reverse("workbench:supervision") in html  # the navigation link
    assert 'name="feedback"' not in html  # the supervisor does not answer for the organ

    def ids(**params: Any) -> list[int]:
        response = client.get(reverse("workbench:supervision"), params)
        assert response.status_code == 200
        return [r["o"].pk for r in response.context["rows"]]

    assert ids(status="overdue") == [automatic.pk]
    assert ids(status="open") == [manual.pk]
    assert ids(status="answered") == []
    assert ids(origin="automatic") == [automatic.pk]
    assert ids(origin="manual") == [manual.pk]
    assert ids(kind="yellow") == [manual.pk]
    assert ids(organ=str(organs["a-housing"].pk)) == [automatic.pk, manual.pk]
    assert ids(organ=str(organs["a-edu"].pk)) == []
    assert ids(status="nonsense") == [automatic.pk, manual.pk]  # unknown choice: no filter
    assert client.get(reverse("workbench:supervision"), {"organ": "abc"}).status_code == 400


def test_orders_of_invisible_petitions_are_not_listed(orders: Any, users: Any) -> None:
    _petition, manual, _automatic = orders
    client = _web(users, "edu_caseworker")
    page = client.get(reverse("workbench:supervision"))
    assert page.status_code == 200 and page.context["rows"] == []
    response = client.post(reverse("workbench:supervision_answer", args=[manual.pk]), {"feedback": "x"})
    assert response.status_code == 404
    manual.refresh_from_db()
    assert manual.feedback_at is None


def test_target_organ_answers_from_the_list(orders: Any, users: Any) -> None:
    petition, manual, automatic = orders
    client = _web(users, "caseworker")
    url = reverse("workbench:supervision")
    html = client.get(url).content.decode()
    assert html.count('name="feedback"') == 2
    response = client.post(
        reverse("workbench:supervision_answer", args=[automatic.pk]),
        {"feedback": "已查明原因，本周内办结。", "next": url + "?status=overdue"},
    )
    assert response.status_code == 302 and response["Location"] == url + "?status=overdue"
    automatic.refresh_from_db()
    assert automatic.feedback == "已查明原因，本周内办结。" and automatic.feedback_by == users["caseworker"]
    assert automatic.feedback_late  # past its due date
    assert PetitionEvent.objects.filter(petition=petition, action="supervision_feedback").count() == 1
    page = client.get(url, {"status": "answered"})
    assert [r["o"].pk for r in page.context["rows"]] == [automatic.pk]
    assert "已查明原因，本周内办结。" in page.content.decode()
    # an empty answer changes nothing and says why; an outside redirect target is not followed
    response = client.post(
        reverse("workbench:supervision_answer", args=[manual.pk]),
        {"feedback": "", "next": "https://evil.example/"},
        follow=True,
    )
    assert response.redirect_chain[0][0] == reverse("workbench:petition", args=[petition.pk])
    assert "督办反馈未保存" in response.content.decode()
    manual.refresh_from_db()
    assert manual.feedback_at is None


def test_case_page_shows_due_status_and_answer_form(orders: Any, users: Any) -> None:
    petition, manual, _automatic = orders
    client = _web(users, "caseworker")
    case_url = reverse("workbench:petition", args=[petition.pk])
    html = client.get(case_url).content.decode()
    assert manual.feedback_due is not None
    assert manual.feedback_due.isoformat() in html
    assert "超期 3 天" in html
    assert reverse("workbench:supervision_answer", args=[manual.pk]) in html
    response = client.post(
        reverse("workbench:supervision_answer", args=[manual.pk]),
        {"feedback": "已按督办意见整改。", "next": case_url},
    )
    assert response.status_code == 302 and response["Location"] == case_url
    html = client.get(case_url).content.decode()
    assert "已按督办意见整改。" in html and "已反馈" in html
    assert reverse("workbench:supervision_answer", args=[manual.pk]) not in html


def test_issue_with_a_due_date_from_the_action_form(orders: Any, users: Any) -> None:
    petition, _manual, _automatic = orders
    client = _web(users, "supervisor")
    url = reverse("workbench:action", args=[petition.pk, "supervise"])
    assert 'name="feedback_due"' in client.get(url).content.decode()
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(url, {"kind": "red", "suggestion": "限期反馈", "feedback_due": yesterday})
    assert "反馈期限不能早于督办日期" in response.content.decode()
    assert SupervisionOrder.objects.filter(petition=petition, kind="red").count() == 0
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    client.post(url, {"kind": "red", "suggestion": "限期反馈", "feedback_due": due})
    assert SupervisionOrder.objects.get(petition=petition, kind="red").feedback_due.isoformat() == due
