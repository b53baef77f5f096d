"""One input model per action: the engine, the workbench form and the OpenAPI body derive from it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from minsheng.api.tests.auth import api_token as _token
from minsheng.api.v1 import api
from minsheng.core.errors import InvalidInput
from minsheng.petitions.models import Petition
from minsheng.workbench.forms import ACTION_FIELDS, fields_for
from minsheng.workflow.inputs import (
    COMMON_FIELDS,
    HIDDEN,
    INPUTS,
    NOT_ACTIONS,
    input_fields,
    parse_input,
    schema_for,
)
from minsheng.workflow.models import PetitionEvent
from minsheng.workflow.services import TRANSITIONS


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return api.get_openapi_schema(path_prefix="/api/v1/")  # type: ignore[no-any-return]


def refused(action: str, data: dict[str, Any]) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse_input(action, data)
    return caught.value


def test_one_input_model_per_row_of_the_table() -> None:
    assert set(INPUTS) == set(TRANSITIONS)


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_model_refuses_unknown_fields_and_names_them(action: str) -> None:
    error = refused(action, {"no_such_field": "x"})
    assert (error.field, error.code) == ("no_such_field", "unknown_field")


ACTIONS = sorted(set(TRANSITIONS) - NOT_ACTIONS)


@pytest.mark.parametrize("action", ACTIONS)
def test_the_form_is_the_model(action: str) -> None:
    """The workbench form lists the model's fields (own first, then back-dating), nothing else,
    with the model's required flags and choices."""
    model = INPUTS[action]
    fields = {f.name: f for f in input_fields(action)}
    visible = [n for n, f in fields.items() if f.widget.kind != HIDDEN]
    specs = ACTION_FIELDS[action]
    assert [s.name for s in specs] == visible
    assert [s.name for s in specs][-2:] == list(COMMON_FIELDS)
    for spec in specs:
        info = model.model_fields[spec.name]
        assert spec.required == (info.is_required() or fields[spec.name].widget.affirm), spec.name
        assert spec.choices == fields[spec.name].choices


