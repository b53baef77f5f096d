"""A records office driving petitions through the HTTP API at fixed past dates (the statute
scenario suite: test_statute_scenarios_*.py).

The clock is frozen (time_machine) and moved forward as the office enters acts: each act is sent
with the date it really happened (``occurred_at``) and, when entered more than a day later, the
reason (``late_reason``). Expected dates in the scenarios are computed by hand from the State
Council's holiday calendar and checked with ``minsheng deadline RULE --from DATE``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.test import Client

from minsheng.documents.services import documents_available
from minsheng.petitions.models import Petition
from minsheng.workflow.models import PetitionEvent

TZ = ZoneInfo("Asia/Shanghai")
PASSWORD = "test-password-123"
LATE_REASON = "纸质件补录"


def at(day: str, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A local (Asia/Shanghai) moment on ``day`` (YYYY-MM-DD)."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=TZ)


def d(day: str) -> dt.date:
    return dt.date.fromisoformat(day)


def moment(value: str) -> dt.datetime:
    """An API datetime (``…Z`` or with an offset) as an aware datetime."""
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经现场核实，工地确在夜间十一点后施工。",
    "opinion": "责令施工单位停止夜间施工。",
    "legal_basis": "《噪声污染防治法》第四十三条",
}

LETTER = {
    "channel": "letter",
    "title": "小区旁工地夜间施工噪音扰民",
    "request": "请求责令工地停止夜间施工",
    "facts": "工地连续一个月在夜间十一点后施工。",
    "reasons": "影响居民休息。",
    "petitioner": {"name": "李四", "phone": "13800138000", "address": "A市A3区洋湖街道幸福小区3栋"},
}


@dataclass
class Office:
    """The office's client and clock. ``traveller`` is a started ``time_machine.travel``."""

    client: Client
    traveller: Any
    now: dt.datetime
    _tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    # ---- the clock
    def enter_on(self, when: dt.datetime) -> None:
        """Move the entry clock to ``when`` (never backwards: entries are made in order)."""
        assert when >= self.now, f"the office cannot enter at {when} after {self.now}"
        self.traveller.move_to(when)
        self.now = when
        self._tokens.clear()  # tokens expire after MINSHENG_API_TOKEN_TTL_HOURS

    def _entry_after(self, day: str | None) -> None:
        """By default an act is entered at 10:00 on the next day (a lag that needs a reason)."""
        if day is None:
            return
        entry = at(day[:10], 10) + dt.timedelta(days=1)
        if entry > self.now:
            self.enter_on(entry)

    # ---- the API
    def auth(self, username: str) -> dict[str, str]:
        if username not in self._tokens:
            response = self.client.post(
                "/api/v1/auth/token",
                {"username": username, "password": PASSWORD},
                content_type="application/json",
            )
            assert response.status_code == 200, response.content
            self._tokens[username] = {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}
        return self._tokens[username]

    def register(
        self,
        received_at: dt.datetime,
        who: str = "registrar",
        *,
        entered: dt.datetime | None = None,
        **fields: Any,
    ) -> int:
        """Register an item received at ``received_at``, entered at ``entered`` (default: 10:00
        the next day)."""
        if entered is None:
            self._entry_after(received_at.date().isoformat())
        else:
            self.enter_on(entered)
        body = {**LETTER, "received_at": received_at.isoformat(), **fields}
        response = self.client.post(
            "/api/v1/petitions", json.dumps(body), content_type="application/json", **self.auth(who)
        )
        assert response.status_code == 201, response.content
        return int(response.json()["id"])

    def post(self, who: str, pk: int, action: str, on: str | None = None, **data: Any) -> Any:
        """POST the action as ``who``; ``on`` is the act date (or ISO datetime), sent as occurred_at."""
        self._entry_after(on)
        if on is not None:
            data = {"occurred_at": on, "late_reason": LATE_REASON, **data}
        return self.client.post(
            f"/api/v1/petitions/{pk}/actions/{action}",
            json.dumps(data),
            content_type="application/json",
            **self.auth(who),
        )

    def act(self, who: str, pk: int, action: str, on: str | None = None, **data: Any) -> dict[str, Any]:
        response = self.post(who, pk, action, on, **data)
        assert response.status_code == 200, (action, response.status_code, response.content)
        body: dict[str, Any] = response.json()
        return body

    def refuse(
        self,
        who: str,
        pk: int,
        action: str,
        on: str | None = None,
        *,
        status: int,
        code: str,
        field: str | None = None,
        **data: Any,
    ) -> dict[str, Any]:
        """The action is refused by the named rule (status, code and field) and changes nothing."""
        state = Petition.objects.get(pk=pk).state
        events = PetitionEvent.objects.filter(petition_id=pk).count()
        response = self.post(who, pk, action, on, **data)
        body: dict[str, Any] = response.json()
        assert response.status_code == status, (action, response.status_code, body)
        assert body["code"] == code, body
        assert body.get("field") == field, body
        assert Petition.objects.get(pk=pk).state == state
        assert PetitionEvent.objects.filter(petition_id=pk).count() == events
        return body

    def detail(self, pk: int, who: str = "dispatcher") -> dict[str, Any]:
        response = self.client.get(f"/api/v1/petitions/{pk}", **self.auth(who))
        assert response.status_code == 200, response.content
        body: dict[str, Any] = response.json()
        return body

    def state(self, pk: int, who: str = "dispatcher") -> str:
        return str(self.detail(pk, who)["state"])

    def deadline(self, pk: int, rule: str, who: str = "dispatcher") -> dict[str, Any]:
        """The petition's live row of ``rule`` (the latest one not cancelled), as the API shows it."""
        rows = [
            r for r in self.detail(pk, who)["deadlines"] if r["rule"] == rule and r["status"] != "cancelled"
        ]
        assert rows, f"no {rule} on petition {pk}"
        return rows[-1]

    def dues(self, pk: int, rule: str, who: str = "dispatcher") -> tuple[str, str, str, str]:
        """(start, nominal_due, statutory_due, status) of the live row of ``rule``."""
        row = self.deadline(pk, rule, who)
        return row["start"], row["nominal_due"], row["statutory_due"], row["status"]

    def events(self, pk: int, action: str, who: str = "dispatcher") -> list[dict[str, Any]]:
        return [e for e in self.detail(pk, who)["timeline"] if e["action"] == action]

    def actions(self, pk: int, who: str) -> set[str]:
        response = self.client.get(f"/api/v1/petitions/{pk}/actions", **self.auth(who))
        assert response.status_code == 200, response.content
        return {a["action"] for a in response.json()}


