"""Admin: integrations (list, create with the key shown once, revoke) and their audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from minsheng.core.errors import ApplicationError
from minsheng.integrations.keys import integration_revoke
from minsheng.integrations.models import Integration, IntegrationEvent, WebhookAttempt, WebhookSubscription
from minsheng.integrations.webhooks import webhook_disable, webhook_enable, webhook_replay


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
        # The /api/v1 scope changes only through integrations.scopes (audited): `minsheng open311-key`.
        "personal_data",
        "scope_organs",
        "scope_role",
        "scope_actions",
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


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    """Subscriptions are created with ``webhook_subscribe`` (docs/open311.md); here: see, enable, disable.
    Never deleted: disabling is audited, and a deletion would take the delivery log with it."""

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    list_display = ["integration", "url", "events", "is_active", "consecutive_failures", "disabled_reason"]
    list_filter = ["is_active"]
    readonly_fields = [
        "integration",
        "url",
        "events",
        "is_active",
        "consecutive_failures",
        "disabled_at",
        "disabled_reason",
        "created_at",
    ]
    exclude = ["secret"]
    actions = ["enable", "disable"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("启用所选订阅"))
    def enable(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        for subscription in queryset:
            webhook_enable(subscription.pk, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("已启用。"))

    @admin.action(description=_("停用所选订阅"))
    def disable(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        for subscription in queryset:
            webhook_disable(subscription.pk, _("管理员停用。"), actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("已停用。"))


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(admin.ModelAdmin):
    """The delivery log; "replay" sends the message again (same id and body)."""

    list_display = [
        "at",
        "subscription",
        "event",
        "message",
        "attempt",
        "ok",
        "status_code",
        "error",
        "duration_ms",
    ]
    list_filter = ["ok", "event"]
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("重发所选消息"))
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookAttempt]) -> None:
        for message_id in sorted({a.message_id for a in queryset}):
            try:
                webhook_replay(message_id, actor=request.user)  # type: ignore[arg-type]
            except ApplicationError as exc:
                messages.error(request, exc.message)
                return
        messages.success(request, _("已重新排队发送。"))
