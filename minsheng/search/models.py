"""The full-text index of petitions and users' saved filters.

``SearchDocument`` keeps one row per petition with its tokens (character bigrams of the
normalised text, see ``minsheng.search.tokens``). The database-specific index lives beside it:
an FTS5 virtual table ``search_fts`` on SQLite, a GIN index on ``to_tsvector('simple', tokens)``
on PostgreSQL (both created by migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    petition = models.OneToOneField(
        "petitions.Petition", primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    tokens = models.TextField()
    text_hash = models.CharField(max_length=64)
    indexed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("全文索引")
        verbose_name_plural = _("全文索引")

    def __str__(self) -> str:
        return f"search document {self.pk}"


class SavedFilter(models.Model):
    """A user's named petition-list filter (the query string of the list page)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("名称"), max_length=60)
    query = models.CharField(_("筛选条件"), max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("保存的筛选")
        verbose_name_plural = _("保存的筛选")
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="savedfilter_user_name_unique")]

    def __str__(self) -> str:
        return self.name
