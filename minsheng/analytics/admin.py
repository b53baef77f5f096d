from __future__ import annotations

from django.contrib import admin

from minsheng.analytics.models import AlertSubscription, SpikeAlert


@admin.register(SpikeAlert)
class SpikeAlertAdmin(admin.ModelAdmin[SpikeAlert]):
    list_display = ("week", "category", "region", "count", "baseline", "adjusted_p", "created_at")
    list_filter = ("week", "category")
    readonly_fields = tuple(f.name for f in SpikeAlert._meta.fields)

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(AlertSubscription)
class AlertSubscriptionAdmin(admin.ModelAdmin[AlertSubscription]):
    list_display = ("user", "category", "region", "channel", "created_at")
    list_filter = ("channel",)
    raw_id_fields = ("user",)
