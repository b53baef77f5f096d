"""Frozen assessment periods are a record: read-only in the admin (freeze with
``minsheng indicators --freeze`` or ``POST /api/v1/indicators/freeze``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from minsheng.assessment.models import AssessmentPeriod, FrozenFigure


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class FrozenFigureInline(_ReadOnly, admin.TabularInline[FrozenFigure, AssessmentPeriod]):
    model = FrozenFigure
    fields = (
        "indicator",
        "definition_id",
        "numerator",
        "denominator",
        "value",
        "lower",
        "upper",
        "insufficient_sample",
    )
    readonly_fields = fields
    extra = 0


@admin.register(AssessmentPeriod)
class AssessmentPeriodAdmin(_ReadOnly, admin.ModelAdmin[AssessmentPeriod]):
    list_display = (
        "organ",
        "profile",
        "kind",
        "date_from",
        "date_to",
        "version",
        "definitions_version",
        "frozen_at",
    )
    list_filter = ("profile", "kind", "definitions_version")
    readonly_fields = tuple(f.name for f in AssessmentPeriod._meta.fields)
    inlines = (FrozenFigureInline,)
