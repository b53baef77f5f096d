"""The one way tests sign in to the API: the demo world's password and a bearer token header."""

from __future__ import annotations

from django.test import Client

#: The password ``build_demo_world`` gives every persona in the test fixtures (conftest ``world``).
PASSWORD = "test-password-123"


def api_token(client: Client, username: str, password: str = PASSWORD) -> dict[str, str]:
    """The Authorization header of a fresh staff token for ``username`` (asserts the sign-in worked)."""
    response = client.post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}
