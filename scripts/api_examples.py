#!/usr/bin/env python3
"""Real example sessions for every operation of /api/v1, written into docs/api.md.

    .venv/bin/python scripts/api_examples.py [--database /tmp/examples.sqlite3] [--petitions 600]

Builds (or reuses) a SQLite database with the demo (`minsheng migrate` + `minsheng loaddemo`),
then sends one request per operation of the OpenAPI document with Django's test client, as a demo
user chosen for the operation, and writes the request (as curl) and the answer it really got
(status and JSON body; long lists and texts shortened, marked with "…") between the markers of
the "Example sessions" section of docs/api.md. Each request runs in a transaction that is rolled
back afterwards: every example starts from the same demo data, and nothing is sent (SMS, webhooks).

An action is shown on a petition of the demo on which a demo user may take it
(``available_actions``); an action no petition of the demo allows is shown with the refusal it
gets. minsheng/api/tests/test_api_examples.py fails if an operation has no example.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "api.md"
START = "<!-- api-examples:start (written by scripts/api_examples.py; do not edit by hand) -->"
END = "<!-- api-examples:end -->"
PREFIX = "/api/v1"
MAX_ITEMS = 2
MAX_TEXT = 120
MAX_LINES = 60

# Demo users tried, in this order, for an action (the first one allowed to take it is shown).
ACTORS = [
    "registrar",
    "dispatcher",
    "caseworker",
    "organ_head",
    "bureau_head",
    "gov_head",
    "province_head",
    "supervisor",
    "hrss_caseworker",
    "hrss_head",
    "env_caseworker",
    "edu_caseworker",
    "discipline_caseworker",
    "a5_caseworker",
    "joint_office",
    "leader",
]

OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经核查，反映的情况属实。",
    "opinion": "责令施工单位停止夜间施工。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
}


@dataclass
class Example:
    method: str
    path: str  # the OpenAPI path template
    url: str  # the path sent, with its query
    user: str | None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    note: str = ""
    status: int = 0
    answer_headers: dict[str, str] = field(default_factory=dict)
    answer: str = ""


def setup(database: Path, petitions: int) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("MINSHENG_VAR_DIR", str(database.parent))
    os.environ["MINSHENG_TESTING"] = "true"  # the test app: immediate tasks, no SMS gateway
    os.environ["DJANGO_SETTINGS_MODULE"] = "minsheng.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    fresh = not database.exists()
    call_command("migrate", "--noinput", verbosity=0)
    if fresh:
        call_command("loaddemo", petitions=petitions, stdout=open(os.devnull, "w"))  # noqa: SIM115


# ---------------------------------------------------------------------------------------------- bodies


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def sample_value(name: str, schema: dict[str, Any], components: dict[str, Any], ids: dict[str, int]) -> Any:
    """A plausible value for a required field the recipes do not set."""
    schema = _resolve(schema, components)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if _resolve(s, components).get("type") != "null"]
        return sample_value(name, options[0], components, ids) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    today = dt.datetime.now().astimezone().date()
    if kind == "boolean":
        return True
    if kind == "integer":
        if name.endswith("organ_id"):
            return ids["a-env"]
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "array":
        if name.endswith("organ_ids"):
            return [ids["a-env"]]
        return []
    if schema.get("format") == "time" or name.endswith("_time"):
        return "11:30" if name.startswith("end") else "09:00"
    if schema.get("format") == "date" or name.endswith(("_on", "_date", "date")):
        return today.isoformat()
    if schema.get("format") == "date-time" or name.endswith("_at"):
        return dt.datetime.now().astimezone().isoformat(timespec="seconds")
    if kind == "string":
        text = "示例：" + str(schema.get("title") or name)
        return text[: int(schema.get("maxLength", len(text)))]
    return None


def body_for(
    schema: dict[str, Any] | None, components: dict[str, Any], ids: dict[str, int], **given: Any
) -> Any:
    if schema is None:
        return given or None
    schema = _resolve(schema, components)
    body = dict(given)
    for name in schema.get("required", []):
        if name not in body:
            body[name] = sample_value(name, schema["properties"][name], components, ids)
    return body


# ---------------------------------------------------------------------------------------------- answers


def shorten(value: Any) -> Any:
    if isinstance(value, list):
        items = [shorten(v) for v in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            items.append(f"… {len(value) - MAX_ITEMS} more")
        return items
    if isinstance(value, dict):
        return {k: shorten(v) for k, v in value.items()}
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "…"
    return value


def render_answer(content_type: str, content: bytes) -> str:
    if "json" in content_type and content:
        text = json.dumps(shorten(json.loads(content)), ensure_ascii=False, indent=2)
    elif content_type.startswith("text/") and content:
        text = content.decode("utf-8", errors="replace")
        if len(text) > 600:
            text = text[:600] + "\n…"
    elif content:
        text = f"<{len(content)} bytes of {content_type}>"
    else:
        text = ""
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], "…"]
    return "\n".join(lines)


def curl(example: Example) -> str:
    parts = ["curl -s"]
    if example.method != "GET":
        parts.append(f"-X {example.method}")
    parts.append(shlex.quote(f"localhost:8000{example.url}"))
    if example.user:
        parts.append('-H "Authorization: Bearer $TOKEN"')
    for name, value in example.headers.items():
        parts.append(shlex.quote(f"{name}: {value}"))
    if example.body is not None:
        shown = dict(example.body) if isinstance(example.body, dict) else example.body
        if isinstance(shown, dict) and example.path.endswith("/auth/token"):
            shown["password"] = "$PASSWORD"
        parts.append("-H 'Content-Type: application/json'")
        data = shlex.quote(json.dumps(shown, ensure_ascii=False))
        parts.append("-d " + data.replace('"$PASSWORD"', '"\'"$PASSWORD"\'"'))
    line = " ".join(parts[:3])
    rest = parts[3:]
    out = [line]
    for part in rest:
        if len(out[-1]) + len(part) + 1 > 100:
            out[-1] += " \\"
            out.append("     " + part)
        else:
            out[-1] += " " + part
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------- the run


class Runner:
    def __init__(self) -> None:
        from django.test import Client

        from minsheng.api.v1 import api
        from minsheng.orgs.models import Organ
        from minsheng.orgs.tokens import issue_token

        self.client = Client(HTTP_HOST="localhost:8000")  # the host the curl lines name
        self.schema = api.get_openapi_schema()
        self.components = self.schema.get("components", {}).get("schemas", {})
        self.ids = {o.code: o.pk for o in Organ.objects.all()}
        from django.contrib.auth import get_user_model

        self.users = {u.username: u for u in get_user_model().objects.all()}
        self.ids["user:caseworker"] = self.users["caseworker"].pk
        self.tokens = {name: issue_token(user)[0] for name, user in self.users.items()}

    def send(self, example: Example, prepare: Callable[[], None] | None = None) -> Example:
        from django.db import transaction

        headers = dict(example.headers)
        kwargs: dict[str, Any] = {"headers": headers}
        from django.core.cache import cache

        cache.clear()  # throttles: each example is a first request
        with transaction.atomic():
            if prepare is not None:
                prepare()
            if example.user:
                headers["Authorization"] = f"Bearer {self.tokens[example.user]}"
            if example.body is not None:
                kwargs["data"] = json.dumps(example.body, ensure_ascii=False)
                kwargs["content_type"] = "application/json"
            response = getattr(self.client, example.method.lower())(example.url, **kwargs)
            transaction.set_rollback(True)
        example.status = response.status_code
        content_type = response.get("Content-Type", "")
        example.answer_headers = {
            k: response[k]
            for k in ("Content-Type", "ETag", "Location", "Content-Disposition", "Idempotent-Replayed")
            if response.has_header(k)
        }
        content = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        example.answer = render_answer(content_type, content)
        return example

    def json(self, url: str, user: str | None) -> Any:
        example = self.send(Example("GET", url, url, user))
        assert example.status == 200, (url, example.status, example.answer)
        response = self.client.get(
            url, headers={"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        )
        return json.loads(response.content)

    def request_schema(self, method: str, path: str) -> dict[str, Any] | None:
        operation = self.schema["paths"][path][method.lower()]
        content = operation.get("requestBody", {}).get("content", {})
        return content.get("application/json", {}).get("schema")


def _items(data: Any) -> list[Any]:
    if isinstance(data, dict):
        for key in ("items", "results", "data"):
            if isinstance(data.get(key), list):
                return list(data[key])
        return []
    return list(data)


def _fmt(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v() if callable(v) else v) for k, v in values.items()}


def recipes(run: Runner) -> dict[tuple[str, str], Callable[[], Example]]:
    """One request per (method, path template) of the document, actions apart."""
    from django.conf import settings

    from minsheng.petitions.models import Petition
    from minsheng.workflow.models import SupervisionOrder

    p = PREFIX
    ids = run.ids
    today = dt.datetime.now().astimezone().date()
    year_start = today.replace(month=1, day=1).isoformat()
    # A petition at the city's bureau, seen by its dispatcher.
    bureau_petition = (
        Petition.objects.filter(receiving_organ_id=ids["a-bureau"], is_historical=False)
        .exclude(nature="accusation")
        .order_by("-pk")
        .first()
    )
    assert bureau_petition is not None, "the demo has no petition at the city's bureau"
    pid = bureau_petition.pk
    order = SupervisionOrder.objects.order_by("-pk").first()
    noter = find_petition_for("note", run) or ("dispatcher", pid)

    def get(
        path: str, user: str | None, query: str = "", note: str = "", **fmt: Any
    ) -> Callable[[], Example]:
        def make() -> Example:
            url = p + path.format(**_fmt(fmt)) + (f"?{query}" if query else "")
            return run.send(Example("GET", p + path, url, user, note=note))

        return make

    def post(
        path: str,
        user: str | None,
        query: str = "",
        note: str = "",
        body: dict[str, Any] | None = None,
        method: str = "POST",
        **fmt: Any,
    ) -> Callable[[], Example]:
        def make() -> Example:
            url = p + path.format(**_fmt(fmt)) + (f"?{query}" if query else "")
            filled = None
            if method == "POST":
                schema = run.request_schema("POST", p + path)
                filled = body_for(schema, run.components, ids, **(body or {})) if schema or body else None
            return run.send(Example(method, p + path, url, user, body=filled, note=note))

        return make

    def first(list_path: str, user: str, key: str = "id") -> Any:
        items = _items(run.json(p + list_path, user))
        return items[0][key] if items else 0

    return {
        ("POST", "/auth/token"): lambda: auth_token(run, settings.MINSHENG_DEMO_PASSWORD),
        ("GET", "/auth/me"): get("/auth/me", "dispatcher"),
        ("GET", "/actions"): get("/actions", "dispatcher"),
        ("GET", "/categories"): get("/categories", "registrar", "level=1"),
        ("GET", "/deadline-rules"): get("/deadline-rules", "dispatcher"),
        ("GET", "/organs"): get("/organs", "dispatcher"),
        ("GET", "/organs/{organ_id}/chain"): get(
            "/organs/{organ_id}/chain", "organ_head", organ_id=ids["a-housing"]
        ),
        ("GET", "/regions"): get("/regions", "registrar"),
        ("GET", "/petitions"): get("/petitions", "dispatcher", "page_size=2"),
        ("POST", "/petitions"): post(
            "/petitions",
            "registrar",
            body={
                "channel": "letter",
                "title": "幸福小区旁工地夜间施工噪音扰民",
                "request": "请求责令工地停止夜间施工",
                "facts": "A3区幸福小区旁的工地连续一个月在夜间十一点后施工。",
                "nature": "grievance",
                "petitioner": {"name": "李四", "phone": "13800138000", "address": "A市A3区幸福小区3栋"},
            },
        ),
        ("GET", "/petitions/{petition_id}"): get("/petitions/{petition_id}", "dispatcher", petition_id=pid),
        ("GET", "/petitions/{petition_id}/actions"): get(
            "/petitions/{petition_id}/actions", "dispatcher", petition_id=pid
        ),
        ("GET", "/petitions/{petition_id}/attachments"): lambda: attachment_example(run, pid, download=False),
        ("GET", "/petitions/{petition_id}/attachments/{attachment_id}"): lambda: attachment_example(
            run, pid, download=True
        ),
        ("GET", "/petitions/{petition_id}/documents"): get(
            "/petitions/{petition_id}/documents", "dispatcher", petition_id=pid
        ),
        ("POST", "/petitions/{petition_id}/documents/{kind}"): post(
            "/petitions/{petition_id}/documents/{kind}",
            "dispatcher",
            "format=pdf",
            petition_id=pid,
            kind=lambda: first(f"/petitions/{pid}/documents", "dispatcher", "kind"),
        ),
        ("GET", "/petitions/{petition_id}/notes"): get(
            "/petitions/{petition_id}/notes", noter[0], petition_id=noter[1]
        ),
        ("POST", "/petitions/{petition_id}/notes"): post(
            "/petitions/{petition_id}/notes",
            noter[0],
            body={"text": "已电话联系信访人核实地址。"},
            petition_id=noter[1],
        ),
        ("GET", "/petitions/{petition_id}/suggestions"): get(
            "/petitions/{petition_id}/suggestions", "dispatcher", petition_id=pid
        ),
        ("POST", "/petitions/{petition_id}/suggestions/feedback"): post(
            "/petitions/{petition_id}/suggestions/feedback",
            "dispatcher",
            body={"kind": "routing", "suggested": ids["a-housing"], "chosen": ids["a-housing"]},
            petition_id=pid,
        ),
        ("POST", "/suggestions/draft"): post(
            "/suggestions/draft",
            "registrar",
            body={
                "title": "小区物业乱收费",
                "request": "请求退还多收的物业费",
                "facts": "物业公司多收停车费。",
            },
        ),
        ("GET", "/similar"): get("/similar", "dispatcher", "text=工地夜间施工噪音&top=2"),
        ("GET", "/exports/petitions"): get("/exports/petitions", "dispatcher", "page_size=2&format=csv"),
        ("GET", "/saved-filters"): get("/saved-filters", "dispatcher"),
        ("POST", "/saved-filters"): post(
            "/saved-filters",
            "dispatcher",
            body={"name": "超期的来信", "query": "channel=letter&overdue=true"},
        ),
        ("DELETE", "/saved-filters/{filter_id}"): lambda: saved_filter_delete(run),
        ("GET", "/supervision-orders"): get("/supervision-orders", "supervisor", "page_size=2"),
        ("GET", "/supervision-orders/{order_id}"): get(
            "/supervision-orders/{order_id}", "supervisor", order_id=order.pk if order else 0
        ),
        ("POST", "/supervision-orders/{order_id}/feedback"): post(
            "/supervision-orders/{order_id}/feedback",
            "caseworker",
            body={"feedback": "已约谈施工单位，夜间施工已停止。"},
            order_id=order.pk if order else 0,
        ),
        ("GET", "/indicators"): get(
            "/indicators", "leader", f"organ={ids['a-gov']}&from={year_start}&to={today}"
        ),
        ("GET", "/indicators/drill"): get(
            "/indicators/drill",
            "leader",
            f"organ={ids['a-gov']}&from={year_start}&to={today}&indicator=I-ONTIME-REPLY",
        ),
        ("GET", "/indicators/ranking"): get(
            "/indicators/ranking",
            "leader",
            f"parent={ids['a-gov']}&indicator=I-ONTIME-REPLY&from={year_start}&to={today}",
        ),
        ("GET", "/indicators/trend"): get(
            "/indicators/trend",
            "leader",
            f"organ={ids['a-gov']}&from={year_start}&to={today}&indicator=I-ONTIME-REPLY",
        ),
        ("POST", "/indicators/freeze"): post(
            "/indicators/freeze",
            "leader",
            body={
                "organ": ids["a-housing"],
                "from": today.replace(year=today.year - 1, month=1, day=1).isoformat(),
                "to": today.replace(year=today.year - 1, month=12, day=31).isoformat(),
                "reason": "年度考核",
            },
        ),
        ("GET", "/accountability/measures"): get("/accountability/measures", "caseworker"),
        ("POST", "/accountability/measures/{measure_id}/feedback"): lambda: measure_feedback(run),
        ("GET", "/accountability/proposals"): get("/accountability/proposals", "supervisor"),
        ("POST", "/accountability/proposals/{proposal_id}/accept"): post(
            "/accountability/proposals/{proposal_id}/accept",
            "supervisor",
            body={"text": "责令限期整改。", "rectify_by": (today + dt.timedelta(days=30)).isoformat()},
            proposal_id=lambda: first("/accountability/proposals", "supervisor"),
        ),
        ("POST", "/accountability/proposals/{proposal_id}/dismiss"): post(
            "/accountability/proposals/{proposal_id}/dismiss",
            "supervisor",
            body={"reason": "经核实已按期办结，不予问责。"},
            proposal_id=lambda: first("/accountability/proposals", "supervisor"),
        ),
        ("GET", "/accountability/vetoes"): get(
            "/accountability/vetoes", "supervisor", f"organ_id={ids['a-housing']}"
        ),
        ("POST", "/accountability/vetoes"): post(
            "/accountability/vetoes",
            "supervisor",
            body={
                "organ_id": ids["a-housing"],
                "period_from": year_start,
                "period_to": today.isoformat(),
                "ground": "urgent_late",
                "evidence": "督查通报",
            },
        ),
        ("GET", "/consistency-flags"): get("/consistency-flags", "supervisor"),
        ("GET", "/major-decisions"): get("/major-decisions", "leader"),
        ("GET", "/major-decisions/{decision_id}"): get(
            "/major-decisions/{decision_id}",
            "leader",
            decision_id=lambda: first("/major-decisions", "leader"),
        ),
        ("GET", "/reception-days"): get("/reception-days", "leader"),
        ("GET", "/reception-duties"): get("/reception-duties", "registrar"),
        ("GET", "/reception-days/{day_id}"): get(
            "/reception-days/{day_id}", "leader", day_id=lambda: first("/reception-days", "leader")
        ),
        ("POST", "/citizen/track"): lambda: citizen(run, "track", {}),
        ("POST", "/citizen/rate"): lambda: citizen(
            run, "rate", {"value": "satisfied", "comment": "处理及时"}
        ),
        ("POST", "/citizen/appeal"): lambda: citizen(run, "appeal", {"reasons": "处理意见未解决噪音问题"}),
        ("POST", "/citizen/verification-codes"): lambda: run.send(
            Example(
                "POST",
                p + "/citizen/verification-codes",
                p + "/citizen/verification-codes",
                None,
                body={"phone": "13912345678"},
                headers={"Idempotency-Key": "5f0c2a9e-41b7-4d3c-8e2a-7b1f0c9d4e21"},
            )
        ),
        ("POST", "/citizen/petitions"): lambda: citizen_submit(run),
        ("GET", "/citizen/reception-days"): lambda: run.send(
            Example("GET", p + "/citizen/reception-days", p + "/citizen/reception-days", None)
        ),
        ("POST", "/citizen/reception-days/{day_id}/appointments"): lambda: citizen_booking(run, cancel=False),
        ("POST", "/citizen/appointments/cancel"): lambda: citizen_booking(run, cancel=True),
    }


def auth_token(run: Runner, password: str) -> Example:
    def prepare() -> None:  # hashed again with this process's hasher (the test app's is faster)
        user = run.users["dispatcher"]
        user.set_password(password)
        user.save(update_fields=["password"])

    path = f"{PREFIX}/auth/token"
    example = Example(
        "POST",
        path,
        path,
        None,
        body={"username": "dispatcher", "password": password},
        note="`$PASSWORD`: the demo password printed by `minsheng loaddemo`",
    )
    return run.send(example, prepare=prepare)


def measure_feedback(run: Runner) -> Example:
    """A proposal of the demo is accepted first (same transaction), which makes the measure."""
    from minsheng.orgs.models import StaffMembership

    path = f"{PREFIX}/accountability/measures/{{measure_id}}/feedback"
    example = Example("POST", path, path, None, body={"feedback": "已约谈并完成整改，建立了台账。"})

    def prepare() -> None:
        proposals = _items(run.json(f"{PREFIX}/accountability/proposals?status=open", "supervisor"))
        proposal = proposals[0]
        accepted = run.client.post(
            f"{PREFIX}/accountability/proposals/{proposal['id']}/accept",
            {"text": "责令限期整改。"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {run.tokens['supervisor']}"},
        )
        measure_id = json.loads(accepted.content)["measure_id"]
        head = StaffMembership.objects.filter(organ_id=proposal["organ_id"], role="organ_head").first()
        assert head is not None
        example.user = head.user.username
        example.url = path.replace("{measure_id}", str(measure_id))
        example.note = f"after POST /accountability/proposals/{proposal['id']}/accept made the measure"

    return run.send(example, prepare=prepare)


def attachment_example(run: Runner, pid: int, *, download: bool) -> Example:
    """An attachment filed for the example (the demo has none), listed or downloaded."""
    from minsheng.petitions.attachments import attachment_store
    from minsheng.petitions.models import Petition

    path = f"{PREFIX}/petitions/{{petition_id}}/attachments" + ("/{attachment_id}" if download else "")
    example = Example("GET", path, path, "dispatcher")

    def prepare() -> None:
        stored = attachment_store(
            Petition.objects.get(pk=pid),
            content=b"%PDF-1.4\n% example\n",
            content_type="application/pdf",
            original_name="施工现场照片说明.pdf",
            uploaded_by=run.users["registrar"],
        )
        url = path.replace("{petition_id}", str(pid)).replace("{attachment_id}", str(stored.pk))
        example.url = url + ("?reason=核实材料" if download else "")

    return run.send(example, prepare=prepare)


def saved_filter_delete(run: Runner) -> Example:
    from minsheng.search.models import SavedFilter

    path = f"{PREFIX}/saved-filters/{{filter_id}}"
    example = Example("DELETE", path, path, "dispatcher")

    def prepare() -> None:
        saved = SavedFilter.objects.create(
            user=run.users["dispatcher"], name="超期的来信", query="channel=letter&overdue=true"
        )
        example.url = path.replace("{filter_id}", str(saved.pk))

    return run.send(example, prepare=prepare)


DEMO_QUERY_PASSWORD = "246810"


def citizen(run: Runner, what: str, extra: dict[str, Any]) -> Example:
    """A delivered demo petition, opened with a query password set for the example (rolled back)."""
    from minsheng.petitions.models import Petition
    from minsheng.petitions.services import query_password_hash
    from minsheng.portal.queries import can_rate

    delivered = (
        Petition.objects.filter(state="delivered", is_historical=False, petitioner__isnull=False)
        .exclude(nature="accusation")
        .order_by("-pk")
    )
    petition = next((p for p in delivered if can_rate(p)), None)
    assert petition is not None, "the demo has no delivered petition that can be rated"
    body = {"tracking_code": petition.tracking_code, "password": DEMO_QUERY_PASSWORD, **extra}
    path = f"{PREFIX}/citizen/{what}"
    headers = {} if what == "track" else {"Idempotency-Key": f"0b6c3f2e-9d41-4a57-8e21-{what:0>12}"[:36]}

    def prepare() -> None:
        Petition.objects.filter(pk=petition.pk).update(
            query_password_hash=query_password_hash(petition.tracking_code, DEMO_QUERY_PASSWORD)
        )

    return run.send(Example("POST", path, path, None, body=body, headers=headers), prepare=prepare)


def citizen_submit(run: Runner) -> Example:
    """The SMS code is asked for first (in the same rolled-back transaction)."""
    import re as _re

    from minsheng.notifications import sms

    phone = "13912345678"
    path = f"{PREFIX}/citizen/petitions"
    body: dict[str, Any] = {
        "nature": "grievance",
        "title": "小区旁工地夜间施工噪音扰民",
        "facts": "连续一个月夜间施工，噪音很大。",
        "request": "请求责令工地停止夜间施工",
        "name": "王五",
        "phone": phone,
        "code": "",
    }

    def prepare() -> None:
        sms.sent_messages.clear()
        run.client.post(
            f"{PREFIX}/citizen/verification-codes", {"phone": phone}, content_type="application/json"
        )
        text = next(t for ph, t in reversed(sms.sent_messages) if ph == phone)
        match = _re.search(r"\d{6}", text)
        body["code"] = match.group(0) if match else ""

    example = Example(
        "POST",
        path,
        path,
        None,
        body=body,
        headers={"Idempotency-Key": "9a1d7c44-2b3e-4f8a-b6c1-3e5d7f9a0b12"},
        note="after POST /citizen/verification-codes: `code` is the six digits of the SMS",
    )
    return run.send(example, prepare=prepare)


def citizen_booking(run: Runner, *, cancel: bool) -> Example:
    """A place booked on the first published reception day still open for booking; to show the
    cancellation, booked first in the same rolled-back transaction."""
    from minsheng.reception.selectors import is_bookable, upcoming_days
    from minsheng.reception.services import appointment_book

    day = next((d for d in upcoming_days() if is_bookable(d)), None)
    assert day is not None, "the demo has no reception day open for booking"
    phone = "13912345679"
    booking = {"name": "赵六", "phone": phone, "summary": "小区停车位被开发商强制捆绑销售，请求督促整改。"}
    if not cancel:
        import re as _re

        from minsheng.notifications import sms

        path = f"{PREFIX}/citizen/reception-days/{{day_id}}/appointments"
        proved: dict[str, Any] = {**booking, "code": ""}

        def prove() -> None:
            sms.sent_messages.clear()
            run.client.post(
                f"{PREFIX}/citizen/verification-codes",
                {"phone": phone, "purpose": "reception"},
                content_type="application/json",
            )
            text = next(t for ph, t in reversed(sms.sent_messages) if ph == phone)
            match = _re.search(r"\d{6}", text)
            proved["code"] = match.group(0) if match else ""

        example = Example(
            "POST",
            path,
            path.replace("{day_id}", str(day.pk)),
            None,
            body=proved,
            headers={"Idempotency-Key": "3c7e9b21-5a4d-4f6e-9c8b-1d2e3f4a5b6c"},
            note='after POST /citizen/verification-codes with `"purpose": "reception"`: `code` is the '
            "six digits of the SMS",
        )
        return run.send(example, prepare=prove)
    path = f"{PREFIX}/citizen/appointments/cancel"
    body: dict[str, Any] = {"code": "", "phone": phone}

    def prepare() -> None:
        body["code"] = appointment_book(
            day.pk,
            name=booking["name"],
            phone=booking["phone"],
            summary=booking["summary"],
            phone_verified=True,
        ).code

    example = Example(
        "POST",
        path,
        path,
        None,
        body=body,
        headers={"Idempotency-Key": "8d2f4a6c-1b3e-4c5d-9e7f-0a1b2c3d4e5f"},
        note="after POST /citizen/reception-days/{day_id}/appointments answered the `code`",
    )
    return run.send(example, prepare=prepare)


# ---------------------------------------------------------------------------------------------- actions

ACTION_BODIES: dict[str, Callable[[dict[str, int]], dict[str, Any]]] = {
    "forward": lambda ids: {"organ_id": ids["a-housing"], "instructions": "请依法处理并答复信访人。"},
    "assign": lambda ids: {
        "organ_id": ids["a-housing"],
        "due_days": 30,
        "instructions": "请于30日内报送办结报告。",
    },
    "route_discipline": lambda ids: {"organ_id": ids["a-discipline"]},
    "route_political_legal": lambda ids: {"organ_id": ids.get("a-court", ids.get("a-police", 0))},
    "conclude": lambda ids: dict(OPINION),
    "conclude_review": lambda ids: {**OPINION, "outcome": "upheld"},
    "conclude_recheck": lambda ids: {**OPINION, "outcome": "upheld"},
    "draft_opinion": lambda ids: {**OPINION, "outcome": "upheld", "submit": True},
    "not_accept": lambda ids: {"reason": "other", "explanation": "信访人已就同一事项提起行政诉讼。"},
    "object": lambda ids: {"reasons": "该事项不属于本机关职责，应由区政府处理。"},
    "deliver": lambda ids: {"method": "in_person"},
    "start_handling": lambda ids: {"no_conflict_of_interest": True},
    "simplify": lambda ids: {
        "likely_supported": True,
        "no_statutory_procedure": True,
        "single_responsible_body": True,
        "no_conflict_of_interest": True,
    },
    "start_mediation": lambda ids: {"both_parties_consent": True},
    "extend": lambda ids: {"days": 10, "reason": "案情复杂，需现场核查。"},
    "request_recheck": lambda ids: {
        "reasons": "复查意见未解决问题。",
        "good_reason": "因住院治疗未能按期申请。",
    },
    "assign_caseworker": lambda ids: {"user_id": ids["user:caseworker"]},
    "resolve_jurisdiction": lambda ids: {"organ_id": ids["a-housing"], "note": "由市住建局受理。"},
    "note": lambda ids: {"text": "已电话联系信访人。"},
    "rate": lambda ids: {"value": "satisfied"},
    "supervise": lambda ids: {"suggestion": "请按期办结并书面反馈。"},
}

# Bodies of other operations where a sampled value would not do (by path, without the prefix).
OPERATION_BODIES: dict[str, dict[str, Any]] = {
    "/major-decisions/{decision_id}/risk": {
        "level": "medium",
        "risk_points": "拆迁补偿标准可能引发群体性信访。",
        "mitigations": "公开补偿标准，设立咨询点，一户一策。",
        "response_plan": "出现群体性信访时由街道牵头、信访局配合当日接谈。",
    },
    "/major-decisions/{decision_id}/findings": {
        "dimension": "legality",
        "findings": "决策依据充分，程序合法。",
        "rating": "sound",
    },
    "/major-decisions/{decision_id}/consultations": {
        "method": "hearing",
        "held_on": dt.datetime.now().astimezone().date().isoformat(),
        "participants": "居民代表12人",
        "summary": "多数代表支持，建议提高补偿标准。",
    },
}


# Actions only petitions of one nature take (the statute's routing of Art. 22(2), Art. 29).
ACTION_NATURES = {
    "route_discipline": "accusation",
    "split_accusation": "grievance",
    "route_political_legal": "litigation_related",
    "reply_suggestion": "suggestion",
}


def find_petition_for(action: str, run: Runner, limit: int = 400) -> tuple[str, int] | None:
    """(user, petition id) of a demo petition on which a demo user may take ``action``."""
    return next(candidates_for(action, run, limit), None)


def candidates_for(action: str, run: Runner, limit: int = 400) -> Iterator[tuple[str, int]]:
    """(user, petition id) of the demo petitions on which a demo user may take ``action``."""
    from minsheng.orgs.models import StaffMembership
    from minsheng.petitions.models import Petition
    from minsheng.workflow.services import TRANSITIONS, available_actions

    sources = TRANSITIONS[action].sources
    candidates = Petition.objects.filter(is_historical=False, state__in=list(sources))
    nature = ACTION_NATURES.get(action)
    candidates = candidates.filter(nature=nature) if nature else candidates.exclude(nature="accusation")
    staff = sorted(
        set(StaffMembership.objects.values_list("user__username", flat=True)),
        key=lambda name: (ACTORS.index(name) if name in ACTORS else len(ACTORS), name),
    )
    for petition in candidates.order_by("-pk")[:limit]:
        for username in staff:
            user = run.users.get(username)
            if user is None:
                continue
            if any(t.action == action for t in available_actions(petition, user)):
                yield username, petition.pk
                break


# Actions the demo leaves no petition ready for: shown after the action that leads to them, taken
# in the same rolled-back transaction (``prelude_example``).
ACTION_PRELUDES: dict[str, tuple[str, dict[str, Any]]] = {
    "end_hearing": ("start_hearing", {}),
    "end_recheck_hearing": ("start_recheck_hearing", {}),
    "end_mediation": ("start_mediation", {"both_parties_consent": True}),
    "settle": ("start_mediation", {"both_parties_consent": True}),
    "notify_extension": ("extend", {"days": 10, "reason": "案情复杂，需现场核查。"}),
    "resolve_jurisdiction": ("dispute_jurisdiction", {"reasons": "两机关均认为不属本机关职责。"}),
    "supervision_feedback": ("supervise", {"kind": "reminder", "suggestion": "请按期办结并书面反馈。"}),
}


def prelude_example(run: Runner, action: str, path: str, body: dict[str, Any], tries: int) -> Example | None:
    from minsheng.core.errors import ApplicationError
    from minsheng.orgs.models import StaffMembership
    from minsheng.petitions.models import Petition
    from minsheng.workflow.models import SupervisionOrder
    from minsheng.workflow.services import available_actions, petition_transition

    prelude, data = ACTION_PRELUDES[action]
    staff = sorted(
        set(StaffMembership.objects.values_list("user__username", flat=True)),
        key=lambda name: (ACTORS.index(name) if name in ACTORS else len(ACTORS), name),
    )
    for attempt, (user, pid) in enumerate(candidates_for(prelude, run)):
        if attempt >= tries:
            break
        example = Example("POST", path, path, user, body=dict(body), note=f"after `{prelude}`")

        def prepare(user: str = user, pid: int = pid, example: Example = example) -> None:
            given = dict(data)
            if prelude == "dispute_jurisdiction":
                given["other_organ_ids"] = [run.ids["a-env"]]
            petition_transition(pid, prelude, actor=run.users[user], data=given)
            petition = Petition.objects.get(pk=pid)
            actor = next(
                (
                    n
                    for n in staff
                    if any(t.action == action for t in available_actions(petition, run.users[n]))
                ),
                user,
            )
            example.user = actor
            example.url = path.replace("{petition_id}", str(pid)).replace("{action}", action)
            if action == "supervision_feedback":
                order = SupervisionOrder.objects.filter(petition_id=pid).order_by("-pk").first()
                example.body = {**example.body, "order_id": order.pk if order else 0}

        try:
            sent = run.send(example, prepare=prepare)
        except ApplicationError:  # the prelude itself is refused on this petition: the next one
            continue
        if sent.status < 400:
            return sent
    return None


def action_example(run: Runner, action: str, path: str, tries: int = 8) -> Example:
    """The action on the first demo petition where it succeeds (each try rolled back), else the
    refusal of the last try."""
    make = ACTION_BODIES.get(action)
    given = make(run.ids) if make else {}
    schema = run.request_schema("POST", path)
    body = body_for(schema, run.components, run.ids, **given) or {}
    example: Example | None = None
    for attempt, (user, pid) in enumerate(candidates_for(action, run)):
        if attempt >= tries:
            break
        url = path.replace("{petition_id}", str(pid)).replace("{action}", action)
        example = run.send(Example("POST", path, url, user, body=body))
        if example.status < 400:
            return example
    if action in ACTION_PRELUDES:
        found = prelude_example(run, action, path, body, tries)
        if found is not None:
            return found
    if example is None:
        # No demo petition allows it: shown on a registered one, with the refusal it gets.
        from minsheng.petitions.models import Petition

        petition = (
            Petition.objects.filter(is_historical=False).exclude(nature="accusation").order_by("-pk").first()
        )
        assert petition is not None
        url = path.replace("{petition_id}", str(petition.pk)).replace("{action}", action)
        example = run.send(Example("POST", path, url, "dispatcher", body=body))
        example.note = "no demo petition is in a state that allows this action: the refusal is shown"
    return example


# ---------------------------------------------------------------------------------------------- the rest

# Users tried, in order, for an operation without a recipe: the first answer that is not a refusal
# is shown (else the last one).
GENERIC_USERS = [
    "leader",
    "supervisor",
    "dispatcher",
    "registrar",
    "organ_head",
    "gov_head",
    "bureau_head",
    "caseworker",
    "joint_office",
    "admin",
]
# Where the first id of a path parameter comes from, for an operation without a recipe.
ID_SOURCES = {
    "decision_id": ("/major-decisions", "leader", "id"),
    "day_id": ("/reception-days", "leader", "id"),
    "flag_id": ("/consistency-flags", "supervisor", "id"),
    "order_id": ("/supervision-orders", "supervisor", "id"),
    "measure_id": ("/accountability/measures", "supervisor", "id"),
    "proposal_id": ("/accountability/proposals", "supervisor", "id"),
    "filter_id": ("/saved-filters", "dispatcher", "id"),
}


def generic_example(run: Runner, method: str, path: str) -> Example | None:
    """An operation without a recipe: path ids from the demo (the first of their list), the body's
    required fields sampled from its schema, as the first demo user it does not refuse."""
    from minsheng.petitions.models import Petition

    values: dict[str, Any] = {}
    if "{appointment_id}" in path:  # a reception day with an appointment, and that appointment
        for day in _items(run.json(f"{PREFIX}/reception-days", "leader")):
            detail = run.json(f"{PREFIX}/reception-days/{day['id']}", "leader")
            if detail.get("appointments"):
                values = {"day_id": day["id"], "appointment_id": detail["appointments"][0]["id"]}
                break
    for name in re.findall(r"\{(\w+)\}", path):
        if name in values:
            continue
        if name == "petition_id":
            petition = (
                Petition.objects.filter(is_historical=False)
                .exclude(nature="accusation")
                .order_by("-pk")
                .first()
            )
            values[name] = petition.pk if petition else 0
        elif name == "organ_id":
            values[name] = run.ids["a-housing"]
        elif name in ID_SOURCES:
            source, user, key = ID_SOURCES[name]
            try:
                items = _items(run.json(PREFIX + source, user))
            except AssertionError:
                items = []
            # Prefer an item that can still change (a decision under assessment, a day not yet
            # published), so that the writes on it have something to do.
            if path.endswith(("/publish",)):
                open_items = [i for i in items if i.get("status") == "draft"]
            elif path.endswith(("/cancel", "/walk-ins")):
                open_items = [i for i in items if i.get("status") == "published"]
            else:
                open_items = [i for i in items if i.get("status") in ("assessing", "draft", "open")]
            chosen = (open_items or items)[:1]
            values[name] = chosen[0][key] if chosen else 0
        else:
            return None  # a parameter this script does not know how to find: add a recipe
    url = path.format(**values)
    schema = run.request_schema(method, path) if method == "POST" else None
    given = OPERATION_BODIES.get(path.removeprefix(PREFIX), {})
    body = body_for(schema, run.components, run.ids, **given) if schema is not None else None
    prepare: Callable[[Example], None] | None = None
    if method == "POST" and path.startswith(f"{PREFIX}/major-decisions/{{decision_id}}/"):
        prepare = new_decision_for(run, path)  # the demo's one decision is decided: a new one
    example: Example | None = None
    for user in GENERIC_USERS:
        example = Example(method, path, url, user, body=body)
        step = _bound(prepare, example) if prepare is not None else None
        example = run.send(example, prepare=step)
        if example.status < 400:
            break
    return example


def _bound(prepare: Callable[[Example], None], example: Example) -> Callable[[], None]:
    return lambda: prepare(example)


def new_decision_for(run: Runner, path: str) -> Callable[[Example], None]:
    """A prepare step: register a decision under assessment (as the administrator) and aim at it."""

    def prepare(example: Example) -> None:
        schema = run.request_schema("POST", f"{PREFIX}/major-decisions")
        body = body_for(schema, run.components, run.ids)
        made = run.client.post(
            f"{PREFIX}/major-decisions",
            json.dumps(body, ensure_ascii=False),
            content_type="application/json",
            headers={"Authorization": f"Bearer {run.tokens['admin']}"},
        )
        decision = json.loads(made.content)
        example.url = path.replace("{decision_id}", str(decision.get("id", 0)))
        example.note = "on a decision registered just before with POST /major-decisions"

    return prepare


# ---------------------------------------------------------------------------------------------- writing


def anchor(method: str, path: str) -> str:
    """The heading of an operation's example (the test looks for it)."""
    return f"#### `{method} {path}`"


