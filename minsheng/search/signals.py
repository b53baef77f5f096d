"""Keep the full-text index current: every saved petition is re-indexed in the same transaction
(so a rolled-back write leaves no index row behind). A failure of the index never fails the write."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from minsheng.petitions.models import Petition

logger = logging.getLogger(__name__)


@receiver(post_save, sender=Petition, dispatch_uid="minsheng.search.index_petition")
def _index_on_save(sender: type[Petition], instance: Petition, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    from minsheng.search.services import search_index_petition

    try:
        with transaction.atomic():
            search_index_petition(instance)
    except Exception:
        logger.exception("search indexing failed for petition %s", instance.pk)
