"""Build or refresh the full-text index (after raw loads or repairs that bypass the services)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Index every petition whose text changed since it was last indexed."

    def handle(self, *args: Any, **options: Any) -> None:
        from minsheng.search.services import search_reindex

        written = search_reindex()
        self.stdout.write(f"indexed {written} petitions")
