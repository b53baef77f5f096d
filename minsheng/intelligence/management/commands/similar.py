"""`minsheng similar --text TEXT [--top K]`: similar indexed petitions as a JSON array."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.core.text import compact
from minsheng.intelligence.similarity import similar_find


class Command(BaseCommand):
    help = (
        "Print the indexed petitions most similar to TEXT as a JSON array of {id, score} "
        "(score = exact Jaccard similarity of character 3-grams, best first)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--text", required=True, help="the text to compare with indexed petitions")
        parser.add_argument("--top", type=int, default=10, help="at most this many results (default 10)")
        parser.add_argument(
            "--min-score", type=float, default=0.3, help="lowest similarity reported, 0..1 (default 0.3)"
        )
        parser.add_argument("--exclude-id", type=int, default=None, help="petition id to leave out")

    def handle(self, *args: Any, **options: Any) -> None:
        text: str = options["text"]
        top: int = options["top"]
        min_score: float = options["min_score"]
        if not compact(text):
            raise CommandError("--text is empty: give the text of a petition")
        if top < 1:
            raise CommandError(f"--top must be >= 1, got {top}")
        if not 0.0 <= min_score <= 1.0:
            raise CommandError(f"--min-score must be between 0 and 1, got {min_score}")
        hits = similar_find(text, top=top, min_score=min_score, exclude_id=options["exclude_id"])
        self.stdout.write(json.dumps([{"id": h.id, "score": round(h.score, 4)} for h in hits]))
