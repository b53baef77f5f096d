"""API tokens stop working when the password changes, a post ends or the account is deactivated."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from minsheng.orgs.models import ApiToken, Role, SecurityEvent, StaffMembership
from minsheng.orgs.tests.helpers import api_token, bearer

pytestmark = pytest.mark.django_db


def issue(client: Client, username: str) -> dict[str, str]:
    response = api_token(client, username)
    assert response.status_code == 200, response.content
    auth = bearer(response.json()["token"])
    assert client.get("/api/v1/auth/me", **auth).status_code == 200
    return auth


def refused(client: Client, auth: dict[str, str]) -> bool:
    response = client.get("/api/v1/auth/me", **auth)
    return response.status_code == 401 and response.json()["code"] == "unauthenticated"


def revocations(user: Any) -> list[str]:
    return [
        e.detail["reason"]
        for e in SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.TOKEN_REVOKED).order_by("pk")
    ]


def test_password_change_revokes_tokens(client: Client, users: Any) -> None:
    auth = issue(client, "caseworker")
    other = issue(client, "registrar")
    user = users["caseworker"]
    user.set_password("Xinfang-Ju-2025")
    user.save()
    assert refused(client, auth)
    assert not refused(client, other)
    token = ApiToken.objects.get(user=user)
    assert token.revoked_at is not None and token.revoked_reason == "password_changed"
    assert revocations(user) == ["password_changed"]
    # A new token with the new password works.
    assert api_token(client, "caseworker", "Xinfang-Ju-2025").status_code == 200


def test_password_change_through_the_workbench_revokes_tokens(client: Client, users: Any) -> None:
    auth = issue(client, "dispatcher")
    browser = Client()
    browser.force_login(users["dispatcher"])
    response = browser.post(
        "/workbench/account/password/",
        {
            "old_password": "test-password-123",
            "new_password1": "Xinfang-Ju-2025",
            "new_password2": "Xinfang-Ju-2025",
        },
    )
    assert response.status_code == 302
    assert refused(client, auth)


def test_post_ended_revokes_tokens(client: Client, users: Any) -> None:
    auth = issue(client, "organ_head")
    StaffMembership.objects.filter(user=users["organ_head"]).delete()
    assert refused(client, auth)
    assert revocations(users["organ_head"]) == ["post_ended"]


def test_post_changed_revokes_tokens(client: Client, users: Any) -> None:
    auth = issue(client, "caseworker")
    membership = StaffMembership.objects.filter(user=users["caseworker"]).first()
    assert membership is not None
    membership.role = Role.REGISTRAR
    membership.save()
    assert refused(client, auth)
    assert revocations(users["caseworker"]) == ["post_changed"]


def test_deactivation_revokes_tokens(client: Client, users: Any) -> None:
    auth = issue(client, "leader")
    user = users["leader"]
    user.is_active = False
    user.save()
    assert refused(client, auth)
    assert revocations(user) == ["user_deactivated"]


def test_changes_that_bypass_signals_are_caught_by_the_binding(client: Client, users: Any) -> None:
    """A queryset update sends no signal: the token's binding to the password hash refuses it."""
    auth = issue(client, "supervisor")
    user_model = get_user_model()
    user_model.objects.filter(pk=users["supervisor"].pk).update(password="md5$x$y")
    assert refused(client, auth)
    assert ApiToken.objects.get(user=users["supervisor"]).revoked_reason == "binding_mismatch"
    assert revocations(users["supervisor"]) == ["binding_mismatch"]


def test_new_post_also_changes_the_binding(client: Client, users: Any, organs: Any) -> None:
    auth = issue(client, "analyst")
    StaffMembership.objects.create(user=users["analyst"], organ=organs["a-bureau"], role=Role.REGISTRAR)
    assert refused(client, auth)


def test_unrelated_saves_keep_tokens(client: Client, users: Any) -> None:
    auth = issue(client, "registrar")
    user = users["registrar"]
    user.first_name = "新名字"
    user.save()
    assert not refused(client, auth)
    assert revocations(user) == []


def test_deleting_the_account_deletes_its_tokens(client: Client, users: Any) -> None:
    issue(client, "analyst")
    users["analyst"].delete()
    assert not ApiToken.objects.filter(user_id=users["analyst"].pk).exists()


def test_admin_revokes_a_token_and_reads_the_audit_trail(client: Client, users: Any) -> None:
    auth = issue(client, "caseworker")
    token = ApiToken.objects.get(user=users["caseworker"])
    admin = Client()
    admin.force_login(users["admin"])
    response = admin.post("/admin/orgs/apitoken/", {"action": "revoke", "_selected_action": [str(token.pk)]})
    assert response.status_code == 302
    assert refused(client, auth)
    event = SecurityEvent.objects.get(user=users["caseworker"])
    assert event.detail["reason"] == "admin" and event.actor == users["admin"]
    listing = admin.get("/admin/orgs/securityevent/")
    assert listing.status_code == 200 and "caseworker" in listing.content.decode()
    assert admin.get(f"/admin/orgs/securityevent/{event.pk}/delete/").status_code == 403
