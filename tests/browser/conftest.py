"""End-to-end fixtures: Debian's Chromium driven by Playwright against Django's live server.

Never downloads a browser: /usr/bin/chromium (scripts/install-browser-deps.sh installs it).
Screenshots are kept as artefacts under test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make browser-deps` (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; Django must allow ORM calls from the test thread.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield instance
        instance.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def submit(page: Any, selector: str) -> None:
    """Click ``selector`` (a form's button or a link) and wait until the page it leads to has
    loaded. ``page.click`` returns once the click is dispatched, not when the navigation it starts
    has landed: the next line could read or fill the old page (a CI run failed so on a shared
    machine)."""
    with page.expect_navigation():
        page.click(selector)


def shows(page: Any, text: str, timeout: float = 15.0) -> bool:
    """Whether the page's HTML holds ``text`` within ``timeout`` seconds. A click that submits a
    form starts a navigation that may not have landed when the next line runs; ``page.content()``
    read at once can return the old page or, mid-navigation, an empty one (a CI run failed so).
    Asking again until the text is there (or the time is up) reads the page the click led to."""
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout
    while True:
        try:
            if text in page.content():
                return True
        except PlaywrightError:  # the document is being replaced: ask again
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """Run axe-core (from npm, node_modules/axe-core) in the page; return serious/critical violations."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make browser-deps` (npm ci)")
    # Evaluated through the DevTools protocol, not as an inline <script> tag: the pages' CSP forbids those.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in impacts]


@pytest.fixture(autouse=True)
def _browser_db(request: Any) -> None:
    # Live-server tests need real transactions (the server runs in another thread).
    if "tests/browser" in str(request.node.fspath):
        request.getfixturevalue("transactional_db")
