"""Tasks are interfaces: load by id, call the service."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from minsheng.intelligence.services import petition_enrich
from minsheng.petitions.models import Petition


@task()
def petition_enrich_task(petition_id: int) -> bool:
    """Suggestions of a petition registered with ``MINSHENG_ENRICH=task`` (queued in the
    registration's transaction, run by ``minsheng worker``). Running it again recomputes them."""
    petition = Petition.objects.filter(pk=petition_id).select_related("category").first()
    if petition is None:
        return False
    with transaction.atomic():
        petition_enrich(petition)
    return True