def render(examples: list[Example], operations: dict[tuple[str, str], dict[str, Any]]) -> str:
    out = [
        START,
        "",
        "Generated by `scripts/api_examples.py` against the demo (`minsheng loaddemo`): each request was",
        "really sent, and the answer is the one it got (long lists and texts shortened with “…”). Each",
        "request ran in a transaction rolled back afterwards, so every one starts from the same demo data.",
        "`$TOKEN` is a token of the demo user named under the heading (`POST /auth/token`).",
        "",
    ]
    for example in examples:
        operation = operations[(example.method, example.path)]
        out.append(anchor(example.method, example.path))
        summary = operation.get("summary") or operation.get("operationId", "")
        who = f"as `{example.user}`" if example.user else "no token"
        out.append(f"{summary} — {who}." + (f" ({example.note})" if example.note else ""))
        out.append("```sh")
        out.append(curl(example))
        out.append("```")
        status_line = f"HTTP {example.status}"
        headers = [f"{k}: {v}" for k, v in example.answer_headers.items() if k != "Content-Type"]
        out.append("```http")
        out.append("\n".join([status_line, *headers]))
        if example.answer:
            out.append("")
            out.append(example.answer)
        out.append("```")
        out.append("")
    out.append(END)
    return "\n".join(out)


def write(doc: Path, section: str) -> None:
    text = doc.read_text(encoding="utf-8")
    if START in text and END in text:
        before = text[: text.index(START)]
        after = text[text.index(END) + len(END) :]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n## Example sessions (every endpoint)\n\n" + section + "\n"
    doc.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------------- Open311

