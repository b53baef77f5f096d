"""The API contract under hostile input (bugs found with schemathesis and hand-crafted requests).

Bad input → 422 ``{"code", "message", "field"}`` with nothing changed; a role that may not act → 403;
a petition the caller may not see → 404; no token → 401; wrong state → 409; never a 500.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, override_settings

from minsheng.api.tests.auth import api_token as token
from minsheng.petitions.models import Petition
from minsheng.workflow.models import PetitionEvent

pytestmark = pytest.mark.django_db

HUGE = 10**30


def act(client: Client, pid: int, action: str, body: Any, auth: dict[str, str]) -> Any:
    return client.post(
        f"/api/v1/petitions/{pid}/actions/{action}", body, content_type="application/json", **auth
    )


def raw(client: Client, url: str, data: bytes, auth: dict[str, str]) -> Any:
    return client.generic("POST", url, data, content_type="application/json", **auth)


def assert_error(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body, dict) and body["code"] and body["message"], body
    if field is not None:
        assert body["field"] == field, body
    return body


@pytest.fixture
def petition(world: Any, register: Any) -> Petition:
    return register()  # registered at the city bureau; the dispatcher may act on it


def unchanged(petition: Petition, events_before: int) -> None:
    assert PetitionEvent.objects.count() == events_before
    assert Petition.objects.get(pk=petition.pk).state == "registered"


# (action, body, field): each once crashed with a 500 (or was wrongly accepted) before the fix.
BAD_ACTION_DATA = [
    # Django's parse_date/parse_datetime raise ValueError on well-formed impossible dates.
    ("assign", {"organ_id": "a-housing", "due_date": "2025-02-30"}, "due_date"),
    ("assign", {"organ_id": "a-housing", "due_date": "2025-13-45"}, "due_date"),
    ("assign", {"organ_id": "a-housing", "due_date": ["2025-01-01"]}, "due_date"),
    ("assign", {"organ_id": "a-housing", "due_days": HUGE}, "due_days"),
    ("assign", {"organ_id": "a-housing", "due_days": -5}, "due_days"),
    ("assign", {"organ_id": "a-housing", "due_days": "ten"}, "due_days"),
    ("assign", {"organ_id": "a-housing", "due_days": True}, "due_days"),
    # JSON has numbers: "30" is a form's text, refused as the docs say (it was read as 30).
    ("assign", {"organ_id": "a-housing", "due_days": "30"}, "due_days"),
    # a date and a number of days: one of them was ignored silently.
    ("assign", {"organ_id": "a-housing", "due_date": "2099-01-02", "due_days": 30}, "due_date"),
    # organ references: a JSON true was organ 1; "²" passed isdigit() then failed int(); huge ids overflowed.
    ("forward", {"organ_id": True}, "organ_id"),
    ("forward", {"organ_id": "²"}, "organ_id"),
    ("forward", {"organ_id": HUGE}, "organ_id"),
    ("forward", {"organ_id": 2**63}, "organ_id"),
    ("forward", {"organ_id": -1}, "organ_id"),
    ("forward", {"organ_id": 999999}, "organ_id"),
    ("forward", {"organ_id": [1]}, "organ_id"),
    ("forward", {"organ_id": {"id": 1}}, "organ_id"),
    ("forward", {"organ_id": 1.5}, "organ_id"),
    # assisting organs: an int or a string was iterated (TypeError / one organ per character).
    ("forward", {"organ_id": "a-housing", "assisting_organ_ids": 5}, "assisting_organ_ids"),
    ("forward", {"organ_id": "a-housing", "assisting_organ_ids": "12"}, "assisting_organ_ids"),
    ("forward", {"organ_id": "a-housing", "assisting_organ_ids": [HUGE]}, "assisting_organ_ids"),
    ("forward", {"organ_id": "a-housing", "assisting_organ_ids": ["²"]}, "assisting_organ_ids"),
    ("forward", {"organ_id": "a-housing", "assisting_organ_ids": [None]}, "assisting_organ_ids"),
    # integers without an upper bound overflowed the database driver.
    ("supervision_feedback", {"order_id": HUGE, "feedback": "x"}, "order_id"),
    ("supervision_feedback", {"order_id": "9" * 40, "feedback": "x"}, "order_id"),
    ("supervision_feedback", {"order_id": 1.5, "feedback": "x"}, "order_id"),
    ("supervision_feedback", {"order_id": "5", "feedback": "x"}, "order_id"),
    # petition references: "²" reached filter(pk=...) and raised ValueError.
    ("not_accept", {"reason": "duplicate_in_progress", "related_petition_id": "²"}, "related_petition_id"),
    ("not_accept", {"reason": "duplicate_in_progress", "related_petition_id": HUGE}, "related_petition_id"),
    ("not_accept", {"reason": "duplicate_in_progress", "related_petition_id": [1]}, "related_petition_id"),
    (
        "not_accept",
        {"reason": "duplicate_in_progress", "related_petition_id": {"a": 1}},
        "related_petition_id",
    ),
    ("not_accept", {"reason": ["other"]}, "reason"),
    ("not_accept", {"reason": "nonsense"}, "reason"),
    ("not_accept", {"reason": "other", "explanation": 12}, "explanation"),
    ("not_accept", {"reason": "yueji", "guidance_organ_id": "nope"}, "guidance_organ_id"),
    ("note", {"text": None}, "text"),
    ("note", {"text": ["a"]}, "text"),
]


@pytest.mark.parametrize(("action", "body", "field"), BAD_ACTION_DATA)
def test_bad_action_data_is_422_naming_the_field(
    client: Client, petition: Petition, action: str, body: dict[str, Any], field: str
) -> None:
    head = token(client, "bureau_head")  # 信访局 head: both a dispatcher's and a handler's actions
    before = PetitionEvent.objects.count()
    assert_error(act(client, petition.pk, action, body, head), 422, field)
    unchanged(petition, before)


def test_impossible_moment_is_422(client: Client, world: Any, petition: Petition) -> None:
    disp, cw = token(client, "dispatcher"), token(client, "caseworker")
    assert (
        act(client, petition.pk, "forward", {"organ_id": world.organs["a-housing"].pk}, disp).status_code
        == 200
    )
    before = PetitionEvent.objects.count()
    for value in ("2025-02-30", "2025-02-30T10:00:00", "2025-01-01T25:61:00", 20250101, ["2025-01-01"]):
        assert_error(act(client, petition.pk, "receive", {"received_at": value}, cw), 422, "received_at")
    assert PetitionEvent.objects.count() == before
    assert Petition.objects.get(pk=petition.pk).state == "forwarded"


@pytest.mark.parametrize(
    "data", [b"{", b"[1, 2]", b"[]", b"null", b"123", b'"text"', b"\xff\xfe", b"\x00", b'{"a":}']
)
def test_malformed_action_body_is_422_on_body(client: Client, petition: Petition, data: bytes) -> None:
    disp = token(client, "dispatcher")
    before = PetitionEvent.objects.count()
    assert_error(raw(client, f"/api/v1/petitions/{petition.pk}/actions/triage", data, disp), 422, "body")
    unchanged(petition, before)


@pytest.mark.parametrize("data", [b"\x00", b"{", b"\x82\x0c\x7f", b"[1]", b"null"])
def test_malformed_schema_body_is_422_not_400(
    client: Client, world: Any, petition: Petition, data: bytes
) -> None:
    """ninja answers an unparsable body with 400 {"detail"}: now the shared 422 body (schemathesis)."""
    reg = token(client, "registrar")
    before = Petition.objects.count()
    for url in ("/api/v1/petitions", f"/api/v1/petitions/{petition.pk}/suggestions/feedback"):
        body = assert_error(raw(client, url, data, reg), 422)
        assert body["field"]
    assert_error(raw(client, "/api/v1/auth/token", data, {}), 422)
    assert Petition.objects.count() == before


def test_unknown_action_is_404(client: Client, petition: Petition) -> None:
    disp = token(client, "dispatcher")
    before = PetitionEvent.objects.count()
    for action in ("nope", "NOTE", "x" * 300):
        body = assert_error(act(client, petition.pk, action, {}, disp), 404)
        assert body["code"] == "unknown_action"
    unchanged(petition, before)


@pytest.mark.parametrize("pid", ["0", "999999999", str(HUGE), str(2**63)])
def test_missing_or_huge_petition_id_is_404(client: Client, petition: Petition, pid: str) -> None:
    disp = token(client, "dispatcher")
    assert_error(client.get(f"/api/v1/petitions/{pid}", **disp), 404)
    assert_error(act(client, int(pid), "note", {"text": "x"}, disp), 404)
    assert_error(client.get(f"/api/v1/petitions/{pid}/actions", **disp), 404)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (f"organ_id={HUGE}", "organ_id"),
        (f"category_id={HUGE}", "category_id"),
        (f"region_id={HUGE}", "region_id"),
        (f"page={HUGE}", "page"),
        ("page=0", "page"),
        ("page_size=1000", "page_size"),
        ("state=nonsense", "state"),
        # an unknown channel or nature matched nothing and answered an empty list
        ("channel=pigeon", "channel"),
        ("nature=Accusation", "nature"),
        ("received_from=2025-02-30", "received_from"),
        ("overdue=maybe", "overdue"),
    ],
)
def test_bad_list_query_is_422(client: Client, petition: Petition, query: str, field: str) -> None:
    assert_error(client.get(f"/api/v1/petitions?{query}", **token(client, "dispatcher")), 422, field)


def test_reference_endpoints(client: Client, world: Any) -> None:
    auth = token(client, "registrar")
    for url in ("/organs", "/categories", "/regions", "/deadline-rules", "/actions", "/auth/me"):
        assert_error(client.get(f"/api/v1{url}"), 401)
        assert client.get(f"/api/v1{url}", **auth).status_code == 200
    assert_error(client.get(f"/api/v1/categories?level={HUGE}", **auth), 422, "level")
    assert_error(client.get("/api/v1/categories?level=x", **auth), 422, "level")


def test_contract_401_403_404_409(client: Client, world: Any, petition: Petition) -> None:
    url = f"/api/v1/petitions/{petition.pk}"
    before = PetitionEvent.objects.count()
    response = client.get(url)
    assert assert_error(response, 401)["code"] == "unauthenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="minsheng"'  # RFC 9110 §11.6.1
    response = client.get(url, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_error(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="minsheng", error="invalid_token"'
    assert_error(act(client, petition.pk, "note", {"text": "x"}, {}), 401)
    # the caseworker of 住建局 cannot see a petition still at the bureau
    assert_error(client.get(url, **token(client, "caseworker")), 404)
    assert_error(act(client, petition.pk, "note", {"text": "x"}, token(client, "caseworker")), 404)
    # a supervisor sees it but may not forward it
    body = assert_error(
        act(client, petition.pk, "forward", {"organ_id": 1}, token(client, "supervisor")), 403
    )
    assert body["code"] == "forbidden"
    # the dispatcher may not conclude a petition that is only registered
    body = assert_error(
        act(client, petition.pk, "conclude", {"outcome": "support"}, token(client, "dispatcher")), 409
    )
    assert body["code"] == "transition_not_allowed"
    unchanged(petition, before)


def test_bad_registration_is_422(client: Client, world: Any) -> None:
    reg = token(client, "registrar")
    before = Petition.objects.count()
    base = {"channel": "letter", "title": "t", "request": "r"}
    cases = [
        ({**base, "received_at": "2025-02-30T10:00:00"}, "received_at"),
        ({**base, "persons_involved": HUGE}, "persons_involved"),
        ({**base, "category_id": HUGE}, "category_id"),
        ({**base, "receiving_organ_id": HUGE}, "receiving_organ_id"),
        ({**base, "accused_organ_id": HUGE}, "accused_organ_id"),
        ({**base, "competent_organ_id": HUGE}, "competent_organ_id"),
        ({**base, "channel": "pigeon"}, "channel"),
        ({**base, "nature": "rant"}, "nature"),
        ({**base, "representatives": "x"}, "representatives"),
        ({**base, "petitioner": []}, "petitioner"),
        # strict ids, counts and flags (external client review: `true` was stored as organ 1)
        ({**base, "nature": "accusation", "accused_organ_id": True}, "accused_organ_id"),
        ({**base, "receiving_organ_id": "1"}, "receiving_organ_id"),
        ({**base, "category_id": 1.0}, "category_id"),
        ({**base, "is_urgent": "yes"}, "is_urgent"),
        ({**base, "is_collective": "on"}, "is_collective"),
        ({**base, "paper_requested": "no"}, "paper_requested"),
        ({**base, "persons_involved": "7"}, "persons_involved"),
        ({**base, "petitioner": {"name": "甲", "is_organisation": 1}}, "petitioner.is_organisation"),
        # control characters: PostgreSQL refuses NUL in text; no spreadsheet cell holds them
        ({**base, "title": "a\u0000b"}, "title"),
        ({**base, "request": "竖\u000b表"}, "request"),
        ({**base, "petitioner": {"name": "甲\u0000"}}, "petitioner.name"),
        ({**base, "representatives": [{"name": "乙\u0001"}]}, "representatives.0.name"),
        # an address no reply could be sent to (it was stored as given)
        ({**base, "petitioner": {"name": "甲", "email": "not-an-address"}}, "petitioner.email"),
        ({**base, "petitioner": {"name": "甲", "email": "a@b"}}, "petitioner.email"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/petitions", body, content_type="application/json", **reg)
        assert_error(response, 422, field)
    assert Petition.objects.count() == before
    # The same values in their right types are accepted (the strictness refuses no valid body).
    good = {
        **base,
        "is_urgent": True,
        "persons_involved": 7,
        "paper_requested": False,
        "title": "换\n行\t表",
        "petitioner": {"name": "甲", "email": "jia@example.cn"},
    }
    response = client.post("/api/v1/petitions", good, content_type="application/json", **reg)
    assert response.status_code == 201, response.content
    assert Petition.objects.filter(pk=response.json()["id"], is_urgent=True, persons_involved=7).exists()


def test_control_characters_in_an_action_text_are_dropped(client: Client, petition: Petition) -> None:
    """An action's text loses its control characters (NUL would fail PostgreSQL's insert); they are
    dropped rather than refused because forms pre-fill texts stored before intake refused them."""
    disp = token(client, "dispatcher")
    response = act(client, petition.pk, "note", {"text": "备注\u0000一\u000b条"}, disp)
    assert response.status_code == 200, response.content
    event = PetitionEvent.objects.filter(petition=petition, action="note").latest("pk")
    assert "备注一条" in str(event.data) and "\x00" not in str(event.data)


def test_intelligence_endpoints_validate(client: Client, world: Any, petition: Petition) -> None:
    auth = token(client, "dispatcher")
    for query, field in (("text=", "text"), ("text=abc&top=0", "top"), (f"text=abc&top={HUGE}", "top")):
        assert_error(client.get(f"/api/v1/similar?{query}", **auth), 422, field)
    assert_error(client.get("/api/v1/similar?text=%20", **auth), 422, "text")
    url = f"/api/v1/petitions/{petition.pk}/suggestions/feedback"
    response = client.post(url, {"kind": "mood"}, content_type="application/json", **auth)
    assert_error(response, 422, "kind")
    # Every kind the document offers is recorded: `place` (the document's) and `region` (the
    # suggestions' key) were refused by the API or the service (external client review).
    from minsheng.workflow.models import PetitionEvent as Event

    for kind in ("category", "nature", "routing", "region", "place", "urgency", "similar"):
        body = {"kind": kind, "suggested": "A3区", "chosen": "A3区"}
        response = client.post(url, body, content_type="application/json", **auth)
        assert response.status_code == 200, (kind, response.content)
    kinds = [
        e.data.get("kind") for e in Event.objects.filter(petition=petition, action="suggestion_feedback")
    ]
    assert kinds.count("region") == 2 and "place" not in kinds


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_limit_is_413_and_creates_nothing(client: Client, world: Any) -> None:
    """Found by an external client: 13 MB of JSON was a 500 (RequestDataTooBig)."""
    reg = token(client, "registrar")
    big = json.dumps({"channel": "letter", "title": "大", "request": "x" * 2000}).encode()
    before = Petition.objects.count()
    keyed = {"HTTP_IDEMPOTENCY_KEY": "a-key-of-at-least-16-chars"}
    for url, auth in (
        ("/api/v1/petitions", reg),
        ("/api/v1/citizen/track", {}),
        ("/api/v1/petitions", {**reg, **keyed}),  # the key's fingerprint reads the body first
        ("/api/v1/suggestions/draft", {**reg, **keyed}),
    ):
        body = assert_error(raw(client, url, big, auth), 413, "body")
        assert body["code"] == "too_large"
    assert Petition.objects.count() == before


def test_an_accusation_against_the_callers_own_unit_gets_a_receipt(client: Client, world: Any) -> None:
    """A visitor at the human-resources bureau accuses that bureau; its caseworker registers it. It
    is registered, routed away from the bureau, and unreadable for him — the answer was a 404 after
    the commit (external client review), so the petitioner got no code and a retry made a second
    petition. Now: 201 with the tracking code and password only, no case file."""
    from minsheng.petitions.models import Nature

    hrss = world.organs["a-hrss"]
    auth = token(client, "hrss_caseworker")
    body = {
        "channel": "visit",
        "nature": "accusation",
        "accused_organ_id": hrss.pk,
        "title": "举报人社局某科长索要好处费",
        "request": "请求查处",
        "petitioner": {"name": "赵甲", "phone": "13911112222"},
    }
    before = Petition.objects.count()
    response = client.post("/api/v1/petitions", body, content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    receipt = response.json()
    assert set(receipt) == {"tracking_code", "query_password", "visible", "message"}
    # The SMS gave the petitioner his password: the accused unit does not get it.
    assert receipt["visible"] is False and receipt["query_password"] is None
    assert "短信" in receipt["message"]
    petition = Petition.objects.get(tracking_code=receipt["tracking_code"])
    assert Petition.objects.count() == before + 1
    assert petition.nature == Nature.ACCUSATION and petition.accused_organ_id == hrss.pk
    assert petition.current_organ_id != hrss.pk
    assert_error(client.get(f"/api/v1/petitions/{petition.pk}", **auth), 404)
    # Without a phone no SMS can carry it: the receipt holds it, to give to the petitioner.
    no_phone = {**body, "petitioner": {"name": "赵乙"}}
    response = client.post("/api/v1/petitions", no_phone, content_type="application/json", **auth)
    assert response.status_code == 201 and response.json()["query_password"]
    # The bureau's own registrar gets the full answer as before.
    mine = client.post(
        "/api/v1/petitions", body, content_type="application/json", **token(client, "registrar")
    )
    assert mine.status_code == 201 and mine.json()["id"] and mine.json()["title"] == body["title"]


def test_registration_refuses_unknown_fields_and_names_the_whole_body(client: Client, world: Any) -> None:
    """External client review: unknown fields were dropped in silence (`"anonymous": true` on the
    staff API stored the identity all the same); `[]` or `null` named `channel`, not the body."""
    reg = token(client, "registrar")
    before = Petition.objects.count()
    base = {"channel": "letter", "title": "t", "request": "r"}
    for body, field in (
        ({**base, "anonymous": True}, "anonymous"),
        ({**base, "petitioner": {"name": "甲", "nickname": "x"}}, "petitioner.nickname"),
        ({**base, "representatives": [{"name": "乙", "age": 3}]}, "representatives.0.age"),
        ({"chanel": "letter", "title": "t", "request": "r"}, "chanel"),  # misspelt: the stray one
    ):
        response = client.post("/api/v1/petitions", body, content_type="application/json", **reg)
        assert assert_error(response, 422, field)["code"] == "unknown_field"
    for data in (b"[]", b"[1]", b"null", b"5", b'"x"'):
        assert assert_error(raw(client, "/api/v1/petitions", data, reg), 422, "body")["code"] == "invalid"
    response = client.post("/api/v1/petitions", {"channel": "letter"}, content_type="application/json", **reg)
    assert assert_error(response, 422, "title")["code"] == "required"
    for body, field in (
        ({**base, "title": None}, "title"),
        ({**base, "representatives": [{"name": None}]}, "representatives.0.name"),
    ):
        response = client.post("/api/v1/petitions", body, content_type="application/json", **reg)
        assert assert_error(response, 422, field)["code"] == "required"
    assert Petition.objects.count() == before


@pytest.mark.parametrize("who", ["analyst", "leader", "supervisor"])
def test_a_role_that_may_not_register_gets_the_same_403_whatever_it_sends(
    client: Client, world: Any, who: str
) -> None:
    """External client review: a broken body was a 422 (read before the role), a valid one a 403."""
    auth = token(client, who)
    valid = {"channel": "letter", "title": "t", "request": "r"}
    answers = []
    for url in ("/api/v1/petitions", "/api/v1/suggestions/draft"):
        for body in (valid, {"x": 1}):
            response = client.post(url, body, content_type="application/json", **auth)
            answers.append((response.status_code, response.json()))
        answers.append((raw(client, url, b"[", auth).status_code, None))
    assert {status for status, _ in answers} == {403}
    assert {json.dumps(body) for _, body in answers if body} == {
        json.dumps({"code": "forbidden", "message": "your role cannot register petitions"})
    }


def test_registration_answers_with_location_and_names_petitioner_fields_in_full(
    client: Client, world: Any
) -> None:
    """External client review: no Location on 201; a bad phone was `field: "phone"` here but a
    wrong type `petitioner.phone`."""
    reg = token(client, "registrar")
    base = {"channel": "letter", "title": "t", "request": "r"}
    response = client.post("/api/v1/petitions", base, content_type="application/json", **reg)
    assert response.status_code == 201
    assert response["Location"] == f"/api/v1/petitions/{response.json()['id']}"
    before = Petition.objects.count()
    for petitioner, field in (
        ({"name": "甲", "phone": "12345"}, "petitioner.phone"),
        ({"name": "甲", "id_number": "123"}, "petitioner.id_number"),
        ({"name": "甲", "phone": 13800138000}, "petitioner.phone"),
    ):
        body = {**base, "petitioner": petitioner}
        response = client.post("/api/v1/petitions", body, content_type="application/json", **reg)
        assert_error(response, 422, field)
    assert Petition.objects.count() == before


def test_a_body_not_declared_as_json_is_415_and_changes_nothing(client: Client, petition: Petition) -> None:
    """A text/plain or form body was parsed as JSON all the same (external client review)."""
    disp = token(client, "dispatcher")
    reg = token(client, "registrar")
    before, petitions = PetitionEvent.objects.count(), Petition.objects.count()
    note = json.dumps({"text": "纯文本"})
    registration = json.dumps({"channel": "letter", "title": "t", "request": "r"})
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx"):
        response = client.generic(
            "POST", f"/api/v1/petitions/{petition.pk}/actions/note", note, content_type=content_type, **disp
        )
        assert assert_error(response, 415, "Content-Type")["code"] == "unsupported_media_type"
        response = client.generic("POST", "/api/v1/petitions", registration, content_type=content_type, **reg)
        assert_error(response, 415, "Content-Type")
    unchanged(petition, before)
    assert Petition.objects.count() == petitions
    # JSON with parameters or a +json type is JSON; an action without input needs no body at all.
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = client.generic(
            "POST", f"/api/v1/petitions/{petition.pk}/actions/note", note, content_type=content_type, **disp
        )
        assert response.status_code == 200, response.content
    assert client.post(f"/api/v1/petitions/{petition.pk}/actions/triage", **disp).status_code != 415


def test_todays_date_is_accepted_before_nine_and_a_date_means_nine_everywhere(
    client: Client, world: Any
) -> None:
    """A date alone means 09:00 local that day — or now when that is still to come: today's date
    entered at 08:34 was refused as a future time (external client review), and registration read a
    date as midnight while actions and the workbench read 09:00."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    reg, disp = token(client, "registrar"), token(client, "dispatcher")
    cw = token(client, "caseworker")
    early = dt.datetime(2026, 12, 8, 0, 34, tzinfo=dt.UTC)  # 08:34 in A市
    with time_machine.travel(early, tick=False):
        body = {"channel": "letter", "title": "t", "request": "r", "received_at": "2026-12-01"}
        response = client.post("/api/v1/petitions", body, content_type="application/json", **reg)
        assert response.status_code == 201, response.content
        petition = Petition.objects.get(pk=response.json()["id"])
        local = timezone.localtime(petition.received_at)
        assert (local.date(), local.hour, local.minute) == (dt.date(2026, 12, 1), 9, 0)
        organ = world.organs["a-housing"].pk
        assert act(client, petition.pk, "forward", {"organ_id": organ}, disp).status_code == 200
        received = act(client, petition.pk, "receive", {"received_at": "2026-12-08"}, cw)
        assert received.status_code == 200, received.content
        event = PetitionEvent.objects.filter(petition=petition, action="receive").get()
        assert event.occurred_at == early  # now, not 09:00 still to come
        tomorrow = act(client, petition.pk, "accept", {"occurred_at": "2026-12-09"}, cw)
        assert_error(tomorrow, 422, "occurred_at")  # only today's nine o'clock gives way to now
        assert act(client, petition.pk, "accept", {"occurred_at": "2026-12-08"}, cw).status_code == 200


@pytest.mark.parametrize("value", ["0", "1764547200", "2.3e-304", "20261201", "2026-12-1"])
def test_a_date_is_iso_8601_only(client: Client, petition: Petition, value: str) -> None:
    """pydantic read numbers as Unix times: `received_from=1764547200` was 2025-12-01 and `from=0`
    1970 (external client review); docs/api.md promises 422 for anything but YYYY-MM-DD."""
    disp = token(client, "dispatcher")
    assert_error(client.get(f"/api/v1/petitions?received_from={value}", **disp), 422, "received_from")
    assert_error(client.get(f"/api/v1/supervision-orders?issued_to={value}", **disp), 422, "issued_to")
    assert client.get("/api/v1/petitions?received_from=2026-12-01", **disp).status_code == 200
