"""After-commit enrichment of a registered petition: similarity index entries and suggestions.

Each step is optional and isolated: a failure is logged and never undoes the registration.
"""

from __future__ import annotations

import logging

from minsheng.petitions.models import Petition

logger = logging.getLogger(__name__)


def petition_enrich(petition_id: int) -> None:
    petition = Petition.objects.filter(pk=petition_id).first()
    if petition is None:
        return
    try:
        from minsheng.intelligence import similarity
    except ImportError:
        return
    try:
        similarity.similarity_index_petition(petition)
    except Exception:
        logger.exception("similarity indexing failed for petition %s", petition_id)