OPEN311 = "/open311/v2"
OPEN311_DOC = ROOT / "docs" / "open311.md"
OPEN311_START = "<!-- open311-examples:start (written by scripts/api_examples.py; do not edit by hand) -->"
OPEN311_END = "<!-- open311-examples:end -->"
# The endpoints of docs/open311.md, each shown in both formats (the test looks for these headings).
OPEN311_ENDPOINTS = [
    ("GET", "discovery"),
    ("GET", "services"),
    ("GET", "services/{service_code}"),
    ("POST", "requests"),
    ("GET", "requests"),
    ("GET", "requests/{service_request_id}"),
    ("GET", "tokens/{token}"),
    ("GET", "servicerequestupdates"),
]


@dataclass
class Open311Example:
    method: str
    endpoint: str
    fmt: str
    url: str = ""
    form: dict[str, str] = field(default_factory=dict)
    status: int = 0
    content_type: str = ""
    answer: str = ""


def render_xml(content: bytes) -> str:
    from xml.dom import minidom

    pretty = minidom.parseString(content).toprettyxml(indent="  ", encoding="utf-8").decode()
    lines = [line for line in pretty.splitlines() if line.strip()]
    lines = [line if len(line) <= 140 else line[:140] + "…" for line in lines]
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], "…"]
    return "\n".join(lines)


