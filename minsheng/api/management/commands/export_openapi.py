"""`minsheng export_openapi [--output FILE] [--check FILE]`: the committed schema is diffed in CI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Write or check the OpenAPI schema of /api/v1/."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", help="write the schema to this file")
        parser.add_argument("--check", help="fail if this file differs from the generated schema")

    def handle(self, *args: Any, **options: Any) -> None:
        from minsheng.api.v1 import api

        schema = api.get_openapi_schema(path_prefix="/api/v1/")
        text = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        if options["check"]:
            path = Path(options["check"])
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError(f"{path} is out of date: run `make schema` and commit it")
            self.stdout.write(f"{path} is up to date")
            return
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {options['output']}")
        else:
            self.stdout.write(text)
