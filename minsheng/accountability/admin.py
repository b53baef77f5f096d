"""Admin pages for leaders and portfolios. Saving goes through the services (audited, overlap
checked): a portfolio is created once and afterwards only ended, never edited or deleted."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from minsheng.accountability import services
from minsheng.accountability.models import AuditEntry, Leader, Measure, Portfolio, Proposal, VetoEvent
from minsheng.core.errors import ApplicationError


@admin.register(Leader)
class LeaderAdmin(admin.ModelAdmin[Leader]):
    """Saved through ``services.leader_save`` (audited with what it replaced): portfolios, and so the
    accountable chain of past days, name the leader by this row."""

    list_display = ("name", "user")
    search_fields = ("name",)
    raw_id_fields = ("user",)

    def save_model(self, request: HttpRequest, obj: Leader, form: Any, change: bool) -> None:
        services.leader_save(obj, actor=request.user)  # type: ignore[arg-type]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # portfolios of past days point to it


class PortfolioForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Portfolio
        fields = (
            "organ",
            "leader",
            "role",
            "title",
            "categories",
            "regions",
            "valid_from",
            "valid_to",
            "end_reason",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk:
            if data.get("valid_to") and not (data.get("end_reason") or "").strip():
                raise ValidationError({"end_reason": _("请填写结束原因（如职务调整）。")})
            return data
        if data.get("organ") and data.get("role") and data.get("valid_from"):
            try:
                services.ensure_no_overlap(
                    data["organ"], data["role"], data["valid_from"], data.get("valid_to")
                )
            except ApplicationError as exc:
                raise ValidationError(exc.message) from exc
        return data


@admin.register(Portfolio)
class PortfolioAdmin(admin.ModelAdmin[Portfolio]):
    form = PortfolioForm
    list_display = ("organ", "role", "leader", "title", "valid_from", "valid_to")
    list_filter = ("role", "organ")
    search_fields = ("leader__name", "organ__name", "title")
    autocomplete_fields = ("leader",)
    filter_horizontal = ("categories", "regions")

    def get_readonly_fields(self, request: HttpRequest, obj: Portfolio | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("end_reason",)
        fixed = ("organ", "leader", "role", "title", "categories", "regions", "valid_from")
        return fixed + (("valid_to", "end_reason") if obj.valid_to else ())

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Portfolio, form: Any, change: bool) -> None:
        # Saving happens in save_related (the categories and regions come with the form).
        request._portfolio_pending = obj  # type: ignore[attr-defined]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        obj: Portfolio = request._portfolio_pending  # type: ignore[attr-defined]
        if change:
            if obj.valid_to is not None and "valid_to" in form.changed_data:
                services.portfolio_end(
                    obj,
                    last_day=obj.valid_to,
                    reason=form.cleaned_data.get("end_reason", ""),
                    actor=request.user,  # type: ignore[arg-type]
                )
        else:
            saved = services.portfolio_assign(
                organ=form.cleaned_data["organ"],
                leader=form.cleaned_data["leader"],
                role=form.cleaned_data["role"],
                title=form.cleaned_data.get("title", ""),
                valid_from=form.cleaned_data["valid_from"],
                valid_to=form.cleaned_data.get("valid_to"),
                categories=form.cleaned_data.get("categories") or [],
                regions=form.cleaned_data.get("regions") or [],
                actor=request.user,  # type: ignore[arg-type]
            )
            obj.pk = saved.pk


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(_ReadOnly, admin.ModelAdmin[AuditEntry]):
    list_display = ("at", "action", "organ", "actor", "object_id")
    list_filter = ("action",)


@admin.register(Proposal)
class ProposalAdmin(_ReadOnly, admin.ModelAdmin[Proposal]):
    list_display = ("organ", "measure", "period_from", "period_to", "status", "decided_by")
    list_filter = ("status", "measure")


@admin.register(Measure)
class MeasureAdmin(_ReadOnly, admin.ModelAdmin[Measure]):
    list_display = ("organ", "kind", "taken_on", "rectify_by", "feedback_at")


class VetoEventForm(forms.ModelForm):  # type: ignore[type-arg]
    """The service's rules on the form (veto.veto_check), so a refused event is a field error."""

    class Meta:
        model = VetoEvent
        fields = (
            "organ",
            "period_from",
            "period_to",
            "ground",
            "evidence",
            "serious_consequence",
            "evidence_petitions",
        )

    def clean(self) -> dict[str, Any]:
        from minsheng.accountability.veto import veto_check

        data = super().clean() or {}
        if self.errors:  # a field already refused (e.g. a date that does not parse)
            return data
        try:
            veto_check(
                ground=data.get("ground") or "",
                serious_consequence=data.get("serious_consequence") or "",
                period_from=data["period_from"],
                period_to=data["period_to"],
                evidence=data.get("evidence") or "",
            )
        except ApplicationError as exc:
            fields = set(self.fields)
            raise ValidationError(
                {exc.field if exc.field in fields else NON_FIELD_ERRORS: exc.message}
            ) from exc
        return data


@admin.register(VetoEvent)
class VetoEventAdmin(admin.ModelAdmin[VetoEvent]):
    """Recorded through ``veto.veto_record`` (audited); never changed or deleted afterwards."""

    form = VetoEventForm

    list_display = ("organ", "ground", "period_from", "period_to", "decided_by", "decided_at")
    list_filter = ("ground",)
    fields = (
        "organ",
        "period_from",
        "period_to",
        "ground",
        "evidence",
        "serious_consequence",
        "evidence_petitions",
    )
    raw_id_fields = ("evidence_petitions",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: VetoEvent, form: Any, change: bool) -> None:
        request._veto_pending = obj  # type: ignore[attr-defined]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        from minsheng.accountability.veto import veto_record

        obj: VetoEvent = request._veto_pending  # type: ignore[attr-defined]
        saved = veto_record(
            form.cleaned_data["organ"],
            period_from=form.cleaned_data["period_from"],
            period_to=form.cleaned_data["period_to"],
            ground=form.cleaned_data["ground"],
            evidence=form.cleaned_data["evidence"],
            serious_consequence=form.cleaned_data.get("serious_consequence") or "",
            petitions=form.cleaned_data.get("evidence_petitions") or [],
            actor=request.user,  # type: ignore[arg-type]
        )
        obj.pk = saved.pk