def open311_examples(run: Runner) -> list[Open311Example]:
    from django.core.cache import cache
    from django.db import transaction

    from minsheng.integrations.keys import integration_create
    from minsheng.orgs.models import Category

    leaf = Category.objects.filter(level=3, path__startswith="城乡建设").order_by("pk").first()
    assert leaf is not None
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def form(key: str) -> dict[str, str]:
        return {
            "api_key": key,
            "service_code": str(leaf.pk),
            "lat": "28.194",
            "long": "112.982",
            "address_string": "幸福小区3栋旁",
            "description": "请求责令小区旁工地停止夜间施工。工地连续一个月在夜间十一点后施工。",
            "first_name": "五",
            "last_name": "王",
            "phone": "13900139000",
            "attribute[title]": "工地夜间施工扰民",
        }

    examples: list[Open311Example] = []
    for method, endpoint in OPEN311_ENDPOINTS:
        for fmt in ("json", "xml"):
            example = Open311Example(method, endpoint, fmt)
            cache.clear()
            with transaction.atomic():
                _integration, key = integration_create("示例热线")
                posted: dict[str, str] = {}
                if method == "GET" and endpoint.startswith(("requests", "tokens", "servicerequestupdates")):
                    answer = run.client.post(f"{OPEN311}/requests.json", form(key))
                    posted = json.loads(answer.content)[0]
                if method == "POST":
                    example.form = form(key)
                    response = run.client.post(f"{OPEN311}/requests.{fmt}", example.form)
                    example.form["api_key"] = "$KEY"
                    example.url = f"{OPEN311}/requests.{fmt}"
                else:
                    path = endpoint.format(
                        service_code=leaf.pk,
                        service_request_id=posted.get("service_request_id", ""),
                        token=posted.get("token", ""),
                    )
                    query = ""
                    if endpoint == "requests":
                        query = f"?service_request_id={posted['service_request_id']}"
                    elif endpoint == "servicerequestupdates":
                        query = f"?start_date={since}"
                    example.url = f"{OPEN311}/{path}.{fmt}{query}"
                    response = run.client.get(example.url)
                transaction.set_rollback(True)
            example.status = response.status_code
            example.content_type = response.get("Content-Type", "")
            if fmt == "xml":
                example.answer = render_xml(response.content)
            else:
                example.answer = render_answer(example.content_type, response.content)
            sys.stderr.write(f"{example.status} {method} {example.url}\n")
            examples.append(example)
    return examples