@pytest.mark.parametrize("action", ACTIONS)
def test_the_openapi_body_is_the_model(action: str, document: dict[str, Any]) -> None:
    operation = document["paths"][f"/api/v1/petitions/{{petition_id}}/actions/{action}"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    model = INPUTS[action]
    assert set(body["properties"]) == set(model.model_fields)
    assert set(body.get("required", [])) == {n for n, f in model.model_fields.items() if f.is_required()}
    assert body["additionalProperties"] is False
    assert body == schema_for(action)


def test_the_generic_action_path_lists_every_action_and_every_body(document: dict[str, Any]) -> None:
    operation = document["paths"]["/api/v1/petitions/{petition_id}/actions/{action}"]["post"]
    action = next(p for p in operation["parameters"] if p["name"] == "action")
    assert action["schema"]["enum"] == [a for a in TRANSITIONS if a not in NOT_ACTIONS]
    refs = {r["$ref"] for r in operation["requestBody"]["content"]["application/json"]["schema"]["anyOf"]}
    assert refs == {f"#/components/schemas/{INPUTS[a].__name__}" for a in ACTIONS}
    assert {"register"} == NOT_ACTIONS  # registration has its own body: POST /api/v1/petitions
    assert "/api/v1/petitions/{petition_id}/actions/register" not in document["paths"]


def test_choices_are_the_laws_lists() -> None:
    schema = schema_for("conclude_review")
    assert schema["properties"]["outcome"]["enum"] == ["upheld", "changed", "revoked"]
    body = {
        "outcome": "support",
        "facts_and_reasons": "f",
        "opinion": "o",
        "method": "post",
        "legal_basis": "l",
    }
    error = refused("conclude_review", body)
    assert (error.field, error.code) == ("outcome", "invalid")
    # At 复查/复核 the legal basis is always required, and the schema says so.
    assert "legal_basis" in schema["required"]
    assert "legal_basis" not in schema_for("conclude").get("required", [])
    error = refused("conclude_review", {**body, "outcome": "upheld", "legal_basis": ""})
    assert (error.field, error.code) == ("legal_basis", "required")
    assert schema_for("conclude")["properties"]["outcome"]["enum"] == [
        "support",
        "partial_support",
        "explain",
        "not_support",
    ]
    assert schema_for("extend")["properties"]["days"] == {
        "maximum": 30,
        "minimum": 1,
        "title": "延长天数（累计不超过30日）",
        "type": "integer",
    }


def test_required_and_type_errors_name_field_and_code() -> None:
    assert (refused("note", {}).field, refused("note", {}).code) == ("text", "required")
    assert refused("note", {"text": None}).code == "required"
    assert refused("note", {"text": ["a"]}).code == "invalid"
    assert refused("extend", {"days": 31, "reason": "r"}).field == "days"
    assert refused("extend", {"days": True, "reason": "r"}).field == "days"
    assert refused("forward", {"organ_id": "x", "assisting_organ_ids": "12"}).field == "assisting_organ_ids"
    assert refused("forward", {"organ_id": 2**63}).field == "organ_id"
    assert refused("assign", {"organ_id": 3, "due_date": "2025-02-30"}).field == "due_date"
    assert refused("accept", {"occurred_at": "yesterday"}).field == "occurred_at"


def test_values_are_normalised_for_the_handlers() -> None:
    clean = parse_input(
        "simplify",
        {
            "likely_supported": "on",
            "no_statutory_procedure": "true",
            "single_responsible_body": 1,
            "no_conflict_of_interest": True,
            "paper_requested": "",
        },
    )
    assert clean == {
        "likely_supported": True,
        "no_statutory_procedure": True,
        "single_responsible_body": True,
        "no_conflict_of_interest": True,
    }
    assert parse_input("forward", {"organ_id": "12", "assisting_organ_ids": ["3", 4]}) == {
        "organ_id": 12,
        "assisting_organ_ids": [3, 4],
    }
    assert parse_input("forward", {"organ_id": "a-housing"}) == {"organ_id": "a-housing"}


def test_a_json_body_must_use_json_types_where_a_form_sends_text() -> None:
    """The API's body is JSON: "30", "on" or "12" are a client's mistakes there (422), while the
    workbench form sends every value as text and is read leniently."""

    def json_refused(action: str, data: dict[str, Any]) -> InvalidInput:
        with pytest.raises(InvalidInput) as caught:
            parse_input(action, data, json_types=True)
        return caught.value

    form_values = [
        ("assign", {"organ_id": 3, "due_days": "30"}, "due_days"),
        ("simplify", {"likely_supported": "on"}, "likely_supported"),
        ("simplify", {"paper_requested": 1}, "paper_requested"),
        ("supervision_feedback", {"order_id": "5", "feedback": "x"}, "order_id"),
        ("forward", {"organ_id": 3, "assisting_organ_ids": ["4"]}, "assisting_organ_ids"),
    ]
    for action, data, field in form_values:
        error = json_refused(action, data)
        assert (error.field, error.code) == (field, "invalid"), (action, data)
        parse_input(action, data)  # the same text from a form is read
    # JSON's own types pass; dates stay strings; a reference (organ, related petition) is an id
    # or a code, so digits in a string are an id there.
    assert parse_input(
        "assign", {"organ_id": "12", "due_days": 30, "instructions": "x"}, json_types=True
    ) == {"organ_id": 12, "due_days": 30, "instructions": "x"}
    assert parse_input("simplify", {"likely_supported": True}, json_types=True) == {"likely_supported": True}
    assert parse_input("assign", {"organ_id": "a-housing", "due_date": "2030-01-02"}, json_types=True) == {
        "organ_id": "a-housing",
        "due_date": "2030-01-02",
    }


def test_assign_takes_a_date_or_a_number_of_days_not_both() -> None:
    error = refused("assign", {"organ_id": 3, "due_date": "2030-01-02", "due_days": 30})
    assert (error.field, error.code) == ("due_date", "invalid")
    assert parse_input("assign", {"organ_id": 3, "due_date": "", "due_days": "30"}) == {
        "organ_id": 3,
        "due_days": 30,
    }


def test_a_date_without_time_means_nine_in_the_morning_local() -> None:
    """Python 3.11 reads "2025-03-03" as a datetime at midnight; an act entered by its date
    happened during office hours that day (the same convention as registration)."""
    clean = parse_input("accept", {"occurred_at": "2025-03-03"})
    moment = dt.datetime.fromisoformat(clean["occurred_at"])
    assert timezone.localtime(moment).replace(tzinfo=None) == dt.datetime(2025, 3, 3, 9, 0)
    clean = parse_input("accept", {"occurred_at": "2025-03-03T15:30:00+08:00"})
    assert dt.datetime.fromisoformat(clean["occurred_at"]).hour == 15


def test_stage_limited_fields_are_shown_only_in_their_state() -> None:
    shown = 0
    for action in ACTION_FIELDS:
        for spec in ACTION_FIELDS[action]:
            if spec.states:
                shown += 1
                assert spec.name not in {s.name for s in fields_for(action, "in_handling")}
                assert spec.name in {s.name for s in fields_for(action, spec.states[0])}
    assert shown >= 4  # sign_opinion's delivery fields at 复查/复核


def test_review_drafts_offer_the_review_outcomes_and_signing_requires_delivery() -> None:
    def outcome(state: str) -> list[str]:
        (spec,) = [s for s in fields_for("draft_opinion", state) if s.name == "outcome"]
        return [value for value, _label in spec.choices]

    assert outcome("in_handling") == ["support", "partial_support", "explain", "not_support"]
    assert outcome("review_requested") == ["upheld", "changed", "revoked"]
    assert outcome("recheck_requested") == ["upheld", "changed", "revoked"]
    method = {s.name: s for s in fields_for("sign_opinion", "review_requested")}["method"]
    assert method.required
    assert "method" not in {s.name for s in fields_for("sign_opinion", "in_handling")}


# ---- through the API: the model's refusal is the answer, nothing changes, and only for those who may act


def _act(client: Client, pid: int, action: str, body: dict[str, Any], auth: dict[str, str]) -> Any:
    return client.post(
        f"/api/v1/petitions/{pid}/actions/{action}", json.dumps(body), content_type="application/json", **auth
    )


@pytest.mark.django_db
def test_api_refuses_an_unknown_field_and_changes_nothing(client: Client, world: Any, register: Any) -> None:
    petition: Petition = register()
    before = PetitionEvent.objects.count()
    head = _token(client, "bureau_head")
    housing = world.organs["a-housing"].pk
    response = _act(client, petition.pk, "forward", {"organ_id": housing, "organ": housing}, head)
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["code"]) == ("organ", "unknown_field")
    assert PetitionEvent.objects.count() == before
    assert Petition.objects.get(pk=petition.pk).state == "registered"
    # the same body without the stray field is accepted
    assert _act(client, petition.pk, "forward", {"organ_id": housing}, head).status_code == 200


@pytest.mark.django_db
def test_input_is_checked_only_for_those_who_may_act(client: Client, world: Any, register: Any) -> None:
    """No probing of the schema by a role that may not act: the refusal is the same for any body."""
    petition: Petition = register()
    supervisor = _token(client, "supervisor")
    answers = {
        json.dumps(_act(client, petition.pk, "forward", body, supervisor).json(), sort_keys=True)
        for body in ({}, {"organ_id": "x"}, {"bogus": 1}, {"organ_id": 2**70})
    }
    assert len(answers) == 1
    assert json.loads(answers.pop())["code"] == "forbidden"
