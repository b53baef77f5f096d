"""`minsheng similar`: query the similarity index, or (re)build it.

* ``minsheng similar --text TEXT [--top K]`` prints the similar indexed petitions as a JSON
  array of ``{"id", "score"}``.
* ``minsheng similar --reindex [--all]`` indexes the petitions that are missing from the
  index or were indexed under an older hashing scheme (``--all``: every petition; unchanged
  ones are skipped cheaply), then refreshes the index tables' statistics.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.core.text import compact
from minsheng.intelligence.similarity import (
    BULK_BATCH,
    similar_find,
    similarity_index_bulk,
    similarity_index_stale,
    similarity_maintain,
)


class Command(BaseCommand):
    help = (
        "Print the indexed petitions most similar to TEXT as a JSON array of {id, score} "
        "(score = exact Jaccard similarity of character 3-grams, best first); with --reindex, "
        "build the similarity index for petitions missing from it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--text", help="the text to compare with indexed petitions")
        mode.add_argument(
            "--reindex",
            action="store_true",
            help="index petitions that are missing or indexed under an older scheme, then VACUUM ANALYZE",
        )
        parser.add_argument("--top", type=int, default=10, help="at most this many results (default 10)")
        parser.add_argument(
            "--min-score", type=float, default=0.3, help="lowest similarity reported, 0..1 (default 0.3)"
        )
        parser.add_argument("--exclude-id", type=int, default=None, help="petition id to leave out")
        parser.add_argument(
            "--all", action="store_true", help="with --reindex: re-check every petition (changed text too)"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BULK_BATCH,
            help=f"with --reindex: petitions per transaction (default {BULK_BATCH})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reindex"]:
            self._reindex(all_petitions=options["all"], batch_size=options["batch_size"])
            return
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

    def _reindex(self, *, all_petitions: bool, batch_size: int) -> None:
        if batch_size < 1:
            raise CommandError(f"--batch-size must be >= 1, got {batch_size}")
        started = time.perf_counter()

        def progress(done: int) -> None:
            rate = done / max(time.perf_counter() - started, 1e-9)
            sys.stderr.write(f"\r{done:,} petitions checked ({rate:,.0f}/s)")
            sys.stderr.flush()

        if all_petitions:
            from minsheng.petitions.models import Petition

            written = similarity_index_bulk(
                Petition.objects.order_by("pk").iterator(chunk_size=5000), batch_size=batch_size
            )
        else:
            written = similarity_index_stale(batch_size=batch_size, progress=progress)
        similarity_maintain()
        elapsed = time.perf_counter() - started
        sys.stderr.write("\n")
        self.stdout.write(json.dumps({"indexed": written, "seconds": round(elapsed, 2)}))
