"""Full-text index maintenance and lookup on SQLite (FTS5) and PostgreSQL (tsvector + GIN)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from minsheng.petitions.models import Petition
from minsheng.search.models import SavedFilter, SearchDocument
from minsheng.search.tokens import document_tokens, query_terms, term_phrase, text_hash

logger = logging.getLogger(__name__)

FTS_TABLE = "search_fts"  # SQLite: maintained by triggers on SearchDocument (migration 0002)


def petition_search_text(petition: Petition, names: set[str] | None = None) -> str:
    """What is indexed: the tracking code and the texts as a viewer without the identity right
    reads them on the case page (``petition_texts``) — the names recorded with the petition
    (``names``, read when not given) and the phone, ID-card and other long numbers written in them
    masked (analytics.selectors.deidentify) — and the accused person as the case page shows him.
    The index serves every staff member, and a phone number or a petitioner's name typed into the
    search would otherwise tell one who may not see identities whether that person has petitioned
    (an oracle, ADR 0003)."""
    from minsheng.analytics.selectors import deidentify, recorded_names

    if names is None:
        names = recorded_names(petition)
    texts = (petition.title, petition.request, petition.facts, petition.reasons, petition.place_text)
    parts = (petition.tracking_code, *(deidentify(t, names) for t in texts if t), petition.accused_person)
    return "\n".join(part for part in parts if part)


def _is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def search_index_petition(petition: Petition) -> bool:
    """(Re)index one petition; returns False when its text has not changed."""
    text = petition_search_text(petition)
    digest = text_hash(text)
    existing = SearchDocument.objects.filter(pk=petition.pk).values_list("text_hash", flat=True).first()
    if existing == digest:
        return False
    tokens = document_tokens(text)
    if existing is None:
        # A new document (at registration): one INSERT under one savepoint, which only a concurrent
        # indexer of the same petition could make fail; then its row is updated instead.
        try:
            with transaction.atomic():
                SearchDocument.objects.create(
                    petition_id=petition.pk, tokens=tokens, text_hash=digest, indexed_at=timezone.now()
                )
            return True
        except IntegrityError:
            pass
    with transaction.atomic():
        SearchDocument.objects.update_or_create(
            petition_id=petition.pk,
            defaults={"tokens": tokens, "text_hash": digest, "indexed_at": timezone.now()},
        )
    return True


def search_reindex(petitions: Iterable[Petition] | None = None, *, batch_size: int = 500) -> int:
    """Index every petition (or the given ones) whose text changed; returns how many were written."""
    from minsheng.analytics.selectors import names_by_petition

    source = (
        petitions
        if petitions is not None
        else Petition.objects.select_related("petitioner").order_by("pk").iterator(batch_size)
    )
    written = 0
    batch: list[Petition] = []

    def flush() -> int:
        if not batch:
            return 0
        known = dict(
            SearchDocument.objects.filter(pk__in=[p.pk for p in batch]).values_list("pk", "text_hash")
        )
        new_docs: list[SearchDocument] = []
        changed: list[SearchDocument] = []
        names = names_by_petition(batch)
        for petition in batch:
            text = petition_search_text(petition, names[petition.pk])
            digest = text_hash(text)
            if known.get(petition.pk) == digest:
                continue
            doc = SearchDocument(
                petition_id=petition.pk,
                tokens=document_tokens(text),
                text_hash=digest,
                indexed_at=timezone.now(),
            )
            (changed if petition.pk in known else new_docs).append(doc)
        with transaction.atomic():
            SearchDocument.objects.bulk_create(new_docs)
            if changed:
                SearchDocument.objects.bulk_update(changed, ["tokens", "text_hash", "indexed_at"])
        return len(new_docs) + len(changed)

    for petition in source:
        batch.append(petition)
        if len(batch) >= batch_size:
            written += flush()
            batch.clear()
    written += flush()
    return written


def _fts5_phrase(tokens: list[str]) -> str:
    return '"' + " ".join(t.replace('"', "") for t in tokens) + '"'


def _match_sql(terms: list[str]) -> tuple[str, list[str]] | None:
    """SQL selecting matching petition ids for multi-character terms (None if there are none)."""
    phrases = [term_phrase(t) for t in terms]
    phrases = [p for p in phrases if p and not (len(p) == 1 and len(p[0]) == 1)]
    if not phrases:
        return None
    if _is_sqlite():
        expression = " AND ".join(_fts5_phrase(p) for p in phrases)
        return f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expression]
    tsquery = " & ".join("(" + " <-> ".join(p) + ")" for p in phrases)
    table = SearchDocument._meta.db_table
    return (
        f"SELECT petition_id FROM {table} WHERE to_tsvector('simple', tokens) @@ to_tsquery('simple', %s)",
        [tsquery],
    )


def search_filter(qs: QuerySet[Petition], query: str) -> QuerySet[Petition]:
    """Petitions of ``qs`` matching ``query``: a tracking code, or every term of the query."""
    query = (query or "").strip()
    if not query:
        return qs
    terms = query_terms(query)
    if not terms:
        return qs.filter(tracking_code__iexact=query)
    condition = Q()
    match = _match_sql(terms)
    if match is not None:
        sql, params = match
        condition &= Q(pk__in=RawSQL(sql, params))
    for term in terms:
        if len(term_phrase(term)) == 1 and len(term) == 1:
            # One Chinese character: not in the bigram index; scan the token column instead.
            condition &= Q(search_document__tokens__contains=term)
    return qs.filter(Q(tracking_code__iexact=query) | condition)


def search_rank_sql() -> str:
    """Documentation helper: the ranking function used per backend (bm25 / ts_rank)."""
    return "bm25" if _is_sqlite() else "ts_rank"


# ---------------------------------------------------------------------------------------------- saved filters


def saved_filters_for(user: AbstractBaseUser) -> QuerySet[SavedFilter]:
    """The user's own named filters (nobody sees another user's)."""
    return SavedFilter.objects.filter(user_id=user.pk).order_by("name", "pk")


def saved_filter_save(user: AbstractBaseUser, name: str, query: str) -> SavedFilter:
    """Create or replace the user's filter of that name (the query string of the petition list)."""
    from django.utils.translation import gettext as _

    from minsheng.core.errors import InvalidInput

    name, query = name.strip(), query.strip().lstrip("?")
    if not name:
        raise InvalidInput(_("请为筛选命名。"), field="name")
    if len(name) > 60:
        raise InvalidInput(_("筛选名称最多60字。"), field="name")
    if len(query) > 1000:
        raise InvalidInput(_("筛选条件最多1000字。"), field="query")
    saved, _created = SavedFilter.objects.update_or_create(
        user_id=user.pk, name=name, defaults={"query": query}
    )
    return saved


def saved_filter_delete(user: AbstractBaseUser, pk: int) -> None:
    """Delete one of the user's filters; NotFound for another user's or a missing one."""
    from django.utils.translation import gettext as _

    from minsheng.core.errors import NotFound

    deleted, _rows = SavedFilter.objects.filter(user_id=user.pk, pk=pk).delete()
    if not deleted:
        raise NotFound(_("没有这个筛选。"))
