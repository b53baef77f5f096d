from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from minsheng.orgs.models import (
    ApiToken,
    Category,
    Organ,
    Region,
    Responsibility,
    SecurityEvent,
    StaffMembership,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


class ResponsibilityInline(admin.TabularInline):
    model = Responsibility
    extra = 0
    autocomplete_fields = ("category", "region")


class MembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organ)
class OrganAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "level", "region", "parent", "is_active")
    list_filter = ("kind", "level", "is_active")
    search_fields = ("name", "code", "short_name")
    autocomplete_fields = ("parent", "review_organ", "successor", "region")
    filter_horizontal = ("signoff_delegates",)
    inlines = [ResponsibilityInline, MembershipInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("path", "level")
    list_filter = ("level",)
    search_fields = ("name", "path")


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organ", "role")
    list_filter = ("role",)
    search_fields = ("user__username", "organ__name")
    autocomplete_fields = ("user", "organ")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "expires_at", "last_used_at", "revoked_at", "revoked_reason")
    list_filter = ("revoked_reason",)
    search_fields = ("user__username",)
    readonly_fields = ("key_hash", "fingerprint", "revoked_at", "revoked_reason")
    actions = ["revoke"]

    @admin.action(description=_("吊销所选API令牌"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        from minsheng.orgs.tokens import revoke_tokens

        for token in queryset.select_related("user"):
            revoke_tokens(token.user, "admin", actor=request.user, only=[token.pk])  # type: ignore[arg-type]


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The audit trail: read-only, never edited or deleted from the admin."""

    list_display = ("created_at", "kind", "user", "actor", "ip_address")
    list_filter = ("kind",)
    search_fields = ("user__username",)
    readonly_fields = ("created_at", "kind", "user", "actor", "detail", "ip_address")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SecurityEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SecurityEvent | None = None) -> bool:
        return False


def _totp_admin() -> None:
    """Deleting a staff member's authenticator (the lost-phone procedure of docs/operations.md)
    is a security event with its actor (SecurityEvent otp_removed), like enrolling one."""
    from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
    from django_otp.plugins.otp_totp.models import TOTPDevice

    class AuditedTOTPDeviceAdmin(TOTPDeviceAdmin):  # type: ignore[misc]
        def delete_model(self, request: HttpRequest, obj: TOTPDevice) -> None:
            _otp_removed(request, [obj])
            super().delete_model(request, obj)

        def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TOTPDevice]) -> None:
            _otp_removed(request, list(queryset))
            super().delete_queryset(request, queryset)

    if admin.site.is_registered(TOTPDevice):
        admin.site.unregister(TOTPDevice)
    admin.site.register(TOTPDevice, AuditedTOTPDeviceAdmin)


def _otp_removed(request: HttpRequest, devices: list[object]) -> None:
    actor = request.user if request.user.is_authenticated else None
    SecurityEvent.objects.bulk_create(
        [
            SecurityEvent(
                kind=SecurityEvent.Kind.OTP_REMOVED,
                user_id=getattr(device, "user_id", None),
                actor=actor,
                detail={"device": getattr(device, "name", ""), "by": "admin"},
                ip_address=(request.META.get("REMOTE_ADDR") or "")[:64],
            )
            for device in devices
        ]
    )


_totp_admin()
