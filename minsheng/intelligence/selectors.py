"""Read-only queries of the intelligence app: the deployment's own cases as training data,
and how often the suggestions matched what staff decided.

``labelled_cases(since=, until=)`` yields the petitions whose category staff set (at
registration or later), in the columns of ``messages_labeled.csv`` — the training file of
``minsheng classify train``. Staff choices are the labels: the model learns from what the
deployment's registrars and dispatchers decided, including where they overrode a suggestion.

The rows hold petition text (which may contain personal details written by the petitioner);
the petitioner's own identity fields are never exported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from minsheng.petitions.models import Petition

__all__ = ["CASE_COLUMNS", "labelled_cases", "suggestion_quality"]

CASE_COLUMNS = ("留言编号", "留言主题", "留言时间_iso", "留言详情", "一级分类", "答复意见")


def labelled_cases(*, since: dt.date | None = None, until: dt.date | None = None) -> Iterator[dict[str, str]]:
    """Petitions with a staff-set category, oldest first, as training rows.

    ``一级分类`` is the level-1 ancestor of the petition's category; ``答复意见`` is the
    text of the last handling opinion, if any (the reply rules of the classifier read it).
    """
    from minsheng.workflow.models import Opinion

    last_reply = (
        Opinion.objects.filter(petition=OuterRef("pk")).order_by("-issued_at", "-pk").values("opinion")[:1]
    )
    qs = (
        Petition.objects.filter(category__isnull=False)
        .select_related("category")
        .annotate(last_reply=Subquery(last_reply))
        .order_by("received_at", "pk")
    )
    if since is not None:
        qs = qs.filter(received_at__date__gte=since)
    if until is not None:
        qs = qs.filter(received_at__date__lte=until)
    roots: dict[int, str] = {}
    for petition in qs.iterator(chunk_size=2000):
        category = petition.category
        assert category is not None
        if category.pk not in roots:
            roots[category.pk] = category.root().name
        reply = petition.last_reply  # type: ignore[attr-defined]
        body = "\n".join(p for p in (petition.request, petition.facts, petition.reasons) if p)
        yield {
            "留言编号": petition.tracking_code,
            "留言主题": petition.title,
            "留言时间_iso": timezone.localtime(petition.received_at).strftime("%Y-%m-%d %H:%M:%S"),
            "留言详情": body,
            "一级分类": roots[category.pk],
            "答复意见": reply or "",
        }


def suggestion_quality(*, since: dt.date | None = None, until: dt.date | None = None) -> dict[str, Any]:
    """How often the suggestions matched what staff decided, over petitions received in the period.

    * ``category``: the level-1 category predicted at registration vs. the level-1 ancestor
      of the category staff set (petitions with both).
    * ``routing``: the organ suggested first at registration vs. the organ the dispatcher
      forwarded or assigned to (every forward/assign event that recorded a suggestion):
      top-1 and top-3 agreement.
    """
    from minsheng.workflow.models import PetitionEvent

    petitions = Petition.objects.all()
    if since is not None:
        petitions = petitions.filter(received_at__date__gte=since)
    if until is not None:
        petitions = petitions.filter(received_at__date__lte=until)
    n_cat = right_cat = 0
    by_class: dict[str, list[int]] = {}
    roots: dict[int, str] = {}
    rows = (
        petitions.filter(category__isnull=False)
        .select_related("category")
        .only("pk", "suggestions", "category")
    )
    for petition in rows.iterator(chunk_size=2000):
        predicted = ((petition.suggestions or {}).get("category") or {}).get("label")
        category = petition.category
        if not predicted or category is None:
            continue
        if category.pk not in roots:
            roots[category.pk] = category.root().name
        gold = roots[category.pk]
        n_cat += 1
        right_cat += predicted == gold
        counts = by_class.setdefault(gold, [0, 0])
        counts[0] += 1
        counts[1] += predicted == gold
    n_route = top1 = top3 = 0
    events = PetitionEvent.objects.filter(
        petition__in=petitions, action__in=("forward", "assign"), data__has_key="routing_suggestion"
    ).values_list("data", flat=True)
    for data in events.iterator(chunk_size=2000):
        choice = data.get("routing_suggestion") or {}
        n_route += 1
        top1 += bool(choice.get("accepted"))
        top3 += choice.get("rank") is not None
    return {
        "period": {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
        },
        "category": {
            "n": n_cat,
            "accuracy": round(right_cat / n_cat, 4) if n_cat else None,
            "by_class": {
                label: {"n": n, "accuracy": round(ok / n, 4)} for label, (n, ok) in sorted(by_class.items())
            },
        },
        "routing": {
            "n": n_route,
            "top1": round(top1 / n_route, 4) if n_route else None,
            "top3": round(top3 / n_route, 4) if n_route else None,
        },
    }
