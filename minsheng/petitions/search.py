"""Full-text search over petitions. Baseline: every term (jieba-segmented) must occur in the text."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from minsheng.petitions.models import Petition


def search_terms(query: str) -> list[str]:
    import jieba

    from minsheng.core.text import normalize

    text = normalize(query)
    terms: list[str] = []
    for chunk in text.split():
        words = [w for w in jieba.lcut_for_search(chunk) if w.strip()] if len(chunk) > 4 else [chunk]
        longest = sorted(set(words), key=len, reverse=True)
        # Keep terms that are not contained in a longer kept term.
        for word in longest:
            if len(word) >= 2 or word.isalnum():
                if not any(word in kept for kept in terms):
                    terms.append(word)
    return terms[:8]


def search_filter(qs: QuerySet[Petition], query: str) -> QuerySet[Petition]:
    query = query.strip()
    if not query:
        return qs
    code_match = Q(tracking_code__iexact=query)
    condition = Q()
    for term in search_terms(query) or [query]:
        condition &= (
            Q(title__icontains=term)
            | Q(request__icontains=term)
            | Q(facts__icontains=term)
            | Q(reasons__icontains=term)
            | Q(place_text__icontains=term)
        )
    return qs.filter(code_match | condition)
