"""Assessment periods frozen when assessed (ADR 0008): the figures stored then are the record.

A correction never rewrites a frozen period: it is a new version of the same period with its
reason; the earlier version stays readable. Both tables refuse updates once written.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AssessmentPeriod(models.Model):
    class Kind(models.TextChoices):
        MONTH = "month", _("月度")
        QUARTER = "quarter", _("季度")
        YEAR = "year", _("年度")
        CUSTOM = "custom", _("自定义")

    organ = models.ForeignKey(
        "orgs.Organ",
        on_delete=models.PROTECT,
        related_name="assessment_periods",
        verbose_name=_("被考核机关"),
    )
    profile = models.CharField(_("考核口径"), max_length=16)
    kind = models.CharField(_("周期"), max_length=8, choices=Kind.choices, default=Kind.CUSTOM)
    date_from = models.DateField(_("起"))
    date_to = models.DateField(_("止"))
    definitions_version = models.CharField(_("指标定义版本"), max_length=16)
    basic_counts = models.BooleanField(_("基本满意计入满意"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    reason = models.TextField(_("更正理由"), blank=True)
    computed_on = models.DateField(_("计算基准日"))
    frozen_at = models.DateTimeField(_("冻结时间"), default=timezone.now)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organ_id", "date_from", "profile", "version"]
        verbose_name = _("考核周期")
        verbose_name_plural = _("考核周期")
        constraints = [
            models.UniqueConstraint(
                fields=["organ", "profile", "date_from", "date_to", "version"],
                name="assessment_period_version_unique",
            ),
            models.CheckConstraint(
                condition=Q(date_to__gte=models.F("date_from")), name="assessment_period_order"
            ),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(reason=""), name="assessment_correction_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organ_id} {self.profile} {self.date_from}–{self.date_to} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("a frozen assessment period is never changed; freeze a new version")
        super().save(*args, **kwargs)


class FrozenFigure(models.Model):
    """One indicator of a frozen period, with the petition ids behind numerator and denominator."""

    period = models.ForeignKey(AssessmentPeriod, on_delete=models.PROTECT, related_name="figures")
    indicator = models.CharField(max_length=32)
    definition_id = models.CharField(max_length=80)
    definition_text = models.TextField(blank=True)
    numerator = models.FloatField()
    denominator = models.PositiveIntegerField()
    value = models.FloatField(null=True, blank=True)
    lower = models.FloatField(null=True, blank=True)
    upper = models.FloatField(null=True, blank=True)
    insufficient_sample = models.BooleanField(default=False)
    classes = models.JSONField(default=dict, blank=True)
    excluded = models.JSONField(default=dict, blank=True)
    numerator_ids = models.JSONField(default=list, blank=True)
    denominator_ids = models.JSONField(default=list, blank=True)
    # [[petition id, class], …] and {petition id: weight ≠ 1}: to take an item out exactly.
    item_classes = models.JSONField(default=list, blank=True)
    weights = models.JSONField(default=dict, blank=True)
    min_n = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["period_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["period", "indicator"], name="frozen_figure_once_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.period_id} {self.indicator} {self.value}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("a frozen figure is never changed")
        super().save(*args, **kwargs)
