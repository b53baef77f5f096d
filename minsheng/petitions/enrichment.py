"""Re-enrichment of a petition outside registration (tasks, bulk imports)."""

from __future__ import annotations

import logging

from minsheng.petitions.models import Petition

logger = logging.getLogger(__name__)


def petition_enrich(petition_id: int) -> None:
    petition = Petition.objects.filter(pk=petition_id).first()
    if petition is None:
        return
    try:
        from minsheng.intelligence.services import petition_enrich as enrich
    except ImportError:
        return
    try:
        enrich(petition)
    except Exception:
        logger.exception("enrichment failed for petition %s", petition_id)
