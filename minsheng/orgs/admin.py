from __future__ import annotations

from django.contrib import admin

from minsheng.orgs.models import ApiToken, Category, Organ, Region, Responsibility, StaffMembership


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
    list_display = ("user", "created_at", "expires_at", "last_used_at")
    readonly_fields = ("key_hash",)
