"""Per-action request bodies in the OpenAPI document, generated from the input models.

``POST /api/v1/petitions/{petition_id}/actions/{action}`` is one route; its body depends on the
action. The document therefore lists, besides the generic path (body: any of the action inputs),
one concrete path per action with its own body schema (``components/schemas/<Name>Input``), so a
client generated from the document gets one typed call per action. Concrete paths match before
templated ones (OpenAPI 3.1 §4.8.8.2), and the server routes both the same way.
"""

from __future__ import annotations

import copy
from typing import Any

from minsheng.workflow.inputs import INPUTS, NOT_ACTIONS, schema_for
from minsheng.workflow.services import TRANSITIONS

GENERIC = "petitions/{petition_id}/actions/{action}"


def add_action_bodies(schema: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``schema`` with every action's input schema in components and one path per action."""
    paths: dict[str, Any] = schema["paths"]
    generic_path = f"{prefix}{GENERIC}"
    generic = paths.get(generic_path, {}).get("post")
    if generic is None:
        return schema
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    refs: dict[str, str] = {}
    actions = [a for a in TRANSITIONS if a not in NOT_ACTIONS]
    for action in actions:
        model = INPUTS[action]
        name = model.__name__
        if name not in components:
            components[name] = schema_for(action)
        refs[action] = f"#/components/schemas/{name}"

    for parameter in generic.get("parameters", []):
        if parameter.get("name") == "action":
            parameter["schema"] = {"title": "Action", "type": "string", "enum": actions}
    unique = sorted(set(refs.values()))
    generic["requestBody"] = {
        "required": False,
        "content": {"application/json": {"schema": {"anyOf": [{"$ref": ref} for ref in unique]}}},
    }
    generic["description"] = (
        "Perform an action on a petition. The body is the action's input: see the path of each "
        "action below for its exact schema (fields, required ones, allowed values). Unknown "
        "fields are refused (422, code `unknown_field`)."
    )

    for action in actions:
        transition = TRANSITIONS[action]
        operation = copy.deepcopy(generic)
        operation["operationId"] = f"petition_action_{action}"
        operation["summary"] = f"{transition.label} ({action})"
        operation["description"] = (
            f"{transition.label}. Implements {transition.article}. From states: "
            f"{', '.join(sorted(transition.sources))}."
        )
        operation["tags"] = ["actions"]
        operation["parameters"] = [p for p in generic.get("parameters", []) if p.get("name") != "action"]
        required = bool(schema_for(action).get("required"))
        operation["requestBody"] = {
            "required": required,
            "content": {"application/json": {"schema": {"$ref": refs[action]}}},
        }
        paths[f"{prefix}petitions/{{petition_id}}/actions/{action}"] = {"post": operation}
    return schema
