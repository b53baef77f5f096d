"""`minsheng open311-key NAME`: create an integration and print its API key on the last line.

The key is shown only here; only its hash is stored. ``--revoke`` revokes the named integration's key;
``--list`` lists the integrations (JSON, never a key). ``--organs CODE,… --role ROLE --actions a,b``
(with ``--personal-data`` or not) gives the key a scope on the staff API /api/v1
(``minsheng.integrations.scopes``); for an existing integration only the scope changes (no new key).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.core.errors import ApplicationError
from minsheng.integrations.keys import integration_create, integration_revoke
from minsheng.integrations.models import Integration
from minsheng.integrations.scopes import integration_set_scope


class Command(BaseCommand):
    help = "Create an Open311 / webhook integration and print its API key (last line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", default="", help="the integration's name")
        parser.add_argument("--revoke", action="store_true", help="revoke the named integration's key")
        parser.add_argument("--list", action="store_true", help="list integrations as JSON")
        parser.add_argument(
            "--personal-data",
            action="store_true",
            help="its webhooks and /api/v1 answers may carry the petitioner's (masked) data",
        )
        parser.add_argument("--organs", default="", help="/api/v1 scope: organ codes, comma-separated")
        parser.add_argument(
            "--role", default="caseworker", help="/api/v1 scope: registrar, dispatcher or caseworker"
        )
        parser.add_argument("--actions", default="", help="/api/v1 scope: actions, comma-separated")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            rows = [
                {
                    "name": i.name,
                    "key_prefix": i.key_prefix,
                    "active": i.is_active,
                    "created_at": i.created_at.isoformat(),
                    "revoked_at": i.revoked_at.isoformat() if i.revoked_at else None,
                    "scope": {
                        "organs": sorted(i.scope_organs.values_list("code", flat=True)),
                        "role": i.scope_role,
                        "actions": i.scope_actions,
                        "personal_data": i.personal_data,
                    }
                    if i.api_user_id
                    else None,
                }
                for i in Integration.objects.all()
            ]
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        name = options["name"].strip()
        if not name:
            raise CommandError("a NAME is required")
        try:
            if options["revoke"]:
                found = Integration.objects.filter(name=name).first()
                if found is None:
                    raise CommandError(f"no integration named {name!r}")
                integration_revoke(found.pk)
                self.stdout.write(f"revoked {name}")
                return
            existing = Integration.objects.filter(name=name).first()
            if existing is not None and options["organs"]:
                self._scope(existing, options)
                self.stdout.write(f"scope of {name} changed")
                return
            integration, key = integration_create(name, personal_data=options["personal_data"])
            if options["organs"]:
                self._scope(integration, options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"integration {integration.name} created; the key is shown only once:")
        self.stdout.write(key)

    def _scope(self, integration: Integration, options: dict[str, Any]) -> None:
        integration_set_scope(
            integration.pk,
            organ_codes=options["organs"].split(","),
            role=options["role"],
            actions=[a for a in options["actions"].split(",") if a],
            personal_data=options["personal_data"],
        )