def open311_heading(method: str, endpoint: str) -> str:
    return f"#### `{method} {endpoint}`"


def render_open311(examples: list[Open311Example]) -> str:
    out = [
        OPEN311_START,
        "",
        "Generated by `scripts/api_examples.py` against the demo: each request was really sent and the",
        "answer is the one it got (long answers shortened with “…”), in both formats. Requests that need",
        "a filed petition (`requests`, `tokens`, updates) follow a `POST requests` in the same rolled-back",
        "transaction. `$KEY` is an integration's key (`minsheng open311-key NAME`).",
        "",
    ]
    current = ""
    for example in examples:
        heading = open311_heading(example.method, example.endpoint)
        if heading != current:
            out.append(heading)
            current = heading
        command = ["curl -s"]
        if example.method == "POST":
            command.append(f"-X POST localhost:8000{example.url}")
            for name, value in example.form.items():
                if value.startswith("$"):  # a shell variable: expanded, so in double quotes
                    command.append(f'--data-urlencode "{name}={value}"')
                else:
                    command.append(f"--data-urlencode {shlex.quote(f'{name}={value}')}")
        else:
            command.append(shlex.quote(f"localhost:8000{example.url}"))
        out.append("```sh")
        out.append(
            " \\\n     ".join([" ".join(command[:2]), *command[2:]])
            if len(command) > 2
            else " ".join(command)
        )
        out.append("```")
        out.append(f"```{example.fmt}")
        out.append(f"HTTP {example.status}  ({example.content_type})")
        out.append(example.answer)
        out.append("```")
        out.append("")
    out.append(OPEN311_END)
    return "\n".join(out)


