"""Admin: integrations (list, create with the key shown once, revoke) and their audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from minsheng.integrations.keys import integration_revoke
from minsheng.integrations.models import Integration, IntegrationEvent


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "key_prefix", "personal_data", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at", "personal_data"]
    search_fields = ["name"]
    readonly_fields = [
        "name",
        "key_prefix",
        "created_at",
        "created_by",
        "revoked_at",
        "revoked_by",
        "last_used_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are created with `minsheng open311-key NAME`, which shows the key once

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the petitions it filed keep their link

    @admin.action(description=_("吊销所选接口的密钥"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Integration]) -> None:
        for integration in queryset:
            integration_revoke(integration.pk, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("已吊销。"))


@admin.register(IntegrationEvent)
class IntegrationEventAdmin(admin.ModelAdmin):
    list_display = ["at", "integration", "kind", "actor"]
    list_filter = ["kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
