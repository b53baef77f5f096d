"""Admin: the holiday calendar is edited here; petitions are never changed in the admin (the
workflow service is the only writer), so case records are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from minsheng.workflow import deadlines as dl
from minsheng.workflow.models import CalendarDay, CalendarYear, Deadline, PetitionEvent, SupervisionOrder


def _calendar_changed(request: HttpRequest) -> None:
    dl.calendar_bump_version()
    refreshed = dl.deadlines_refresh_provisional()
    missing = dl.uncovered_years_in_use()
    if refreshed:
        messages.info(request, _("已按新日历重新计算 %(n)d 个临时期限。") % {"n": refreshed})
    if missing:
        messages.warning(
            request, _("仍有期限落在未录入节假日安排的年份：%(y)s") % {"y": ", ".join(map(str, missing))}
        )


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "note")
    list_filter = ("is_workday",)
    date_hierarchy = "date"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _calendar_changed(request)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        _calendar_changed(request)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "loaded_at")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _calendar_changed(request)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        missing = dl.uncovered_years_in_use()
        if missing:
            messages.warning(
                request,
                _("有期限落在未覆盖的年份 %(y)s：请录入国务院办公厅公布的节假日安排，并在此登记该年度。")
                % {"y": ", ".join(map(str, missing))},
            )
        return super().changelist_view(request, extra_context)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PetitionEvent)
class PetitionEventAdmin(ReadOnlyAdmin):
    list_display = ("petition", "action", "occurred_at", "actor", "from_state", "to_state")
    list_filter = ("action",)


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ("petition", "rule", "nominal_due", "statutory_due", "is_provisional", "status")
    list_filter = ("rule", "status", "is_provisional")


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(ReadOnlyAdmin):
    list_display = ("petition", "kind", "trigger", "target_organ", "issued_at", "feedback_at")
    list_filter = ("kind", "trigger")
