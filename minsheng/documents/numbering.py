"""Document numbers (文号): one sequence per document type per organ per year, race-safe.

The sequence lives in a counter row (DocumentCounter) that is incremented with a single UPDATE in
the caller's transaction: on PostgreSQL the row stays locked until that transaction ends, on
SQLite the write lock does the same, so two acts that number a document at the same moment get
two numbers. The first number of a sequence continues after any number already filed (opinions,
decisions, issued documents made before the counter existed). A transaction that rolls back
gives its number back with it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from minsheng.documents.models import DocumentCounter


def _filed_numbers(stem: str) -> list[str]:
    from minsheng.documents.models import IssuedDocument
    from minsheng.workflow.models import Decision, Opinion

    return [
        *Opinion.objects.filter(number__startswith=stem).values_list("number", flat=True),
        *Decision.objects.filter(notice_number__startswith=stem).values_list("notice_number", flat=True),
        *IssuedDocument.objects.filter(number__startswith=stem).values_list("number", flat=True),
    ]


def allocate_sequence(organ_label: str, year: int, kind: str, stem: str) -> int:
    """Take the next sequence number of (organ, year, type)."""
    from minsheng.workflow.rulesets import next_sequence

    key = {"organ_label": organ_label, "year": year, "kind": kind}
    counter = DocumentCounter.objects.filter(**key)
    with transaction.atomic():
        if counter.update(last=F("last") + 1):
            return int(counter.values_list("last", flat=True).get())
        start = next_sequence(stem, _filed_numbers(stem))
        try:
            with transaction.atomic():
                DocumentCounter.objects.create(**key, last=start)
            return start
        except IntegrityError:
            # Another transaction created the row meanwhile (and has committed): count on it.
            counter.update(last=F("last") + 1)
            return int(counter.values_list("last", flat=True).get())
