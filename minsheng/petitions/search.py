"""Full-text search over petitions (Chinese): delegates to the index in ``minsheng.search``.

SQLite: an FTS5 table of character bigrams; PostgreSQL: a GIN index on to_tsvector('simple').
A query term matches as an exact substring (a phrase of consecutive bigrams); long queries are
split into words with jieba and every word must occur. A tracking code matches exactly.
"""

from __future__ import annotations

from django.db.models import QuerySet

from minsheng.petitions.models import Petition


def search_terms(query: str) -> list[str]:
    from minsheng.search.tokens import query_terms

    return query_terms(query)


def search_filter(qs: QuerySet[Petition], query: str) -> QuerySet[Petition]:
    from minsheng.search.services import search_filter as indexed_filter

    return indexed_filter(qs, query)
