"""`minsheng open311-key NAME`: create an integration and print its API key on the last line.

The key is shown only here; only its hash is stored. ``--revoke`` revokes the named integration's key;
``--list`` lists the integrations (JSON, never a key).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.core.errors import ApplicationError
from minsheng.integrations.keys import integration_create, integration_revoke
from minsheng.integrations.models import Integration


class Command(BaseCommand):
    help = "Create an Open311 / webhook integration and print its API key (last line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", default="", help="the integration's name")
        parser.add_argument("--revoke", action="store_true", help="revoke the named integration's key")
        parser.add_argument("--list", action="store_true", help="list integrations as JSON")
        parser.add_argument(
            "--personal-data", action="store_true", help="its webhooks may carry the petitioner's data"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            rows = [
                {
                    "name": i.name,
                    "key_prefix": i.key_prefix,
                    "active": i.is_active,
                    "created_at": i.created_at.isoformat(),
                    "revoked_at": i.revoked_at.isoformat() if i.revoked_at else None,
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
            integration, key = integration_create(name, personal_data=options["personal_data"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"integration {integration.name} created; the key is shown only once:")
        self.stdout.write(key)
