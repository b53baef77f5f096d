"""No internal codes on the pages people read: a case that went through many actions (assignment,
acceptance, extension, a missed deadline with its automatic supervision order, manual supervision,
notes, opinion, delivery, rating, 复查, 复核 with a hearing, finality) and a refused duplicate are
rendered on the workbench (case page, inboxes, search, dashboard), in the .xlsx export, on the
portal's tracking page and in the in-app messages; the visible text (tags, scripts, styles and
attributes stripped) must hold no rule id (D-HANDLE-60), no article shorthand (Art.23(2)), no
snake_case code (deadline_breached, duplicate_in_progress) and no role code (system, petitioner).
In English the deadline names are English."""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from minsheng.core.rules import load_rules
from minsheng.notifications.models import OutboxMessage
from minsheng.workflow.labels import RULE_ARTICLES, RULE_NAMES
from minsheng.workflow.models import Deadline, SupervisionOrder
from minsheng.workflow.sweeps import deadlines_sweep

pytestmark = pytest.mark.django_db

OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经现场核查，工地确有夜间施工行为。",
    "opinion": "责令施工单位停止夜间施工。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
}
ROLE_CODES = (
    "registrar",
    "dispatcher",
    "caseworker",
    "organ_head",
    "supervisor",
    "leader",
    "analyst",
    "admin",
    "system",
    "petitioner",
)
SNAKE = r"(?<![A-Za-z0-9_./-])[a-z]+(?:_[a-z]+)+(?![A-Za-z0-9_])"  # action, state, reason codes
# In English "Art. 34" and "caseworker" are words; the shorthand "Art.23(2)" and snake_case are not.
CODE = {
    "zh-hans": re.compile(
        r"D-[A-Z]|Art\.|" + SNAKE + r"|(?<![A-Za-z0-9_./@-])(?:" + "|".join(ROLE_CODES) + r")(?![A-Za-z0-9_])"
    ),
    "en": re.compile(r"D-[A-Z]|Art\.\d|" + SNAKE),
}
HAN = re.compile(r"[\u4e00-\u9fff]")


class _Text(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: bytes | str) -> str:
    parser = _Text()
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    return " | ".join(parser.parts)


def codes_in(text: str, language: str = "zh-hans") -> list[str]:
    out = []
    for m in CODE[language].finditer(text):
        out.append(text[max(0, m.start() - 30) : m.end() + 30])
    return out


def _past(deadline: Deadline, days: int) -> None:
    past = timezone.localdate() - dt.timedelta(days=days)
    Deadline.objects.filter(pk=deadline.pk).update(
        start=past - dt.timedelta(days=60), nominal_due=past, statutory_due=past, is_provisional=False
    )


@pytest.fixture
def long_case(
    register: Any, act: Any, organs: Any, users: Any, django_capture_on_commit_callbacks: Any
) -> Any:
    today = timezone.localdate().isoformat()
    petition = register()
    act(petition, "triage", "dispatcher")
    act(
        petition,
        "assign",
        "dispatcher",
        organ_id=organs["a-housing"].pk,
        due_date=(timezone.localdate() + dt.timedelta(days=40)).isoformat(),
    )
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "assign_caseworker", "organ_head", user_id=users["caseworker"].pk)
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(petition, "note", "caseworker", text="已约谈施工单位。")
    act(
        petition,
        "extend",
        "organ_head",
        days=10,
        reason="需要补充鉴定",
        notified_at=timezone.now().isoformat(),
    )
    act(petition, "supervise", "supervisor", kind="reminder", suggestion="请加快办理。")
    # The handling deadline runs out: the sweep records the breach, raises an automatic
    # supervision order and tells the organ (in-app messages).
    _past(Deadline.objects.get(petition=petition, rule="D-HANDLE-60", status="open"), 2)
    with django_capture_on_commit_callbacks(execute=True):
        deadlines_sweep()
    assert SupervisionOrder.objects.filter(petition=petition, deadline_rule="D-HANDLE-60").exists()
    act(petition, "conclude", "caseworker", **OPINION)
    act(petition, "sign_opinion", "organ_head")
    act(petition, "deliver", "caseworker", method="in_person", delivered_on=today)
    act(petition, "rate", None, value="basically_satisfied", comment="还行")
    act(petition, "request_review", "registrar", received_on=today)
    act(
        petition,
        "conclude_review",
        "gov_head",
        method="post",
        delivered_on=today,
        **{**OPINION, "outcome": "upheld"},
    )
    act(petition, "request_recheck", "registrar")
    act(petition, "start_recheck_hearing", "caseworker", hearing_start=today)
    act(petition, "end_recheck_hearing", "caseworker", hearing_end=today)
    act(
        petition,
        "conclude_recheck",
        "province_head",
        method="in_person",
        delivered_on=today,
        **{**OPINION, "outcome": "upheld"},
    )
    petition.refresh_from_db()
    assert petition.state == "final"
    return petition