def write_between(doc: Path, start: str, end: str, section: str, title: str) -> None:
    text = doc.read_text(encoding="utf-8")
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + f"\n\n## {title}\n\n" + section + "\n"
    doc.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", type=Path, help="SQLite file (made with the demo when missing)")
    parser.add_argument("--petitions", type=int, default=600, help="demo petitions, for a new database")
    parser.add_argument("--output", type=Path, default=DOC)
    parser.add_argument("--only", help="a regular expression of the paths to run (to try a recipe)")
    args = parser.parse_args(argv)
    database = args.database or Path(tempfile.mkdtemp(prefix="minsheng-examples-")) / "examples.sqlite3"
    setup(database.resolve(), args.petitions)
    import logging

    logging.disable(logging.WARNING)  # the 4xx answers are the examples, not news
    run = Runner()
    operations = {
        (method.upper(), path): operation
        for path, item in run.schema["paths"].items()
        for method, operation in item.items()
    }
    table = recipes(run)
    examples: list[Example] = []
    missing: list[str] = []
    for method, path in sorted(operations, key=lambda mp: (mp[1], mp[0])):
        if args.only and not re.search(args.only, path):
            continue
        short = path.removeprefix(PREFIX)
        recipe = table.get((method, short))
        if recipe is not None:
            example = recipe()
        elif "/actions/" in short and method == "POST":
            action = short.rsplit("/", 1)[-1]
            example = action_example(run, "forward" if action == "{action}" else action, path)
            example.path = path
        else:
            found = generic_example(run, method, path)
            if found is None:
                missing.append(f"{method} {path}")
                continue
            example = found
        sys.stderr.write(f"{example.status} {method} {example.url}\n")
        if args.only and example.status >= 400:
            sys.stderr.write(example.answer[:400] + "\n")
        examples.append(example)
    if missing:
        sys.stderr.write("no recipe for:\n  " + "\n  ".join(missing) + "\n")
        return 1
    if not args.only:
        write(args.output, render(examples, operations))
    if not args.only or re.search(args.only, OPEN311):
        section = render_open311(open311_examples(run))  # complete whenever it runs
        write_between(OPEN311_DOC, OPEN311_START, OPEN311_END, section, "Example sessions (every endpoint)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
