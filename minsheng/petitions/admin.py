"""Admin: the personal-data access log and the data-access requests, read-only (append-only logs)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from minsheng.petitions.models import DataAccessRequest, PersonalDataAccess


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by administrators; nobody adds, changes or deletes rows here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ("accessed_at", "tracking_code", "kind", "user", "organ", "reason", "flagged")
    list_filter = ("flagged", "kind", ("accessed_at", admin.DateFieldListFilter), "organ", "user")
    search_fields = ("petition__tracking_code", "user__username")
    date_hierarchy = "accessed_at"
    list_select_related = ("petition", "user", "organ")
    readonly_fields = (
        "petition",
        "user",
        "organ",
        "accessed_at",
        "kind",
        "attachment",
        "reason",
        "fields",
        "flagged",
    )
    fields = readonly_fields

    @admin.display(description=_("查询码"), ordering="petition__tracking_code")
    def tracking_code(self, obj: PersonalDataAccess) -> str:
        return obj.petition.tracking_code


@admin.register(DataAccessRequest)
class DataAccessRequestAdmin(ReadOnlyAdmin):
    list_display = ("requested_at", "scope", "outcome", "output_format", "refusal_basis")
    list_filter = ("outcome", "scope", ("requested_at", admin.DateFieldListFilter))
    date_hierarchy = "requested_at"
    readonly_fields = (
        "user",
        "requested_at",
        "scope",
        "outcome",
        "output_format",
        "released",
        "refusal_basis",
    )
    fields = readonly_fields
