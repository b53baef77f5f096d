"""Web hygiene: Content-Security-Policy on every response, no-store wherever an identity may
appear, no third-party or inline script in any template, the API docs from local static files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR) / "minsheng"
TEMPLATES = sorted(p for p in ROOT.glob("*/templates/**/*.html"))
EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I
)
INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*type=[\"']application/(?:ld\+)?json)[^>]*>", re.I
)
INLINE_HANDLER = re.compile(r"""<[^>]+\son[a-z]+\s*=""", re.I)
STYLE_ATTR = re.compile(r"""<[^>]+\sstyle\s*=""", re.I)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_templates_exist():
    assert len(TEMPLATES) > 20


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_has_no_external_or_inline_code(path: Path):
    text = path.read_text(encoding="utf-8")
    assert not EXTERNAL.findall(text), "third-party script, style or image: vendor it under static/"
    assert not INLINE_SCRIPT.findall(text), "inline <script>: move it to a static .js file"
    assert not INLINE_HANDLER.findall(text), "inline event handler (onclick=...): use a data- attribute"
    assert not STYLE_ATTR.findall(text), "style attribute: use a class in the stylesheet"


@pytest.mark.parametrize(
    "path", ["/", "/track/", "/workbench/login/", "/api/v1/openapi.json", "/api/v1/docs"]
)
def test_csp_header(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no CDN
    assert csp["style-src"] == ["'self'"]  # no <style> elements
    assert csp["style-src-attr"] == ["'unsafe-inline'"]  # ECharts tooltips only (docs/security-web.md)
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]


def test_api_docs_serve_swagger_ui_locally(client):
    body = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body and "/static/ninja/swagger-ui-init.js" in body
    assert not EXTERNAL.findall(body) and not INLINE_SCRIPT.findall(body)
    assert '"validatorUrl": null' in body  # Swagger UI would otherwise call validator.swagger.io
    for name in ("swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css"):
        from django.contrib.staticfiles import finders

        assert finders.find(f"ninja/{name}"), name


# ---- Cache-Control: no-store


def _no_store(response) -> bool:
    return response.get("Cache-Control") == "no-store" and response.get("Pragma") == "no-cache"


@pytest.mark.parametrize("path", ["/", "/guide/", "/legal/", "/faq/", "/privacy/", "/stats/", "/healthz"])
def test_public_pages_may_be_cached_when_anonymous(client, world, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.parametrize(
    "path",
    [
        "/track/",
        "/submit/",
        "/account/login/",
        "/workbench/login/",
        "/workbench/",
        "/admin/login/",
        "/api/v1/openapi.json",
        "/api/v1/docs",
        "/api/v1/petitions",
        "/no-such-page/",
    ],
)
def test_identity_pages_are_no_store(client, world, path):
    assert _no_store(client.get(path))


def test_signed_in_pages_downloads_and_api_are_no_store(client, users, register, act, organs):
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    client.force_login(users["caseworker"])
    for response in (
        client.get(reverse("workbench:petitions")),
        client.get(reverse("workbench:petition", args=[petition.pk])),
        client.get(reverse("workbench:export")),
        client.post(reverse("workbench:document", args=[petition.pk, "accept_notice", "pdf"])),
        client.get("/"),  # even a public page, once someone is signed in
        client.get("/admin/"),
    ):
        assert response.status_code in (200, 302), response
        assert _no_store(response), response


def test_api_responses_are_no_store(client, world):
    from minsheng.api.tests.test_api_flow import token

    response = client.get("/api/v1/petitions", **token(client, "dispatcher"))
    assert response.status_code == 200 and _no_store(response)
    response = client.post(
        "/api/v1/auth/token", {"username": "dispatcher", "password": "x"}, content_type="application/json"
    )
    assert _no_store(response)


def test_static_files_are_not_no_store(client):
    from django.test import override_settings

    with override_settings(DEBUG=True):
        response = client.get("/static/portal/portal.css")
    assert "no-store" not in response.get("Cache-Control", "")
