"""Database tables of the intelligence app.

Similarity index (see docs/intelligence-similarity.md): one ``SimilarityEntry`` per indexed
petition (the compact text used for exact verification) and ``BANDS`` ``SimilarityBand``
rows per petition (its LSH band keys). The band table is the hot path of every lookup: its
composite primary key ``(band_key, petition_id)`` is the only index it has, so a lookup is one
index range scan per band key (index-only on PostgreSQL) and a bulk load maintains a
single B-tree.
"""

from __future__ import annotations

from django.db import models


class SimilarityEntry(models.Model):
    """The matching text of one indexed petition, kept to verify LSH candidates exactly."""

    petition = models.OneToOneField(
        "petitions.Petition",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="similarity_entry",
    )
    # minsheng.core.text.compact() of the petition text; 3-gram shingles are recomputed from
    # it at verification time (exact, and smaller than storing the shingle ids).
    compact = models.TextField()
    # Number of distinct 3-gram shingles: lets a lookup skip candidates whose size alone
    # bounds their Jaccard similarity below the requested score.
    shingle_count = models.PositiveIntegerField()
    # Version of the hashing scheme (num_perm, bands, rows, seed); bumped when it changes,
    # so that stale entries can be found and rebuilt.
    scheme = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name = "similarity index entry"
        verbose_name_plural = "similarity index entries"

    def __str__(self) -> str:
        return f"similarity entry of petition {self.pk}"


class SimilarityBand(models.Model):
    """One LSH band key of one indexed petition.

    ``petition_id`` is a plain integer, not a foreign key: a lookup joins candidates to
    ``SimilarityEntry`` (which cascades with the petition), so a band row whose entry is
    gone is simply never returned, and no second B-tree on ``petition_id`` has to be
    maintained on a table of ``BANDS`` rows per petition.
    """

    pk = models.CompositePrimaryKey("band_key", "petition_id")
    band_key = models.BigIntegerField()
    petition_id = models.BigIntegerField()

    class Meta:
        verbose_name = "similarity band key"
        verbose_name_plural = "similarity band keys"

    def __str__(self) -> str:
        return f"band key {self.band_key} of petition {self.petition_id}"