@pytest.fixture
def refused_duplicate(register: Any, act: Any, organs: Any) -> Any:
    earlier = register()
    act(earlier, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(earlier, "receive", "caseworker")
    act(earlier, "accept", "caseworker")
    act(earlier, "start_handling", "caseworker", no_conflict_of_interest=True)
    again = register()
    act(
        again,
        "not_accept",
        "dispatcher",
        reason="duplicate_in_progress",
        related_petition_id=earlier.tracking_code,
        explanation="同一事项正在办理期限内。",
    )
    return again


def _client(user: Any, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["django_language"] = language
    client.force_login(user)
    return client


def _pages(client: Client, urls: list[str]) -> dict[str, str]:
    texts = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        texts[url] = visible_text(response.content)
    return texts


def test_rule_catalogue_covers_every_rule_of_rules_yaml() -> None:
    rules = set(load_rules())
    assert len(rules) >= 16
    assert set(RULE_NAMES) == rules and set(RULE_ARTICLES) == rules


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_workbench_pages_show_no_internal_codes(
    long_case: Any, refused_duplicate: Any, users: Any, language: str
) -> None:
    leaks: dict[str, list[str]] = {}
    case_urls = [f"/workbench/petition/{long_case.pk}/", f"/workbench/petition/{refused_duplicate.pk}/"]
    for username in ("admin", "dispatcher", "caseworker", "organ_head", "supervisor", "registrar"):
        client = _client(users[username], language)
        urls = ["/workbench/petitions/", "/workbench/dashboard/", "/workbench/petitions/?state=final"]
        urls += ["/workbench/supervision/"]
        urls += [f"/workbench/inbox/{username}/"] if username != "admin" else case_urls
        for url, text in _pages(client, urls).items():
            found = codes_in(text, language)
            if found:
                leaks[f"{username} {url}"] = found
    assert not leaks, leaks


def test_case_page_in_chinese_names_deadlines_actions_and_actors(long_case: Any, users: Any) -> None:
    text = visible_text(
        _client(users["admin"], "zh-hans").get(f"/workbench/petition/{long_case.pk}/").content
    )
    assert "办结期限（出具信访处理意见书）" in text
    assert "条例第三十四条" in text and "条例第二十三条第二款、第三款" in text
    assert "期限届满未办结" in text and "系统" in text  # the sweep's event, by the system
    assert "办结期限（出具信访处理意见书）已于" in text  # the automatic supervision order
    assert not codes_in(text)


def test_case_page_in_english_has_english_deadline_names(long_case: Any, users: Any) -> None:
    text = visible_text(_client(users["admin"], "en").get(f"/workbench/petition/{long_case.pk}/").content)
    for name in (
        "Bureau routing (forward, assign or report for decision)",
        "Written notice of receipt and handling route",
        "Assigned matter: handling and completion report",
        "Handling deadline (written handling opinion)",
        "Review opinion deadline",
        "Re-review opinion deadline",
    ):
        assert name in text
    assert "Regulations, Art. 34" in text and "Deadline passed" in text and "System" in text
    assert "Outcome: Supported" in text
    assert "Handling deadline (written handling opinion): due on" in text  # the automatic order
    assert not codes_in(text, "en")
    # No Chinese left in the deadlines table (organ names aside, which are data).
    table = text.split("Statutory due", 1)[1].split("Progress", 1)[0]
    organ_names = {"A市住建局", "A市信访局", "A市政府", "西地省政府"}
    for cell in table.split(" | "):
        assert not HAN.search(cell) or cell in organ_names, cell


def test_closed_without_review_reads_in_words(register: Any, act: Any, organs: Any, users: Any) -> None:
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(petition, "conclude", "caseworker", **OPINION)
    act(petition, "sign_opinion", "organ_head")
    act(petition, "deliver", "caseworker", method="post")
    _past(Deadline.objects.get(petition=petition, rule="D-REVIEW-REQ-30", status="open"), 1)
    deadlines_sweep()
    petition.refresh_from_db()
    assert petition.state == "closed_no_review"
    for language, words in (("zh-hans", "申请期限届满，未提出复查、复核申请"), ("en", "no review")):
        page = _client(users["admin"], language).get(f"/workbench/petition/{petition.pk}/")
        text = visible_text(page.content)
        assert words in text and "request window expired" not in text
        assert not codes_in(text, language)


def test_older_automatic_orders_are_shown_with_the_rule_name() -> None:
    from django.utils import translation

    from minsheng.workflow.labels import suggestion_words

    old = SupervisionOrder(
        deadline_rule="D-HANDLE-60", suggestion="D-HANDLE-60 已于 2026-12-04 届满，请说明原因并尽快办理。"
    )
    assert (
        suggestion_words(old) == "办结期限（出具信访处理意见书）已于 2026-12-04 届满，请说明原因并尽快办理。"
    )
    with translation.override("en"):
        assert suggestion_words(old).startswith(
            "Handling deadline (written handling opinion): due on 2026-12-04"
        )
    manual = SupervisionOrder(suggestion="请核实 D-NOTICE-15 的告知情况。")
    assert suggestion_words(manual) == "请核实 书面告知接收情况及处理途径期限 的告知情况。"


def test_every_rule_has_an_english_name_and_article() -> None:
    from django.utils import translation

    with translation.override("en"):
        for rule_id in RULE_NAMES:
            assert not HAN.search(str(RULE_NAMES[rule_id])), rule_id
            assert not HAN.search(str(RULE_ARTICLES[rule_id]).replace("〔", "").replace("〕", "")), rule_id


def test_export_messages_and_portal_show_no_codes(long_case: Any, refused_duplicate: Any, users: Any) -> None:
    from openpyxl import load_workbook

    client = _client(users["admin"], "zh-hans")
    response = client.get("/workbench/petitions/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = " | ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    assert not codes_in(cells), codes_in(cells)

    bodies = list(
        OutboxMessage.objects.filter(channel=OutboxMessage.Channel.IN_APP).values_list("body", flat=True)
    )
    assert any("办结期限（出具信访处理意见书）已于" in body for body in bodies)
    assert not [b for b in bodies if codes_in(b)]
    assert not [s for s in SupervisionOrder.objects.values_list("suggestion", flat=True) if codes_in(s)]

    from minsheng.portal.tests.helpers import tracked_client

    for petition in (long_case, refused_duplicate):
        portal = tracked_client(petition)
        page = portal.get(f"/track/{petition.tracking_code}/")
        assert page.status_code == 200
        text = visible_text(page.content)
        assert not codes_in(text), codes_in(text)


def test_api_names_deadlines_in_the_request_language(long_case: Any, client: Client) -> None:
    """The API keeps the codes in its machine fields (rule, action, role) and names them in
    ``name``."""
    response = client.post(
        "/api/v1/auth/token",
        {"username": "admin", "password": "test-password-123"},
        content_type="application/json",
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}
    for language, name in (("zh-hans", "办结期限（出具信访处理意见书）"), ("en", "Handling deadline")):
        client.cookies["django_language"] = language
        body = client.get(f"/api/v1/petitions/{long_case.pk}", **auth).json()
        handle = next(d for d in body["deadlines"] if d["rule"] == "D-HANDLE-60")
        assert handle["name"].startswith(name)
        rules = client.get("/api/v1/deadline-rules", **auth).json()
        assert next(r for r in rules if r["id"] == "D-HANDLE-60")["name"].startswith(name)
