"""No dead ends: for every demo role, crawl every link on every page reachable from the workbench
home (and the portal pages linked from there) and assert none answers 403, 404 or 500.

Links of one shape (the same path with other ids) are followed a few times, not each; file
downloads (PDF, .docx, .xlsx) are fetched once per shape. POST-only actions are not links."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PER_SHAPE = 2
MAX_PAGES = 160
SKIP = ("/workbench/logout/", "/i18n/", "/admin/", "/static/", "/media/", "/dev/")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def crawl(client: Client, start: str) -> tuple[dict[str, int], dict[str, str]]:
    """Status of every URL visited, and the page each was linked from."""
    seen: dict[str, int] = {}
    source: dict[str, str] = {start: "(start)"}
    shapes: dict[str, int] = {}
    queue = [start]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code in (301, 302):
            target = urljoin(url, response["Location"])
            if target not in seen:
                source.setdefault(target, url)
                queue.insert(0, target)
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        parser = _Links()
        parser.feed(response.content.decode("utf-8", "replace"))
        for href in parser.hrefs:
            parts = urlsplit(urljoin(url, href))
            if parts.scheme not in ("", "http") or (parts.netloc and parts.netloc != "testserver"):
                continue
            if href.startswith(("#", "mailto:", "tel:", "javascript:")) or parts.path.startswith(SKIP):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            shape = _shape(parts.path)
            if target in seen or target in source:
                continue
            if shapes.get(shape, 0) >= PER_SHAPE:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            source[target] = url
            queue.append(target)
    return seen, source


@pytest.fixture
def cases(register: Any, act: Any, organs: Any, users: dict[str, Any]) -> list[Any]:
    """A few petitions in different states so the lists, case pages and documents have content."""
    fresh = register()
    forwarded = register()
    act(forwarded, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    handled = register()
    act(handled, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(handled, "receive", "caseworker")
    act(handled, "accept", "caseworker")
    act(handled, "start_handling", "caseworker", no_conflict_of_interest=True)
    return [fresh, forwarded, handled]


def test_no_page_links_a_role_to_a_page_it_may_not_open(cases: list[Any], users: dict[str, Any]) -> None:
    dead: list[str] = []
    visited = 0
    for username, user in sorted(users.items()):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        seen, source = crawl(client, "/workbench/")
        visited += len(seen)
        for url, status in seen.items():
            if status in (403, 404, 500):
                dead.append(f"{username}: {url} -> {status} (linked from {source.get(url)})")
    assert visited > 100  # the crawl did reach the pages
    assert not dead, "\n".join(dead)
