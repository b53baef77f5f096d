"""Staff password policy (AUTH_PASSWORD_VALIDATORS) and where it applies."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from minsheng.orgs.security import CharacterClassesValidator

pytestmark = pytest.mark.django_db


def codes(password: str, user: Any) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list if e.code}
    return set()


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Short-1a", {"password_too_short"}),  # Django's 10 and the staff 12
        ("alllowercaseletters", {"password_too_simple"}),  # one class
        ("lowercase-and-dash", {"password_too_simple"}),  # two classes
        ("834729105563", {"password_entirely_numeric", "password_too_simple"}),
        ("Password1234", {"password_too_common"}),
        ("Registrar-2025", {"password_too_similar"}),
        ("Xinfang-Ju-2025", set()),
        ("huai-shu-LIN-27", set()),
    ],
)
def test_staff_password_policy(users: Any, password: str, expected: set[str]) -> None:
    assert expected <= codes(password, users["registrar"])
    if not expected:
        assert codes(password, users["registrar"]) == set()


def test_new_staff_user_without_a_row_yet_is_checked() -> None:
    assert "password_too_simple" in codes("onlylowercaseletters", None)


def test_citizen_accounts_keep_the_portal_rule(db: Any) -> None:
    citizen = get_user_model()(username="citizen-0123abcd")
    assert codes("a-long-enough-password", citizen) == set()
    assert "password_too_short" in codes("short", citizen)


def test_demo_password_is_set_without_validation(db: Any) -> None:
    """minsheng-demo fails the staff policy (two classes); the demo loader sets it directly."""
    from minsheng.orgs.demo import build_demo_world

    world = build_demo_world(password="minsheng-demo")
    assert "password_too_simple" in codes("minsheng-demo", world.users["caseworker"])
    assert world.users["caseworker"].check_password("minsheng-demo")


def test_help_text_in_chinese() -> None:
    assert "至少3类" in CharacterClassesValidator().get_help_text()


def test_workbench_password_change_applies_the_policy(client: Client, users: Any) -> None:
    client.force_login(users["caseworker"])
    url = "/workbench/account/password/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "old_password": "test-password-123",
            "new_password1": "weakpassword",
            "new_password2": "weakpassword",
        },
    )
    assert response.status_code == 200
    assert "至少3类" in response.content.decode()
    response = client.post(
        url,
        {
            "old_password": "test-password-123",
            "new_password1": "Xinfang-Ju-2025",
            "new_password2": "Xinfang-Ju-2025",
        },
    )
    assert response.status_code == 302
    users["caseworker"].refresh_from_db()
    assert users["caseworker"].check_password("Xinfang-Ju-2025")
    # The session survives the change (update_session_auth_hash).
    assert client.get("/workbench/").status_code == 302
    assert "_auth_user_id" in client.session
