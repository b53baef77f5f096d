"""Error pages with DEBUG off: the portal's look on public URLs, the workbench's under /workbench/,
JSON on the API, in Chinese and English; a view's own refusal message is kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import include, path

import minsheng.urls as main_urls

pytestmark = pytest.mark.django_db


def _boom(request: Any) -> Any:
    raise RuntimeError("deliberate failure for the 500 page")


# A URLconf for these tests: the real one plus two views that fail.
urlpatterns = [
    path("boom/", _boom),
    path("workbench/boom/", _boom),
    path("", include(main_urls.urlpatterns)),
]
handler400 = main_urls.handler400
handler403 = main_urls.handler403
handler404 = main_urls.handler404
handler500 = main_urls.handler500


@pytest.fixture(autouse=True)
def _production_like(settings: Any) -> None:
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.ROOT_URLCONF = __name__


def _client(language: str = "zh-hans") -> Client:
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = language
    return client


def test_public_404_in_the_portal_look_in_both_languages() -> None:
    response = _client().get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in body and 'class="site-header"' in body and "portal.css" in body
    assert "Traceback" not in body and "Page not found" not in body
    english = _client("en").get("/no-such-page/").content.decode()
    assert "Page not found" in english and "Back to the home page" in english


def test_workbench_404_and_500_in_the_workbench_look() -> None:
    response = _client().get("/workbench/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in body and "workbench.css" in body and "返回工作台首页" in body
    response = _client("en").get("/workbench/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in body and "workbench.css" in body
    assert "deliberate failure" not in body and "Traceback" not in body


def test_public_500_in_the_portal_look() -> None:
    response = _client().get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "系统出现错误" in body and "portal.css" in body and "deliberate failure" not in body


def test_a_views_403_message_is_kept_on_the_workbench_page(users: dict[str, Any]) -> None:
    client = _client()
    client.force_login(users["analyst"])
    response = client.get("/workbench/petitions/")
    body = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in body and "研判岗位只能查看脱敏的研判分析数据。" in body and "workbench.css" in body


def test_405_and_csrf_failure_are_pages_too() -> None:
    response = _client().get("/workbench/logout/")  # Django's LogoutView takes POST only
    assert response.status_code == 405
    body = response.content.decode()
    assert "不支持该操作" in body and "workbench.css" in body and response.has_header("Allow")
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    response = client.post("/account/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "表单已过期，请刷新页面后重新提交。" in response.content.decode()


def test_api_errors_stay_json() -> None:
    response = _client().get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    # The API's one error body (external client review: it was {"detail": …} here).
    assert response.json() == {"code": "not_found", "message": "页面不存在"}
    response = _client().delete("/api/v1/petitions")  # only GET and POST
    assert response.status_code == 405 and response.has_header("Allow")
    assert response.json() == {"code": "method_not_allowed", "message": "不支持该操作"}