def notices(pk: int) -> list[str]:
    """The documents the case's records support, in procedural order (the 文书 of the case page)."""
    return [kind for kind, _label in documents_available(Petition.objects.get(pk=pk))]


# ---- the main path, at the dates of test_statute_scenarios_main (see its docstring)


def accepted_on_0401(office: Office, organs: Any, **fields: Any) -> int:
    """A letter received by the city bureau on 2025-03-24, forwarded to the housing bureau on
    03-26, received there on 03-28 and accepted on 04-01 (D-HANDLE-60: 05-31 / 06-03)."""
    pk = office.register(at("2025-03-24", 9, 30), **fields)
    office.act("dispatcher", pk, "forward", "2025-03-26", organ_id=organs["a-housing"].pk)
    office.act("caseworker", pk, "receive", "2025-03-28")
    office.act("caseworker", pk, "accept", "2025-04-01")
    return pk


def delivered_on_0609(office: Office, organs: Any, **fields: Any) -> int:
    """… investigated from 04-10, opinion drafted 06-05 and signed 06-06, delivered in person on
    06-09 (D-REVIEW-REQ-30: 07-09)."""
    pk = accepted_on_0401(office, organs, **fields)
    office.act("caseworker", pk, "start_handling", "2025-04-10", no_conflict_of_interest=True)
    office.act("caseworker", pk, "conclude", "2025-06-05", **OPINION)
    office.act("organ_head", pk, "sign_opinion", "2025-06-06")
    office.act("caseworker", pk, "deliver", "2025-06-09", method="in_person", delivered_on="2025-06-09")
    return pk


def final_on_0915(office: Office, organs: Any, **fields: Any) -> int:
    """… 复查 requested 07-01, answered (维持) 07-28; 复核 requested 08-20, answered (维持) and
    delivered 09-15: final."""
    pk = delivered_on_0609(office, organs, **fields)
    office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-07-01")
    upheld = {**OPINION, "outcome": "upheld", "method": "in_person"}
    office.act("gov_head", pk, "conclude_review", "2025-07-28", **upheld, delivered_on="2025-07-28")
    office.act("registrar", pk, "request_recheck", "2025-08-20", received_on="2025-08-20")
    office.act("province_head", pk, "conclude_recheck", "2025-09-15", **upheld, delivered_on="2025-09-15")
    assert office.state(pk, "registrar") == "final"
    return pk
