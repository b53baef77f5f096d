"""The one path for a petition's state changes: ``petition_transition``.

It checks the explicit transition table (state, action, role, organ, guards), runs the action's
handler inside one transaction that also writes the PetitionEvent and recomputes deadlines, and
queues follow-ups (outbox messages, enrichment) after commit. Views, API endpoints, admin actions,
tasks and the demo loader all call it; none of them writes ``state`` itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.core.calendar import CalendarNotCovered, inclusive_days
from minsheng.core.errors import Forbidden, InvalidInput, NotFound, TransitionNotAllowed
from minsheng.notifications.services import outbox_notify_organ, outbox_notify_petitioner
from minsheng.orgs.models import Organ, Role, StaffMembership
from minsheng.orgs.selectors import is_admin, membership_for, organ_subtree_ids
from minsheng.petitions.confidentiality import is_accused_side
from minsheng.petitions.models import Nature, Petition, Procedure, Route, State
from minsheng.workflow import deadlines as dl
from minsheng.workflow.models import (
    Appeal,
    Assignment,
    Deadline,
    Decision,
    Delivery,
    Extension,
    Hearing,
    Objection,
    Opinion,
    PetitionEvent,
    Rating,
    SupervisionOrder,
)

S = State
R = Role

SYSTEM = "system"
PETITIONER = "petitioner"

# Where the actor's role must be held, relative to the petition.
AT_CURRENT = "current"  # the organ now holding the petition
AT_FORWARDER = "forwarder"  # the bureau/organ that forwarded it, or any organ above the current one
AT_UPPER = "upper"  # the organ that reviews the current holder's opinion (复查/复核机关)
AT_CHAIN = "chain"  # the current organ or any organ above it (supervision chain)


# Largest primary key any supported database stores (signed 64-bit); larger numbers are never ids.
MAX_ID = 2**63 - 1


def _as_id(value: object) -> int | None:
    """A positive integer id from JSON (an int or a string of ASCII digits); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        number = int(value)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


@dataclass
class Ctx:
    """What a handler sees: the locked petition, who acts, the input, and what to record."""

    petition: Petition
    actor: AbstractBaseUser | None
    membership: StaffMembership | None
    role: str
    data: dict[str, Any]
    now: dt.datetime
    event_data: dict[str, Any] = field(default_factory=dict)
    after_commit: list[Callable[[], object]] = field(default_factory=list)
    extra_events: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)

    @property
    def organ(self) -> Organ | None:
        return self.membership.organ if self.membership else None

    @property
    def today(self) -> dt.date:
        return dl.local_date(self.now)

    # ---- input helpers: each raises InvalidInput naming the field; nothing has been written yet.
    def text(self, name: str, *, required: bool = True, max_length: int = 20000) -> str:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise InvalidInput(_("此项必填。"), field=name)
            return ""
        if not isinstance(value, str):
            raise InvalidInput(_("应为文本。"), field=name)
        if len(value) > max_length:
            raise InvalidInput(_("内容过长（最多 %(n)d 字）。") % {"n": max_length}, field=name)
        return value.strip()

    def choice(self, name: str, choices: Sequence[str], *, required: bool = True) -> str:
        value = self.data.get(name)
        if value in (None, ""):
            if required:
                raise InvalidInput(_("此项必填。"), field=name)
            return ""
        if value not in choices:
            raise InvalidInput(_("无效的选项；可选：%(c)s") % {"c": ", ".join(choices)}, field=name)
        return str(value)

    def integer(
        self, name: str, *, minimum: int | None = None, maximum: int | None = None, required: bool = True
    ) -> int | None:
        value = self.data.get(name)
        if value in (None, ""):
            if required:
                raise InvalidInput(_("此项必填。"), field=name)
            return None
        if isinstance(value, bool):
            raise InvalidInput(_("应为整数。"), field=name)
        try:
            number = int(str(value))
        except (TypeError, ValueError):
            raise InvalidInput(_("应为整数。"), field=name) from None
        if minimum is not None and number < minimum:
            raise InvalidInput(_("不能小于 %(n)d。") % {"n": minimum}, field=name)
        limit = MAX_ID if maximum is None else maximum  # beyond MAX_ID the database driver overflows
        if number > limit:
            raise InvalidInput(_("不能大于 %(n)d。") % {"n": limit}, field=name)
        if number < -MAX_ID:
            raise InvalidInput(_("应为整数。"), field=name)
        return number

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name, default)
        if isinstance(value, bool):
            return value
        if value in ("true", "1", "on", 1):
            return True
        if value in ("false", "0", "", 0, None):
            return False
        raise InvalidInput(_("应为是或否。"), field=name)

    def date(self, name: str, *, required: bool = True, default: dt.date | None = None) -> dt.date | None:
        value = self.data.get(name)
        if value in (None, ""):
            if required and default is None:
                raise InvalidInput(_("此项必填（日期，格式 YYYY-MM-DD）。"), field=name)
            return default
        if isinstance(value, dt.datetime):
            return dl.local_date(value)
        if isinstance(value, dt.date):
            return value
        try:
            parsed = parse_date(value) if isinstance(value, str) else None
        except ValueError:  # well formed but not a date, e.g. 2025-02-30
            parsed = None
        if parsed is None:
            raise InvalidInput(_("日期格式应为 YYYY-MM-DD。"), field=name)
        return parsed

    def moment(self, name: str, *, default: dt.datetime) -> dt.datetime:
        value = self.data.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, dt.datetime):
            parsed: dt.datetime | None = value
        elif isinstance(value, str):
            try:  # well formed but impossible values (2025-02-30, 25:00) raise ValueError
                parsed = parse_datetime(value)
                if parsed is None:
                    day = parse_date(value)
                    if day is not None:
                        parsed = dt.datetime.combine(day, dt.time(9, 0))
            except ValueError:
                parsed = None
        else:
            parsed = None
        if parsed is None:
            raise InvalidInput(_("时间格式应为 ISO 8601。"), field=name)
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        if parsed > self.now + dt.timedelta(minutes=5):
            raise InvalidInput(_("不能晚于当前时间。"), field=name)
        return parsed

    def organ_ref(self, name: str, *, required: bool = True) -> Organ | None:
        value = self.data.get(name)
        if value in (None, ""):
            if required:
                raise InvalidInput(_("此项必填。"), field=name)
            return None
        organ = None
        pk = _as_id(value)
        if pk is not None:
            organ = Organ.objects.filter(pk=pk, is_active=True).first()
        elif isinstance(value, str) and len(value) <= 100:
            organ = Organ.objects.filter(code=value, is_active=True).first()
        if organ is None:
            raise InvalidInput(_("找不到该机关。"), field=name)
        return organ

    def _referable(self) -> Any:
        from minsheng.petitions.selectors import petitions_visible_to

        if self.role in (SYSTEM, PETITIONER) or self.actor is None:
            return Petition.objects.all()
        return petitions_visible_to(self.actor)

    def petition_ref(self, name: str, *, required: bool = True) -> Petition | None:
        value = self.data.get(name)
        if value in (None, ""):
            if required:
                raise InvalidInput(_("此项必填。"), field=name)
            return None
        pk = _as_id(value)
        # Only petitions the actor may open: the reference is no probe of what exists elsewhere.
        candidates = self._referable()
        if pk is not None:
            found = candidates.filter(pk=pk).first()
        elif isinstance(value, str) and len(value) <= 100:
            found = candidates.filter(tracking_code=value).first()
        else:
            found = None
        if found is None or found.pk == self.petition.pk:
            raise InvalidInput(_("找不到关联的信访事项。"), field=name)
        return found


Handler = Callable[[Ctx], "State | None"]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the handler decides (or the state stays as it is)
    roles: frozenset[str]
    at: str
    handler: Handler
    label: Any
    public: bool = True


# ----------------------------------------------------------------------------------------------
# Guards shared by handlers


def _ensure_not_accused(ctx: Ctx, organ: Organ, field_name: str) -> None:
    """R-150(b): an accusation never goes to the accused unit or anyone it manages."""
    petition = ctx.petition
    if petition.nature == Nature.ACCUSATION and petition.accused_organ_id:
        accused = organ_subtree_ids([petition.accused_organ_id])
        if organ.pk in accused:
            raise InvalidInput(
                _("检举控告件不得转给被检举控告的单位或其下属单位（条例第三十条第三款）。"), field=field_name
            )


def _move_to(ctx: Ctx, organ: Organ) -> None:
    ctx.petition.current_organ = organ


def _bureau_deadlines_met(ctx: Ctx) -> None:
    dl.deadline_meet(ctx.petition.pk, "D-BUREAU-15", at=ctx.now)


def _statutory_due(ctx: Ctx, rule: str) -> dt.date | None:
    deadline = dl.deadline_get_open(ctx.petition.pk, rule)
    return deadline.statutory_due if deadline else None


def _open(ctx: Ctx, rule: str, start: dt.date, organ: Organ | None, **kwargs: Any) -> Deadline:
    deadline = dl.deadline_open(ctx.petition.pk, rule, start, organ_id=organ.pk if organ else None, **kwargs)
    ctx.event_data.setdefault("deadlines", []).append(
        {
            "rule": rule,
            "start": start.isoformat(),
            "nominal_due": deadline.nominal_due.isoformat(),
            "statutory_due": deadline.statutory_due.isoformat(),
            "provisional": deadline.is_provisional,
        }
    )
    return deadline


def _opinion_fields(ctx: Ctx, *, outcomes: Sequence[str], legal_basis_required: bool) -> dict[str, Any]:
    return {
        "outcome": ctx.choice("outcome", outcomes),
        "request": ctx.text("request", required=False) or ctx.petition.request,
        "facts_and_reasons": ctx.text("facts_and_reasons"),
        "opinion": ctx.text("opinion"),
        "legal_basis": ctx.text("legal_basis", required=legal_basis_required),
    }


def _document_number(ctx: Ctx, prefix: str) -> str:
    organ = ctx.organ or ctx.petition.current_organ
    count = (
        Opinion.objects.filter(organ=organ, issued_at__year=ctx.now.year).count()
        + Decision.objects.filter(organ=organ, decided_at__year=ctx.now.year).count()
    )
    return f"{organ.short_name or organ.code}〔{ctx.now.year}〕{prefix}{count + 1}号"


# ----------------------------------------------------------------------------------------------
# Handlers: the bureau's 15 days (Art. 22)


def h_triage(ctx: Ctx) -> None:
    return None


def _route_to(ctx: Ctx, kind: str) -> Organ:
    organ = ctx.organ_ref("organ_id")
    assert organ is not None
    if organ.pk == ctx.petition.current_organ_id:
        raise InvalidInput(_("不能转给本机关。"), field="organ_id")
    _ensure_not_accused(ctx, organ, "organ_id")
    from_organ = ctx.petition.current_organ
    assigned_due = None
    if kind == Assignment.Kind.ASSIGN:
        days = ctx.integer("due_days", minimum=1, maximum=90, required=False)
        assigned_due = ctx.date("due_date", required=days is None)
        if days is not None:
            assigned_due = ctx.today + dt.timedelta(days=days)
        assert assigned_due is not None
        if assigned_due <= ctx.today:
            raise InvalidInput(_("指定办理期限应晚于今天。"), field="due_date")
    assisting: list[Organ] = []
    raw_assisting = ctx.data.get("assisting_organ_ids") or []
    if not isinstance(raw_assisting, list):
        raise InvalidInput(_("应为机关编号列表。"), field="assisting_organ_ids")
    for raw in raw_assisting:
        pk = _as_id(raw)
        other = Organ.objects.filter(pk=pk, is_active=True).first() if pk is not None else None
        if other is None or other.pk == organ.pk:
            raise InvalidInput(_("协办机关无效。"), field="assisting_organ_ids")
        _ensure_not_accused(ctx, other, "assisting_organ_ids")
        assisting.append(other)
    Assignment.objects.filter(petition=ctx.petition, is_active=True).update(is_active=False)
    instructions = ctx.text("instructions", required=False)
    roles = [(organ, Assignment.Role.LEAD)] + [(other, Assignment.Role.ASSISTING) for other in assisting]
    for target, role in roles:
        Assignment.objects.create(
            created_at=ctx.now,
            petition=ctx.petition,
            kind=kind,
            role=role,
            organ=target,
            from_organ=from_organ,
            created_by=ctx.actor,
            assigned_due=assigned_due,
            instructions=instructions,
        )
    ctx.petition.forwarded_by = from_organ
    _move_to(ctx, organ)
    _bureau_deadlines_met(ctx)
    ctx.event_data.update(
        {
            "organ": organ.name,
            "organ_id": organ.pk,
            "assisting": [o.name for o in assisting],
            "assigned_due": assigned_due.isoformat() if assigned_due else None,
        }
    )
    _record_routing_choice(ctx, organ)
    ctx.after_commit.append(lambda: outbox_notify_organ(ctx.petition.pk, organ.pk, "routed"))
    ctx.after_commit.append(lambda: outbox_notify_petitioner(ctx.petition.pk, "forwarded", organ=organ.name))
    return organ


def _record_routing_choice(ctx: Ctx, organ: Organ) -> None:
    """Accept or override of the routing suggestion, kept in the dispatch event itself.

    The suggestion (``petition.suggestions["routing"]``, computed at registration) and the
    organ staff chose: the measure of how often suggestions are right, and the signal for
    improving the Responsibility table and the models. Nothing is recorded when there was
    no suggestion.
    """
    routing = (ctx.petition.suggestions or {}).get("routing") or []
    suggested = [item.get("organ_id") for item in routing if isinstance(item, dict)][:3]
    if not suggested:
        return
    ctx.event_data["routing_suggestion"] = {
        "suggested_organ_id": suggested[0],
        "top": suggested,
        "accepted": organ.pk == suggested[0],
        "rank": suggested.index(organ.pk) + 1 if organ.pk in suggested else None,
    }


def h_forward(ctx: Ctx) -> None:
    _route_to(ctx, Assignment.Kind.FORWARD)


def h_assign(ctx: Ctx) -> None:
    _route_to(ctx, Assignment.Kind.ASSIGN)


def h_report_for_decision(ctx: Ctx) -> None:
    ctx.event_data["note"] = ctx.text("note")
    parent = ctx.petition.current_organ.parent
    if parent is not None:
        ctx.after_commit.append(
            lambda: outbox_notify_organ(ctx.petition.pk, parent.pk, "reported_for_decision")
        )


def _route_by_law(
    ctx: Ctx, *, nature: str, organ_kinds: tuple[str, ...], nature_error: str, organ_error: str
) -> None:
    """Art. 22(2): litigation-related items to the political-legal organs, accusations to the
    discipline and supervision body (never to the accused unit)."""
    if ctx.petition.nature != nature:
        raise InvalidInput(nature_error, field="nature")
    organ = ctx.organ_ref("organ_id")
    assert organ is not None
    if organ.kind not in organ_kinds:
        raise InvalidInput(organ_error, field="organ_id")
    _ensure_not_accused(ctx, organ, "organ_id")
    ctx.petition.forwarded_by = ctx.petition.current_organ
    Assignment.objects.create(
        created_at=ctx.now,
        petition=ctx.petition,
        kind=Assignment.Kind.FORWARD,
        organ=organ,
        from_organ=ctx.petition.current_organ,
        created_by=ctx.actor,
    )
    _move_to(ctx, organ)
    _bureau_deadlines_met(ctx)
    ctx.event_data.update({"organ": organ.name, "organ_id": organ.pk})


def h_route_political_legal(ctx: Ctx) -> None:
    _route_by_law(
        ctx,
        nature=Nature.LITIGATION_RELATED,
        organ_kinds=(Organ.Kind.POLITICAL_LEGAL, Organ.Kind.COURT, Organ.Kind.PROCURATORATE),
        nature_error=_("只有涉法涉诉事项转政法部门（条例第二十二条第二款）。"),
        organ_error=_("应选择政法部门（法院、检察院、公安机关等）。"),
    )


def h_route_discipline(ctx: Ctx) -> None:
    _route_by_law(
        ctx,
        nature=Nature.ACCUSATION,
        organ_kinds=(Organ.Kind.DISCIPLINE,),
        nature_error=_("只有检举控告类事项转纪检监察机关（条例第二十二条第二款）。"),
        organ_error=_("应选择纪检监察机关。"),
    )


def discipline_body_outside(organ: Organ, excluded: set[int]) -> Organ | None:
    """The nearest active discipline and supervision body for ``organ``'s region or a region above
    it, outside ``excluded`` (the accused subtree)."""
    region = organ.region
    while region is not None:
        body = (
            Organ.objects.filter(kind=Organ.Kind.DISCIPLINE, region=region, is_active=True)
            .exclude(pk__in=excluded)
            .order_by("level", "pk")
            .first()
        )
        if body is not None:
            return body
        region = region.parent
    return None


def accusation_leave_accused_side(petition_id: int, *, now: dt.datetime | None = None) -> Petition | None:
    """R-150 at intake: an accusation received by the accused unit or a unit under it (a letter to
    the bureau about its own government) is passed at once, by the system, to the discipline and
    supervision body — for everyone in the receiving organ it no longer exists. Returns the routed
    petition, or None when nothing had to be done (or no body is configured: then it waits for an
    administrator, who sees it)."""
    petition = Petition.objects.select_related("receiving_organ__region").get(pk=petition_id)
    if petition.nature != Nature.ACCUSATION or not petition.accused_organ_id:
        return None
    accused = organ_subtree_ids([petition.accused_organ_id])
    if petition.current_organ_id not in accused:
        return None
    body = discipline_body_outside(petition.receiving_organ, accused)
    if body is None:
        return None
    return petition_transition(
        petition.pk, "route_discipline", actor=None, as_system=True, data={"organ_id": body.pk}, now=now
    )


def h_not_accept(ctx: Ctx) -> None:
    reason = ctx.choice("reason", [r.value for r in Decision.Reason])
    explanation = ctx.text("explanation", required=reason == Decision.Reason.OTHER)
    guidance = ctx.organ_ref(
        "guidance_organ_id", required=reason in (Decision.Reason.YUEJI, Decision.Reason.OUT_OF_SCOPE)
    )
    related = None
    if reason in (Decision.Reason.DUPLICATE_IN_PROGRESS, Decision.Reason.FINAL_AFTER_RECHECK):
        related = ctx.petition_ref("related_petition_id")
        assert related is not None
        if reason == Decision.Reason.FINAL_AFTER_RECHECK and related.state not in (S.FINAL, S.ARCHIVED):
            raise InvalidInput(_("关联事项尚未经复核终结。"), field="related_petition_id")
        if reason == Decision.Reason.DUPLICATE_IN_PROGRESS:
            # Art. 19(3): only while the earlier item is inside its handling deadline.
            open_deadlines = Deadline.objects.filter(petition=related, status=Deadline.Status.OPEN).exclude(
                rule__in=dl.PETITIONER_WINDOWS
            )
            if related.state in (S.FINAL, S.ARCHIVED, S.CLOSED_NO_REVIEW) or not open_deadlines.exists():
                raise InvalidInput(
                    _("关联事项已不在办理期限内；应作为督办事项受理，而非不予受理（条例第十九条第三款）。"),
                    field="related_petition_id",
                )
        ctx.petition.related_petition = related
    if reason == Decision.Reason.YUEJI and not ctx.petition.is_yueji:
        ctx.petition.is_yueji = True
    organ = ctx.organ or ctx.petition.current_organ
    decision = Decision.objects.create(
        decided_at=ctx.now,
        petition=ctx.petition,
        kind=Decision.Kind.NOT_ACCEPT,
        reason=reason,
        explanation=explanation,
        guidance_organ=guidance,
        organ=organ,
        decided_by=ctx.actor,
        notice_number=_document_number(ctx, "不受字第"),
    )
    dl.deadline_cancel(ctx.petition.pk)
    ctx.event_data.update(
        {
            "reason": reason,
            "reason_label": str(Decision.Reason(reason).label),
            "explanation": explanation,
            "guidance_organ": guidance.name if guidance else None,
            "related_petition_id": related.pk if related else None,
            "decision_id": decision.pk,
        }
    )
    ctx.after_commit.append(lambda: outbox_notify_petitioner(ctx.petition.pk, "not_accepted"))


def h_refer_elsewhere(ctx: Ctx) -> None:
    guidance = ctx.organ_ref("guidance_organ_id")
    assert guidance is not None
    explanation = ctx.text("explanation", required=False)
    Decision.objects.create(
        decided_at=ctx.now,
        petition=ctx.petition,
        kind=Decision.Kind.REFER,
        reason=Decision.Reason.OUT_OF_SCOPE,
        explanation=explanation,
        guidance_organ=guidance,
        organ=ctx.petition.current_organ,
        decided_by=ctx.actor,
    )
    ctx.petition.notice_given_at = ctx.now
    dl.deadline_meet(ctx.petition.pk, "D-NOTICE-15", at=ctx.now)
    dl.deadline_cancel(ctx.petition.pk)
    ctx.event_data.update({"guidance_organ": guidance.name, "explanation": explanation})


# ---- the organ that receives a forwarded or assigned item (Art. 23)


def h_receive(ctx: Ctx) -> None:
    petition = ctx.petition
    received = ctx.moment("received_at", default=ctx.now)
    petition.organ_received_at = received
    start = dl.local_date(received)
    organ = petition.current_organ
    Assignment.objects.filter(petition=petition, organ=organ, is_active=True, received_at=None).update(
        received_at=received
    )
    _open_notice_deadline(ctx, start, organ)
    if petition.forwarded_by_id:
        _open(ctx, "D-OBJECTION-5WD", start, organ)
    lead = Assignment.objects.filter(
        petition=petition, organ=organ, is_active=True, role=Assignment.Role.LEAD
    ).first()
    if lead is not None and lead.kind == Assignment.Kind.ASSIGN and lead.assigned_due:
        length = max(1, (lead.assigned_due - start).days)
        _open(ctx, "D-ASSIGNED", start, organ, length=length)
    ctx.event_data["received_at"] = received.isoformat()


def _open_notice_deadline(ctx: Ctx, start: dt.date, organ: Organ) -> None:
    """D-NOTICE-15, waived when name or address is unclear, and on the political-legal and
    discipline routes, which follow their own rules (Art. 23(2)(4))."""
    petition = ctx.petition
    if petition.is_anonymous:
        dl.deadline_waive(
            petition.pk, "D-NOTICE-15", start, organ_id=organ.pk, reason="姓名（名称）、住址不清"
        )
        ctx.event_data["notice_waived"] = "anonymous"
    elif organ.kind in (
        Organ.Kind.DISCIPLINE,
        Organ.Kind.POLITICAL_LEGAL,
        Organ.Kind.COURT,
        Organ.Kind.PROCURATORATE,
    ):
        dl.deadline_waive(
            petition.pk, "D-NOTICE-15", start, organ_id=organ.pk, reason="政法、纪检监察途径依其规定告知"
        )
        ctx.event_data["notice_waived"] = "own_rules"
    else:
        _open(ctx, "D-NOTICE-15", start, organ)


def h_object(ctx: Ctx) -> None:
    due = _statutory_due(ctx, "D-OBJECTION-5WD")
    if due is None or ctx.today > due:
        raise InvalidInput(_("异议期（收到之日起5个工作日）已过；请报上级协调。"), field="reasons")
    reasons = ctx.text("reasons")
    suggested = ctx.organ_ref("suggested_organ_id", required=False)
    Objection.objects.create(
        raised_at=ctx.now,
        petition=ctx.petition,
        organ=ctx.petition.current_organ,
        reasons=reasons,
        suggested_organ=suggested,
    )
    dl.deadline_meet(ctx.petition.pk, "D-OBJECTION-5WD", at=ctx.now)
    ctx.event_data.update({"reasons": reasons, "suggested_organ": suggested.name if suggested else None})
    if ctx.petition.forwarded_by_id:
        forwarder_id = ctx.petition.forwarded_by_id
        ctx.after_commit.append(lambda: outbox_notify_organ(ctx.petition.pk, forwarder_id, "objection"))


def _pending_objection(ctx: Ctx) -> Objection:
    objection = Objection.objects.filter(petition=ctx.petition, status=Objection.Status.PENDING).last()
    if objection is None:
        raise TransitionNotAllowed(_("没有待核实的异议。"))
    return objection


def h_approve_objection(ctx: Ctx) -> None:
    objection = _pending_objection(ctx)
    objection.status = Objection.Status.AGREED
    objection.decided_at = ctx.now
    objection.decided_by = ctx.actor  # type: ignore[assignment]
    objection.decision_note = ctx.text("note", required=False)
    objection.save()
    dl.deadline_cancel(ctx.petition.pk, ["D-NOTICE-15", "D-ASSIGNED", "D-OBJECTION-5WD"])
    Assignment.objects.filter(petition=ctx.petition, is_active=True).update(is_active=False)
    back_to = ctx.petition.forwarded_by or ctx.petition.current_organ
    _move_to(ctx, back_to)
    ctx.event_data.update({"returned_to": back_to.name})


def h_reject_objection(ctx: Ctx) -> None:
    objection = _pending_objection(ctx)
    objection.status = Objection.Status.REJECTED
    objection.decided_at = ctx.now
    objection.decided_by = ctx.actor  # type: ignore[assignment]
    objection.decision_note = ctx.text("note")
    objection.save()
    ctx.event_data["note"] = objection.decision_note


def h_dispute(ctx: Ctx) -> None:
    ctx.event_data["reasons"] = ctx.text("reasons")
    others = ctx.data.get("other_organ_ids") or []
    if not isinstance(others, list):
        raise InvalidInput(_("应为机关编号列表。"), field="other_organ_ids")
    ids = [_as_id(o) for o in others]
    ctx.event_data["other_organs"] = list(
        Organ.objects.filter(pk__in=[pk for pk in ids if pk is not None]).values_list("name", flat=True)
    )


def h_resolve_dispute(ctx: Ctx) -> None:
    organ = ctx.organ_ref("organ_id")
    assert organ is not None
    _ensure_not_accused(ctx, organ, "organ_id")
    previous = ctx.petition.current_organ
    if organ.pk != previous.pk:
        Assignment.objects.filter(petition=ctx.petition, is_active=True).update(is_active=False)
        Assignment.objects.create(
            created_at=ctx.now,
            petition=ctx.petition,
            kind=Assignment.Kind.FORWARD,
            organ=organ,
            from_organ=ctx.organ or previous,
            created_by=ctx.actor,
            received_at=ctx.now,
        )
        _move_to(ctx, organ)
        ctx.petition.organ_received_at = ctx.now
        dl.deadline_cancel(ctx.petition.pk, ["D-NOTICE-15", "D-OBJECTION-5WD"])
        _open_notice_deadline(ctx, ctx.today, organ)
    ctx.event_data.update({"organ": organ.name, "note": ctx.text("note", required=False)})


# ---- acceptance and classified handling (Art. 23, 29–31, 34)


def h_accept(ctx: Ctx) -> None:
    petition = ctx.petition
    notice_at = ctx.moment("notice_given_at", default=ctx.now)
    petition.accepted_at = ctx.now
    petition.notice_given_at = notice_at
    petition.handling_organ = petition.current_organ
    if petition.organ_received_at is None:
        petition.organ_received_at = petition.received_at
    if ctx.role == R.CASEWORKER and ctx.actor is not None and petition.caseworker_id is None:
        petition.caseworker = ctx.actor  # type: ignore[assignment]
    number = _document_number(ctx, "受字第")
    Decision.objects.create(
        decided_at=ctx.now,
        petition=petition,
        kind=Decision.Kind.ACCEPT,
        organ=petition.current_organ,
        decided_by=ctx.actor,
        notice_number=number,
    )
    dl.deadline_meet(petition.pk, "D-NOTICE-15", at=notice_at)
    dl.deadline_cancel(petition.pk, ["D-OBJECTION-5WD", "D-BUREAU-15"])
    ctx.event_data.update(
        {
            "notice_number": number,
            "notice_given_at": notice_at.isoformat(),
            "on_the_spot": ctx.boolean("on_the_spot"),
        }
    )
    ctx.after_commit.append(lambda: outbox_notify_petitioner(petition.pk, "accepted"))


LIMITATIONS: dict[str, tuple[int, str, str]] = {
    # external limitation periods that keep running when a petition is redirected.
    "admin_review": (60, "days", "行政复议法(2023)第二十条：60日"),
    "admin_litigation": (6, "months", "行政诉讼法第四十六条：6个月"),
    "labour_arbitration": (1, "years", "劳动争议调解仲裁法第二十七条：1年"),
    "civil_claim": (3, "years", "民法典第一百八十八条：3年"),
}


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for dd in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, dd)
        except ValueError:
            continue
    raise ValueError("unreachable")


def external_limitation_due(kind: str, known: dt.date) -> dt.date:
    length, unit, _label = LIMITATIONS[kind]
    if unit == "days":
        return known + dt.timedelta(days=length)
    if unit == "months":
        return _add_months(known, length)
    return _add_months(known, 12 * length)


def h_redirect(ctx: Ctx) -> None:
    route = ctx.choice(
        "route", [Route.LITIGATION_ETC, Route.ARBITRATION, Route.PARTY_APPEAL, Route.ADMIN_PROCEDURE]
    )
    procedure = ctx.text("target_procedure")
    kind = ctx.choice("limitation", list(LIMITATIONS), required=False)
    known = ctx.date("known_date", required=False)
    ctx.petition.route = route
    data: dict[str, Any] = {"route": route, "target_procedure": procedure}
    if kind and known:
        due = external_limitation_due(kind, known)
        data.update(
            {
                "limitation": LIMITATIONS[kind][2],
                "limitation_due": due.isoformat(),
                "limitation_warning": (due - ctx.today).days <= 15,
            }
        )
    ctx.event_data.update(data)
    dl.deadline_cancel(ctx.petition.pk)
    ctx.after_commit.append(lambda: outbox_notify_petitioner(ctx.petition.pk, "redirected"))


def h_perform_duty(ctx: Ctx) -> None:
    ctx.petition.route = Route.PERFORM_DUTY
    opinion = Opinion.objects.create(
        issued_at=ctx.now,
        petition=ctx.petition,
        stage=Opinion.Stage.DUTY,
        organ=ctx.petition.current_organ,
        outcome=ctx.choice(
            "outcome", [Opinion.Outcome.SUPPORT, Opinion.Outcome.EXPLAIN, Opinion.Outcome.NOT_SUPPORT]
        ),
        request=ctx.petition.request,
        facts_and_reasons=ctx.text("facts_and_reasons", required=False) or "-",
        opinion=ctx.text("reply"),
        issued_by=ctx.actor,
    )
    ctx.petition.concluded_at = ctx.now
    ctx.event_data.update({"opinion_id": opinion.pk})


def h_reply_suggestion(ctx: Ctx) -> None:
    if ctx.petition.nature != Nature.SUGGESTION:
        raise InvalidInput(_("只有建议意见类事项以回复办结（条例第二十九条）。"), field="nature")
    opinion = Opinion.objects.create(
        issued_at=ctx.now,
        petition=ctx.petition,
        stage=Opinion.Stage.SUGGESTION_REPLY,
        organ=ctx.petition.current_organ,
        outcome=ctx.choice(
            "outcome", [Opinion.Outcome.ADOPTED, Opinion.Outcome.PARTLY_ADOPTED, Opinion.Outcome.NOT_ADOPTED]
        ),
        request=ctx.petition.request,
        facts_and_reasons="-",
        opinion=ctx.text("reply"),
        issued_by=ctx.actor,
        number=_document_number(ctx, "复字第"),
    )
    ctx.petition.concluded_at = ctx.now
    ctx.event_data.update({"opinion_id": opinion.pk, "outcome": opinion.outcome})
    ctx.after_commit.append(lambda: outbox_notify_petitioner(ctx.petition.pk, "answered"))


def h_import_reply(ctx: Ctx) -> None:
    """Historical import only (``import-petitions --historical``, docs/intelligence.md).

    The source holds a message and the answer the government gave online, with its date — no
    transfer, acceptance or notice. The answer is recorded as what it was: a reply under
    Art. 31(5) (依法履行或者答复), issued at the source's reply time (``now`` of the call),
    outcome not recorded (the source does not say), no caseworker. The steps in between are
    not invented; the clocks the registration opened are cancelled, since the matter was
    answered before this system held it. Refused for any petition not imported as historical.
    """
    petition = ctx.petition
    suggestions = petition.suggestions or {}
    source = suggestions.get("import_source")
    if not source or not petition.is_historical:
        raise InvalidInput(_("只有按历史数据导入的信访事项可以导入答复。"), field="action")
    reply = ctx.text("reply")
    if ctx.now < petition.received_at:
        raise InvalidInput(_("答复时间早于收到时间。"), field="replied_at")
    if ctx.now > timezone.now() + dt.timedelta(minutes=5):
        raise InvalidInput(_("不能晚于当前时间。"), field="replied_at")
    petition.route = Route.PERFORM_DUTY
    petition.concluded_at = ctx.now
    opinion = Opinion.objects.create(
        issued_at=ctx.now,
        petition=petition,
        stage=Opinion.Stage.DUTY,
        organ=petition.current_organ,
        outcome="",  # not recorded by the source
        request=petition.request,
        facts_and_reasons="-",
        opinion=reply,
        issued_by=None,
    )
    cancelled = dl.deadline_cancel(petition.pk)
    ctx.event_data.update(
        {
            "opinion_id": opinion.pk,
            "source": source,
            "historical": True,
            "imported_at": timezone.now().isoformat(),
            "deadlines_cancelled": cancelled,
        }
    )


def _recusal(ctx: Ctx) -> None:
    """C-RECUSAL (Art. 28(3)): the caseworker declares no direct interest before handling."""
    if not ctx.boolean("no_conflict_of_interest"):
        raise InvalidInput(
            _("承办人须声明与信访事项或信访人无直接利害关系（条例第二十八条第三款）。"),
            field="no_conflict_of_interest",
        )


def h_start_handling(ctx: Ctx) -> None:
    _recusal(ctx)
    petition = ctx.petition
    petition.route = Route.ORDINARY_31_6
    if ctx.role == R.CASEWORKER and ctx.actor is not None:
        petition.caseworker = ctx.actor  # type: ignore[assignment]
    assert petition.accepted_at is not None
    _open(ctx, "D-HANDLE-60", dl.local_date(petition.accepted_at), petition.current_organ)


def h_simplify(ctx: Ctx) -> None:
    """简易办理 (简易办法2016 Arts. 4–6): checklist guards C-SIMPLE."""
    petition = ctx.petition
    if not petition.is_first_time:
        raise InvalidInput(_("只有初次信访事项可以简易办理。"), field="is_first_time")
    if petition.is_collective:
        raise InvalidInput(_("集体联名投诉不适用简易办理。"), field="is_collective")
    if Assignment.objects.filter(petition=petition, kind=Assignment.Kind.ASSIGN).exists():
        raise InvalidInput(_("上级交办的事项不适用简易办理。"), field="action")
    if Assignment.objects.filter(petition=petition, is_active=True, role=Assignment.Role.ASSISTING).exists():
        raise InvalidInput(_("涉及多个责任主体的事项不适用简易办理。"), field="action")
    for name in ("likely_supported", "no_statutory_procedure", "single_responsible_body"):
        if not ctx.boolean(name):
            raise InvalidInput(_("不符合简易办理条件。"), field=name)
    _recusal(ctx)
    received = petition.organ_received_at or petition.received_at
    start = dl.local_date(received)
    acc = _open(ctx, "D-SIMPLE-ACCEPT-3WD", start, petition.current_organ)
    petition.accepted_at = ctx.now
    petition.notice_given_at = ctx.now
    petition.handling_organ = petition.current_organ
    petition.procedure = Procedure.SIMPLIFIED
    petition.route = Route.ORDINARY_31_6
    petition.paper_requested = ctx.boolean("paper_requested", default=False)
    if ctx.role == R.CASEWORKER and ctx.actor is not None:
        petition.caseworker = ctx.actor  # type: ignore[assignment]
    dl.deadline_meet(petition.pk, acc.rule, at=ctx.now)
    dl.deadline_meet(petition.pk, "D-NOTICE-15", at=ctx.now)
    dl.deadline_cancel(petition.pk, ["D-OBJECTION-5WD"])
    _open(ctx, "D-SIMPLE-HANDLE-10WD", ctx.today, petition.current_organ)


def h_convert_to_ordinary(ctx: Ctx) -> None:
    """R-102: keep accepted_at; the 60 days count from the original acceptance."""
    petition = ctx.petition
    petition.procedure = Procedure.ORDINARY
    ctx.event_data["reason"] = ctx.text("reason")
    dl.deadline_cancel(petition.pk, ["D-SIMPLE-HANDLE-10WD"])
    assert petition.accepted_at is not None
    _open(ctx, "D-HANDLE-60", dl.local_date(petition.accepted_at), petition.current_organ)


def h_start_hearing(ctx: Ctx) -> None:
    start = ctx.date("start", default=ctx.today)
    assert start is not None
    Hearing.objects.create(
        petition=ctx.petition,
        stage="handling",
        start=start,
        participants=ctx.text("participants", required=False),
    )
    ctx.event_data["start"] = start.isoformat()


def h_end_hearing(ctx: Ctx) -> None:
    hearing = Hearing.objects.filter(petition=ctx.petition, stage="handling", end=None).last()
    end = ctx.date("end", default=ctx.today)
    assert end is not None
    if hearing is not None:
        if end < hearing.start:
            raise InvalidInput(_("听证结束日期早于开始日期。"), field="end")
        hearing.end = end
        hearing.summary = ctx.text("summary", required=False)
        hearing.save(update_fields=["end", "summary"])
    ctx.event_data["end"] = end.isoformat()


def h_start_mediation(ctx: Ctx) -> None:
    if not ctx.boolean("both_parties_consent"):
        raise InvalidInput(_("调解须经双方当事人同意（条例第三十三条）。"), field="both_parties_consent")


def h_settle(ctx: Ctx) -> None:
    agreement = ctx.text("agreement")
    ctx.petition.concluded_at = ctx.now
    dl.deadline_meet(ctx.petition.pk, "D-HANDLE-60", at=ctx.now)
    dl.deadline_cancel(ctx.petition.pk)
    ctx.event_data["agreement"] = agreement


def h_end_mediation(ctx: Ctx) -> None:
    ctx.event_data["note"] = ctx.text("note", required=False)


def h_extend(ctx: Ctx) -> State | None:
    """Art. 34: organ head only; ≤ 30 days in total; before the current deadline expires; the
    extension becomes effective only once the petitioner is told the reason."""
    petition = ctx.petition
    days = ctx.integer("days", minimum=1, maximum=30)
    assert days is not None
    reason = ctx.text("reason")
    deadline = dl.deadline_get_open(petition.pk, "D-HANDLE-60")
    if deadline is None:
        raise InvalidInput(_("办理期限已届满或不存在，不能再批准延期。"), field="days")
    if ctx.today > deadline.statutory_due:
        raise InvalidInput(_("办理期限已届满，不能再批准延期。"), field="days")
    used = sum(Extension.objects.filter(petition=petition).values_list("days", flat=True))
    if used + days > 30:
        raise InvalidInput(_("延期累计不得超过30日（已延长 %(used)d 日）。") % {"used": used}, field="days")
    if Extension.objects.filter(petition=petition, is_effective=False).exists():
        raise InvalidInput(_("上一次延期尚未告知信访人。"), field="days")
    extension = Extension.objects.create(
        approved_at=ctx.now, petition=petition, days=days, reason=reason, approved_by=ctx.actor
    )
    ctx.event_data.update({"days": days, "reason": reason, "extension_id": extension.pk})
    if ctx.data.get("notified_at"):
        return _make_extension_effective(ctx, extension)
    return None


def _make_extension_effective(ctx: Ctx, extension: Extension) -> State | None:
    notified = ctx.moment("notified_at", default=ctx.now)
    deadline = dl.deadline_get_open(ctx.petition.pk, "D-HANDLE-60")
    if deadline is None or dl.local_date(notified) > deadline.statutory_due:
        raise InvalidInput(_("延期须在原办理期限届满前告知信访人。"), field="notified_at")
    extension.notified_at = notified
    extension.is_effective = True
    extension.save(update_fields=["notified_at", "is_effective"])
    total = sum(
        Extension.objects.filter(petition=ctx.petition, is_effective=True).values_list("days", flat=True)
    )
    deadline = dl.deadline_recompute(deadline, extra_days=total)
    ctx.event_data.update(
        {
            "notified_at": notified.isoformat(),
            "total_extension_days": total,
            "deadlines": [
                {
                    "rule": "D-HANDLE-60",
                    "nominal_due": deadline.nominal_due.isoformat(),
                    "statutory_due": deadline.statutory_due.isoformat(),
                    "provisional": deadline.is_provisional,
                }
            ],
        }
    )
    ctx.after_commit.append(lambda: outbox_notify_petitioner(ctx.petition.pk, "extended"))
    return S.EXTENDED if ctx.petition.state == S.IN_HANDLING else None


def h_notify_extension(ctx: Ctx) -> State | None:
    extension = Extension.objects.filter(petition=ctx.petition, is_effective=False).last()
    if extension is None:
        raise InvalidInput(_("没有待告知的延期。"), field="notified_at")
    ctx.event_data.update({"days": extension.days, "reason": extension.reason})
    return _make_extension_effective(ctx, extension)


def h_draft_opinion(ctx: Ctx) -> None:
    draft = {
        k: ctx.text(k, required=False) for k in ("outcome", "facts_and_reasons", "opinion", "legal_basis")
    }
    suggestions = dict(ctx.petition.suggestions or {})
    suggestions["draft_opinion"] = draft
    ctx.petition.suggestions = suggestions
    ctx.event_data["draft"] = True


HANDLING_OUTCOMES = [
    Opinion.Outcome.SUPPORT,
    Opinion.Outcome.PARTIAL_SUPPORT,
    Opinion.Outcome.EXPLAIN,
    Opinion.Outcome.NOT_SUPPORT,
]


def h_conclude(ctx: Ctx) -> None:
    """Art. 32: the 信访处理意见书 states request, facts and reasons, opinion and legal basis."""
    petition = ctx.petition
    simplified = petition.state == S.SIMPLIFIED_HANDLING
    draft = (petition.suggestions or {}).get("draft_opinion") or {}
    for key, value in draft.items():
        ctx.data.setdefault(key, value)
    fields = _opinion_fields(ctx, outcomes=HANDLING_OUTCOMES, legal_basis_required=not simplified)
    opinion = Opinion.objects.create(
        issued_at=ctx.now,
        petition=petition,
        stage=Opinion.Stage.SIMPLIFIED if simplified else Opinion.Stage.HANDLING,
        organ=petition.current_organ,
        issued_by=ctx.actor,
        number=_document_number(ctx, "意字第"),
        **fields,
    )
    petition.concluded_at = ctx.now
    suggestions = dict(petition.suggestions or {})
    suggestions.pop("draft_opinion", None)
    petition.suggestions = suggestions
    dl.deadline_meet(petition.pk, "D-SIMPLE-HANDLE-10WD" if simplified else "D-HANDLE-60", at=ctx.now)
    ctx.event_data.update({"opinion_id": opinion.pk, "outcome": opinion.outcome, "number": opinion.number})
    if opinion.outcome in (Opinion.Outcome.SUPPORT, Opinion.Outcome.PARTIAL_SUPPORT):
        ctx.event_data["follow_up"] = "execution"  # Art. 32(2): supervise execution


def h_report_completion(ctx: Ctx) -> None:
    report = ctx.text("report")
    lead = Assignment.objects.filter(
        petition=ctx.petition, kind=Assignment.Kind.ASSIGN, role=Assignment.Role.LEAD
    ).last()
    if lead is None:
        raise InvalidInput(_("只有交办件需要报送办结报告。"), field="report")
    lead.completion_report = report
    lead.completion_reported_at = ctx.now
    lead.save(update_fields=["completion_report", "completion_reported_at"])
    dl.deadline_meet(ctx.petition.pk, "D-ASSIGNED", at=ctx.now)
    ctx.event_data["to_organ"] = lead.from_organ.name
    from_id = lead.from_organ_id
    ctx.after_commit.append(lambda: outbox_notify_organ(ctx.petition.pk, from_id, "completion_report"))


def _deliver(ctx: Ctx, opinion: Opinion | None) -> dt.date:
    method = ctx.choice("method", [m.value for m in Delivery.Method])
    delivered_on = ctx.date("delivered_on", default=ctx.today)
    assert delivered_on is not None
    if delivered_on > ctx.today:
        raise InvalidInput(_("送达日期不能晚于今天。"), field="delivered_on")
    if opinion is not None and delivered_on < dl.local_date(opinion.issued_at):
        raise InvalidInput(_("送达日期不能早于出具日期。"), field="delivered_on")
    Delivery.objects.create(
        recorded_at=ctx.now,
        petition=ctx.petition,
        opinion=opinion,
        method=method,
        delivered_on=delivered_on,
        is_refused=ctx.boolean("refused"),
        recorded_by=ctx.actor,
    )
    ctx.event_data.update(
        {"method": method, "delivered_on": delivered_on.isoformat(), "refused": ctx.boolean("refused")}
    )
    return delivered_on


def h_deliver(ctx: Ctx) -> None:
    petition = ctx.petition
    opinion = Opinion.objects.filter(petition=petition).last()
    delivered_on = _deliver(ctx, opinion)
    petition.reply_received_on = delivered_on
    # R-CNT-6: the 复查 window runs from the petitioner's receipt (delivery), not the document date.
    _open(ctx, "D-REVIEW-REQ-30", delivered_on, _review_organ(petition))
    ctx.after_commit.append(lambda: outbox_notify_petitioner(petition.pk, "answered"))


def _review_organ(petition: Petition) -> Organ | None:
    """The organ that hears 复查/复核: the configured upper organ — for an accusation, the first one
    up the chain outside the accused unit's subtree (R-150: appeals never land there)."""
    upper = petition.current_organ.upper_organ()
    if petition.nature != Nature.ACCUSATION or not petition.accused_organ_id:
        return upper
    accused = organ_subtree_ids([petition.accused_organ_id])
    seen: set[int] = set()
    while upper is not None and upper.pk in accused and upper.pk not in seen:
        seen.add(upper.pk)
        upper = upper.upper_organ()
    return upper


def _appeal(ctx: Ctx, kind: str, window_rule: str, answer_rule: str) -> None:
    petition = ctx.petition
    received_on = ctx.date("received_on", default=ctx.today)
    assert received_on is not None
    if received_on > ctx.today:
        raise InvalidInput(_("收到请求日期不能晚于今天。"), field="received_on")
    postmarked = ctx.date("postmarked_on", required=False)
    window = dl.deadline_get_open(petition.pk, window_rule)
    due = window.statutory_due if window else None
    filed_on = postmarked if (postmarked and settings.MINSHENG_POSTMARK_RULE) else received_on
    good_reason = ctx.text("good_reason", required=False)
    is_late = due is None or filed_on > due
    if is_late and not good_reason:
        raise InvalidInput(
            _("申请期限已于 %(due)s 届满；无正当理由的逾期申请不予受理。如有正当理由，请填写。")
            % {"due": due or "-"},
            field="received_on",
        )
    upper = _review_organ(petition)
    if upper is None:
        raise InvalidInput(_("未配置上一级机关，无法复查复核；请管理员设置。"), field="organ")
    _ensure_not_accused(ctx, upper, "organ")
    Appeal.objects.create(
        created_at=ctx.now,
        petition=petition,
        kind=kind,
        organ=upper,
        received_on=received_on,
        postmarked_on=postmarked,
        reasons=ctx.text("reasons", required=False),
        good_reason=good_reason,
        is_late=is_late,
    )
    dl.deadline_meet(petition.pk, window_rule, at=ctx.now)
    petition.handling_organ = petition.handling_organ or petition.current_organ
    _move_to(ctx, upper)
    _open(ctx, answer_rule, received_on, upper)
    ctx.event_data.update(
        {"organ": upper.name, "received_on": received_on.isoformat(), "late_with_good_reason": is_late}
    )
    ctx.after_commit.append(lambda: outbox_notify_organ(petition.pk, upper.pk, f"{kind}_requested"))


def h_request_review(ctx: Ctx) -> None:
    _appeal(ctx, Appeal.Kind.REVIEW, "D-REVIEW-REQ-30", "D-REVIEW-30")
    ctx.petition.review_requested_on = ctx.date("received_on", default=ctx.today)


def h_request_recheck(ctx: Ctx) -> None:
    _appeal(ctx, Appeal.Kind.RECHECK, "D-RECHECK-REQ-30", "D-RECHECK-30")
    ctx.petition.recheck_requested_on = ctx.date("received_on", default=ctx.today)


APPEAL_OUTCOMES = [
    Opinion.Outcome.UPHELD,
    Opinion.Outcome.CHANGED,
    Opinion.Outcome.REVOKED,
    *HANDLING_OUTCOMES,
]


def _conclude_appeal(ctx: Ctx, stage: str, answer_rule: str) -> dt.date:
    fields = _opinion_fields(ctx, outcomes=APPEAL_OUTCOMES, legal_basis_required=True)
    opinion = Opinion.objects.create(
        issued_at=ctx.now,
        petition=ctx.petition,
        stage=stage,
        organ=ctx.petition.current_organ,
        issued_by=ctx.actor,
        number=_document_number(ctx, "复字第"),
        **fields,
    )
    dl.deadline_meet(ctx.petition.pk, answer_rule, at=ctx.now)
    delivered_on = _deliver(ctx, opinion)
    ctx.event_data.update({"opinion_id": opinion.pk, "outcome": opinion.outcome, "number": opinion.number})
    return delivered_on


def h_conclude_review(ctx: Ctx) -> None:
    delivered_on = _conclude_appeal(ctx, Opinion.Stage.REVIEW, "D-REVIEW-30")
    ctx.petition.review_reply_received_on = delivered_on
    _open(ctx, "D-RECHECK-REQ-30", delivered_on, _review_organ(ctx.petition))
    ctx.after_commit.append(lambda: outbox_notify_petitioner(ctx.petition.pk, "review_answered"))


def h_recheck_hearing_start(ctx: Ctx) -> None:
    appeal = Appeal.objects.get(petition=ctx.petition, kind=Appeal.Kind.RECHECK)
    start = ctx.date("hearing_start", default=ctx.today)
    assert start is not None
    if start < appeal.received_on:
        raise InvalidInput(_("听证开始日期早于收到复核请求日期。"), field="hearing_start")
    appeal.hearing_start = start
    appeal.save(update_fields=["hearing_start"])
    Hearing.objects.create(
        petition=ctx.petition,
        stage="recheck",
        start=start,
        participants=ctx.text("participants", required=False),
    )
    ctx.event_data["hearing_start"] = start.isoformat()


def h_recheck_hearing_end(ctx: Ctx) -> None:
    """R-CNT-7: the inclusive hearing days are added to the 复核 clock (Art. 36(2))."""
    appeal = Appeal.objects.get(petition=ctx.petition, kind=Appeal.Kind.RECHECK)
    end = ctx.date("hearing_end", default=ctx.today)
    assert end is not None and appeal.hearing_start is not None
    if end < appeal.hearing_start:
        raise InvalidInput(_("听证结束日期早于开始日期。"), field="hearing_end")
    appeal.hearing_end = end
    appeal.save(update_fields=["hearing_end"])
    Hearing.objects.filter(petition=ctx.petition, stage="recheck", end=None).update(end=end)
    days = inclusive_days(appeal.hearing_start, end) if settings.MINSHENG_HEARING_EXCLUSION else 0
    deadline = dl.deadline_get_open(ctx.petition.pk, "D-RECHECK-30")
    if deadline is not None:
        deadline = dl.deadline_recompute(deadline, extra_days=days)
        ctx.event_data["deadlines"] = [
            {
                "rule": "D-RECHECK-30",
                "nominal_due": deadline.nominal_due.isoformat(),
                "statutory_due": deadline.statutory_due.isoformat(),
                "provisional": deadline.is_provisional,
                "hearing_days": days,
            }
        ]
    ctx.event_data.update({"hearing_end": end.isoformat(), "hearing_days": days})


def h_conclude_recheck(ctx: Ctx) -> State:
    delivered_on = _conclude_appeal(ctx, Opinion.Stage.RECHECK, "D-RECHECK-30")
    ctx.petition.recheck_reply_received_on = delivered_on
    # Art. 36(3): after the 复核 opinion is delivered the matter is final.
    ctx.extra_events.append(("finalise", S.RECHECK_CONCLUDED, S.FINAL, {"article": "条例第三十六条第三款"}))
    ctx.petition.final_at = ctx.now
    dl.deadline_cancel(ctx.petition.pk)
    ctx.after_commit.append(lambda: outbox_notify_petitioner(ctx.petition.pk, "final"))
    return S.FINAL


def h_close_no_review(ctx: Ctx) -> None:
    ctx.event_data["reason"] = "request window expired"


def h_archive(ctx: Ctx) -> None:
    dl.deadline_cancel(ctx.petition.pk)


# ---- actions that do not change the state


def h_supervise(ctx: Ctx) -> None:
    kind = ctx.choice("kind", [k.value for k in SupervisionOrder.Kind])
    suggestion = ctx.text("suggestion")
    feedback_days = int(settings.MINSHENG_SUPERVISION_FEEDBACK_DAYS)
    order = SupervisionOrder.objects.create(
        issued_at=ctx.now,
        petition=ctx.petition,
        kind=kind,
        target_organ=ctx.petition.current_organ,
        issued_by=ctx.actor,
        suggestion=suggestion,
        feedback_due=ctx.today + dt.timedelta(days=feedback_days),
    )
    ctx.petition.is_supervised = True
    ctx.event_data.update(
        {
            "kind": kind,
            "suggestion": suggestion,
            "order_id": order.pk,
            "feedback_due": order.feedback_due.isoformat() if order.feedback_due else None,
        }
    )
    target_id = ctx.petition.current_organ_id
    ctx.after_commit.append(lambda: outbox_notify_organ(ctx.petition.pk, target_id, "supervision"))


def h_supervision_feedback(ctx: Ctx) -> None:
    order_id = ctx.integer("order_id", minimum=1)
    order = SupervisionOrder.objects.filter(pk=order_id, petition=ctx.petition).first()
    if order is None:
        raise InvalidInput(_("找不到该督办单。"), field="order_id")
    if order.feedback_at is not None:
        raise InvalidInput(_("该督办单已反馈。"), field="order_id")
    order.feedback = ctx.text("feedback")
    order.feedback_at = ctx.now
    order.save(update_fields=["feedback", "feedback_at"])
    ctx.event_data.update({"order_id": order.pk})


def h_note(ctx: Ctx) -> None:
    ctx.event_data["text"] = ctx.text("text", max_length=5000)


def h_assign_caseworker(ctx: Ctx) -> None:
    user_id = ctx.integer("user_id", minimum=1)
    membership = (
        StaffMembership.objects.filter(user_id=user_id, organ=ctx.petition.current_organ, role=R.CASEWORKER)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise InvalidInput(_("该用户不是本机关的承办人。"), field="user_id")
    ctx.petition.caseworker = membership.user
    ctx.event_data.update({"caseworker": membership.user.get_username()})


def h_take_charge(ctx: Ctx) -> None:
    ctx.petition.leader_in_charge = ctx.actor  # type: ignore[assignment]
    ctx.event_data["leader"] = ctx.actor.get_username() if ctx.actor else ""


def h_rate(ctx: Ctx) -> None:
    value = ctx.choice("value", [v.value for v in Rating.Value])
    comment = ctx.text("comment", required=False, max_length=2000)
    stages: dict[str, str] = {
        S.DELIVERED: "handling",
        S.REVIEW_CONCLUDED: "review",
        S.FINAL: "recheck",
        S.SUGGESTION_REPLIED: "handling",
        S.DUTY_PERFORMED: "handling",
        S.CLOSED_NO_REVIEW: "handling",
    }
    stage = stages.get(ctx.petition.state, "handling")
    organ = ctx.petition.current_organ
    if Rating.objects.filter(petition=ctx.petition, target=Rating.Target.ORGAN, stage=stage).exists():
        raise InvalidInput(_("本阶段已评价。"), field="value")
    Rating.objects.create(
        rated_at=ctx.now,
        petition=ctx.petition,
        target=Rating.Target.ORGAN,
        organ=organ,
        stage=stage,
        value=value,
        comment=comment,
    )
    ctx.event_data.update({"value": value, "stage": stage})
    if value == Rating.Value.UNSATISFIED:
        # An unsatisfied rating reaches the organ head.
        ctx.after_commit.append(
            lambda: outbox_notify_organ(ctx.petition.pk, organ.pk, "unsatisfied", heads_only=True)
        )


def h_report_urgent(ctx: Ctx) -> None:
    """Art. 25: report a major or urgent matter at once — never held for a working day."""
    petition = ctx.petition
    petition.is_urgent = True
    petition.urgent_reported_at = ctx.now
    ctx.event_data["note"] = ctx.text("note", required=False)
    recipients = urgent_recipients(petition.current_organ)
    ctx.event_data["reported_to"] = [o.name for o in recipients]
    for organ in recipients:
        organ_id = organ.pk
        ctx.after_commit.append(
            lambda organ_id=organ_id: outbox_notify_organ(petition.pk, organ_id, "urgent")
        )  # type: ignore[misc]


def urgent_recipients(organ: Organ) -> list[Organ]:
    """Same-level party committee and government, and the next higher petition bureau."""
    same_level = list(
        Organ.objects.filter(
            region=organ.region, kind__in=[Organ.Kind.PARTY_COMMITTEE, Organ.Kind.GOVERNMENT]
        )
    )
    higher = [o for o in organ.ancestors() if o.kind == Organ.Kind.PETITION_BUREAU][:1]
    parent_region = organ.region.parent
    if not higher and parent_region is not None:
        higher = list(Organ.objects.filter(region=parent_region, kind=Organ.Kind.PETITION_BUREAU)[:1])
    return [o for o in [*same_level, *higher] if o.pk != organ.pk]


# ----------------------------------------------------------------------------------------------
# The transition table (rules.yaml `transitions`), one row per action.

STAFF_HANDLERS = frozenset({R.CASEWORKER, R.ORGAN_HEAD})
BUREAU = frozenset({R.DISPATCHER, R.ORGAN_HEAD})
TERMINAL = frozenset(
    {
        S.FINAL,
        S.CLOSED_NO_REVIEW,
        S.SETTLED,
        S.SUGGESTION_REPLIED,
        S.DUTY_PERFORMED,
        S.REDIRECTED_STATUTORY,
        S.RETURNED,
        S.REFERRED_ELSEWHERE,
        S.ROUTED_POLITICAL_LEGAL,
        S.ROUTED_DISCIPLINE,
        S.NOT_ACCEPTED,
    }
)
OPEN_STATES = frozenset(s.value for s in State) - TERMINAL - {S.ARCHIVED}
HANDLING_STATES = frozenset({S.IN_HANDLING, S.EXTENDED, S.HEARING, S.MEDIATION})
RATEABLE = frozenset(
    {S.DELIVERED, S.REVIEW_CONCLUDED, S.FINAL, S.SUGGESTION_REPLIED, S.DUTY_PERFORMED, S.CLOSED_NO_REVIEW}
)


def _t(
    action: str,
    sources: set[str] | frozenset[str],
    target: str | None,
    roles: set[str] | frozenset[str],
    at: str,
    handler: Handler,
    label: Any,
    public: bool = True,
) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), at, handler, label, public)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t(
            "triage",
            {S.REGISTERED},
            S.BUREAU_TRIAGE,
            {R.DISPATCHER},
            AT_CURRENT,
            h_triage,
            gettext_lazy("开始分流"),
            False,
        ),
        _t(
            "forward",
            {S.REGISTERED, S.BUREAU_TRIAGE, S.REPORTED_FOR_DECISION, S.RETURNED},
            S.FORWARDED,
            {R.DISPATCHER, R.CASEWORKER, R.ORGAN_HEAD},
            AT_CURRENT,
            h_forward,
            gettext_lazy("转送"),
        ),
        _t(
            "assign",
            {S.REGISTERED, S.BUREAU_TRIAGE, S.REPORTED_FOR_DECISION, S.RETURNED},
            S.ASSIGNED,
            BUREAU,
            AT_CURRENT,
            h_assign,
            gettext_lazy("交办"),
        ),
        _t(
            "report_for_decision",
            {S.REGISTERED, S.BUREAU_TRIAGE},
            S.REPORTED_FOR_DECISION,
            {R.ORGAN_HEAD},
            AT_CURRENT,
            h_report_for_decision,
            gettext_lazy("报请本级党委政府决定"),
            False,
        ),
        _t(
            "route_political_legal",
            {S.REGISTERED, S.BUREAU_TRIAGE},
            S.ROUTED_POLITICAL_LEGAL,
            BUREAU,
            AT_CURRENT,
            h_route_political_legal,
            gettext_lazy("转政法部门"),
        ),
        _t(
            "route_discipline",
            {S.REGISTERED, S.BUREAU_TRIAGE},
            S.ROUTED_DISCIPLINE,
            BUREAU | {SYSTEM},
            AT_CURRENT,
            h_route_discipline,
            gettext_lazy("转纪检监察机关"),
        ),
        _t(
            "not_accept",
            {S.REGISTERED, S.BUREAU_TRIAGE, S.ORGAN_RECEIVED},
            S.NOT_ACCEPTED,
            {R.DISPATCHER, R.CASEWORKER, R.ORGAN_HEAD},
            AT_CURRENT,
            h_not_accept,
            gettext_lazy("不予受理"),
        ),
        _t(
            "refer_elsewhere",
            {S.REGISTERED},
            S.REFERRED_ELSEWHERE,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_refer_elsewhere,
            gettext_lazy("告知向有权机关提出"),
        ),
        _t(
            "receive",
            {S.FORWARDED, S.ASSIGNED},
            S.ORGAN_RECEIVED,
            {R.REGISTRAR, R.CASEWORKER, R.ORGAN_HEAD},
            AT_CURRENT,
            h_receive,
            gettext_lazy("签收"),
        ),
        _t(
            "object",
            {S.ORGAN_RECEIVED},
            S.OBJECTION_PENDING,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_object,
            gettext_lazy("提出异议"),
            False,
        ),
        _t(
            "approve_objection",
            {S.OBJECTION_PENDING},
            S.RETURNED,
            BUREAU | {R.SUPERVISOR},
            AT_FORWARDER,
            h_approve_objection,
            gettext_lazy("同意异议、交还材料"),
            False,
        ),
        _t(
            "reject_objection",
            {S.OBJECTION_PENDING},
            S.ORGAN_RECEIVED,
            BUREAU | {R.SUPERVISOR},
            AT_FORWARDER,
            h_reject_objection,
            gettext_lazy("不同意异议"),
            False,
        ),
        _t(
            "dispute_jurisdiction",
            {S.ORGAN_RECEIVED, S.REGISTERED},
            S.JURISDICTION_DISPUTE,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_dispute,
            gettext_lazy("提请确定受理机关"),
            False,
        ),
        _t(
            "resolve_jurisdiction",
            {S.JURISDICTION_DISPUTE},
            S.ORGAN_RECEIVED,
            {R.ORGAN_HEAD, R.SUPERVISOR, R.DISPATCHER},
            AT_FORWARDER,
            h_resolve_dispute,
            gettext_lazy("确定受理机关"),
        ),
        _t(
            "accept",
            {S.ORGAN_RECEIVED, S.REGISTERED},
            S.ACCEPTED,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_accept,
            gettext_lazy("受理并书面告知"),
        ),
        _t(
            "redirect",
            {S.ACCEPTED},
            S.REDIRECTED_STATUTORY,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_redirect,
            gettext_lazy("导入法定途径"),
        ),
        _t(
            "perform_duty",
            {S.ACCEPTED},
            S.DUTY_PERFORMED,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_perform_duty,
            gettext_lazy("依法履行职责或答复"),
        ),
        _t(
            "reply_suggestion",
            {S.ACCEPTED},
            S.SUGGESTION_REPLIED,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_reply_suggestion,
            gettext_lazy("回复建议意见"),
        ),
        _t(
            "start_handling",
            {S.ACCEPTED},
            S.IN_HANDLING,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_start_handling,
            gettext_lazy("调查核实（第三十一条第六项）"),
        ),
        _t(
            "simplify",
            {S.ORGAN_RECEIVED, S.REGISTERED},
            S.SIMPLIFIED_HANDLING,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_simplify,
            gettext_lazy("简易办理"),
        ),
        _t(
            "convert_to_ordinary",
            {S.SIMPLIFIED_HANDLING},
            S.IN_HANDLING,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_convert_to_ordinary,
            gettext_lazy("转为普通程序"),
        ),
        _t(
            "start_hearing",
            {S.IN_HANDLING, S.EXTENDED},
            S.HEARING,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_start_hearing,
            gettext_lazy("组织听证"),
        ),
        _t(
            "end_hearing",
            {S.HEARING},
            S.IN_HANDLING,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_end_hearing,
            gettext_lazy("听证结束"),
        ),
        _t(
            "start_mediation",
            {S.IN_HANDLING, S.EXTENDED},
            S.MEDIATION,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_start_mediation,
            gettext_lazy("调解和解"),
        ),
        _t(
            "settle",
            {S.MEDIATION},
            S.SETTLED,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_settle,
            gettext_lazy("达成调解和解协议"),
        ),
        _t(
            "end_mediation",
            {S.MEDIATION},
            S.IN_HANDLING,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_end_mediation,
            gettext_lazy("调解未成"),
        ),
        _t("extend", HANDLING_STATES, None, {R.ORGAN_HEAD}, AT_CURRENT, h_extend, gettext_lazy("批准延期")),
        _t(
            "notify_extension",
            HANDLING_STATES,
            None,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_notify_extension,
            gettext_lazy("告知延期理由"),
        ),
        _t(
            "draft_opinion",
            HANDLING_STATES | {S.SIMPLIFIED_HANDLING},
            None,
            {R.CASEWORKER},
            AT_CURRENT,
            h_draft_opinion,
            gettext_lazy("起草处理意见"),
            False,
        ),
        _t(
            "conclude",
            HANDLING_STATES | {S.SIMPLIFIED_HANDLING},
            S.CONCLUDED,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_conclude,
            gettext_lazy("出具处理意见书"),
        ),
        _t(
            "deliver",
            {S.CONCLUDED},
            S.DELIVERED,
            STAFF_HANDLERS | {R.REGISTRAR},
            AT_CURRENT,
            h_deliver,
            gettext_lazy("送达"),
        ),
        _t(
            "report_completion",
            {
                S.CONCLUDED,
                S.DELIVERED,
                S.SETTLED,
                S.DUTY_PERFORMED,
                S.SUGGESTION_REPLIED,
                S.REDIRECTED_STATUTORY,
                S.CLOSED_NO_REVIEW,
            },
            None,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_report_completion,
            gettext_lazy("报送办结报告"),
            False,
        ),
        _t(
            "request_review",
            {S.DELIVERED},
            S.REVIEW_REQUESTED,
            {R.REGISTRAR, R.CASEWORKER, R.ORGAN_HEAD, R.DISPATCHER, PETITIONER},
            AT_UPPER,
            h_request_review,
            gettext_lazy("申请复查"),
        ),
        _t(
            "conclude_review",
            {S.REVIEW_REQUESTED},
            S.REVIEW_CONCLUDED,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_conclude_review,
            gettext_lazy("出具并送达复查意见书"),
        ),
        _t(
            "request_recheck",
            {S.REVIEW_CONCLUDED},
            S.RECHECK_REQUESTED,
            {R.REGISTRAR, R.CASEWORKER, R.ORGAN_HEAD, R.DISPATCHER, PETITIONER},
            AT_UPPER,
            h_request_recheck,
            gettext_lazy("申请复核"),
        ),
        _t(
            "start_recheck_hearing",
            {S.RECHECK_REQUESTED},
            S.RECHECK_HEARING,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_recheck_hearing_start,
            gettext_lazy("复核听证"),
        ),
        _t(
            "end_recheck_hearing",
            {S.RECHECK_HEARING},
            S.RECHECK_REQUESTED,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_recheck_hearing_end,
            gettext_lazy("复核听证结束"),
        ),
        _t(
            "conclude_recheck",
            {S.RECHECK_REQUESTED},
            S.RECHECK_CONCLUDED,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_conclude_recheck,
            gettext_lazy("出具并送达复核意见书"),
        ),
        _t(
            "close_no_review",
            {S.DELIVERED, S.REVIEW_CONCLUDED},
            S.CLOSED_NO_REVIEW,
            {SYSTEM},
            AT_CURRENT,
            h_close_no_review,
            gettext_lazy("申请期满未申请，结案"),
        ),
        _t(
            "import_reply",
            {S.REGISTERED},
            S.DUTY_PERFORMED,
            {SYSTEM},
            AT_CURRENT,
            h_import_reply,
            gettext_lazy("导入历史答复"),
        ),
        _t(
            "archive",
            TERMINAL,
            S.ARCHIVED,
            {SYSTEM, R.ADMIN},
            AT_CURRENT,
            h_archive,
            gettext_lazy("归档"),
            False,
        ),
        # Actions that record facts without changing the state.
        _t(
            "supervise",
            OPEN_STATES,
            None,
            {R.SUPERVISOR, R.LEADER},
            AT_CHAIN,
            h_supervise,
            gettext_lazy("督办"),
            False,
        ),
        _t(
            "supervision_feedback",
            OPEN_STATES | TERMINAL,
            None,
            STAFF_HANDLERS,
            AT_CURRENT,
            h_supervision_feedback,
            gettext_lazy("督办反馈"),
            False,
        ),
        _t(
            "note",
            OPEN_STATES | TERMINAL,
            None,
            {R.REGISTRAR, R.DISPATCHER, R.CASEWORKER, R.ORGAN_HEAD, R.SUPERVISOR, R.LEADER},
            AT_CHAIN,
            h_note,
            gettext_lazy("内部备注"),
            False,
        ),
        _t(
            "assign_caseworker",
            OPEN_STATES,
            None,
            {R.ORGAN_HEAD},
            AT_CURRENT,
            h_assign_caseworker,
            gettext_lazy("指定承办人"),
            False,
        ),
        _t(
            "take_charge",
            OPEN_STATES,
            None,
            {R.LEADER},
            AT_CHAIN,
            h_take_charge,
            gettext_lazy("领导包案"),
            False,
        ),
        _t(
            "report_urgent",
            OPEN_STATES,
            None,
            {R.REGISTRAR, R.DISPATCHER, R.CASEWORKER, R.ORGAN_HEAD, SYSTEM},
            AT_CURRENT,
            h_report_urgent,
            gettext_lazy("重大紧急事项报告"),
            False,
        ),
        _t("rate", RATEABLE, None, {PETITIONER}, AT_CURRENT, h_rate, gettext_lazy("满意度评价")),
    ]
}


# ----------------------------------------------------------------------------------------------
# The service


def _organs_for(transition: Transition, petition: Petition) -> set[int]:
    current = petition.current_organ
    if transition.at == AT_CURRENT:
        return {current.pk}
    if transition.at == AT_FORWARDER:
        ids = {o.pk for o in current.ancestors()}
        if petition.forwarded_by_id:
            ids.add(petition.forwarded_by_id)
        return ids
    if transition.at == AT_UPPER:
        upper = _review_organ(petition)
        return {upper.pk} if upper else set()
    if transition.at == AT_CHAIN:
        return {current.pk, *(o.pk for o in current.ancestors())}
    raise ValueError(transition.at)


def resolve_actor(
    transition: Transition,
    petition: Petition,
    actor: AbstractBaseUser | None,
    *,
    as_petitioner: bool = False,
    as_system: bool = False,
) -> tuple[StaffMembership | None, str]:
    """The membership (organ + role) under which ``actor`` may perform ``transition``, or Forbidden."""
    if as_system:
        if SYSTEM not in transition.roles:
            raise Forbidden(_("系统不能执行此操作。"))
        return None, SYSTEM
    if as_petitioner:
        if PETITIONER not in transition.roles:
            raise Forbidden(_("信访人不能执行此操作。"))
        return None, PETITIONER
    if actor is None:
        raise Forbidden(_("需要登录。"))
    if R.ADMIN in transition.roles and is_admin(actor):
        return None, R.ADMIN
    membership = membership_for(actor, _organs_for(transition, petition), transition.roles)
    if membership is None:
        raise Forbidden(_("您的岗位不能对此信访事项执行“%(a)s”。") % {"a": transition.label})
    return membership, membership.role


def available_actions(petition: Petition, actor: AbstractBaseUser | None) -> list[Transition]:
    """The actions ``actor`` may try on ``petition`` now (the service re-checks every one)."""
    if is_accused_side(actor, petition):
        return []
    result = []
    for transition in TRANSITIONS.values():
        if petition.state not in transition.sources:
            continue
        try:
            resolve_actor(transition, petition, actor)
        except Forbidden:
            continue
        result.append(transition)
    return result


def _write_event(
    petition: Petition,
    action: str,
    ctx: Ctx,
    from_state: str,
    to_state: str,
    data: dict[str, Any],
    public: bool,
) -> PetitionEvent:
    return PetitionEvent.objects.create(
        petition=petition,
        action=action,
        occurred_at=ctx.now,
        actor=ctx.actor,
        actor_role=ctx.role,
        actor_organ=ctx.organ,
        from_state=from_state,
        to_state=to_state,
        data=data,
        is_public=public,
    )


def petition_transition(
    petition_id: int,
    action: str,
    *,
    actor: AbstractBaseUser | None,
    data: dict[str, Any] | None = None,
    as_petitioner: bool = False,
    as_system: bool = False,
    now: dt.datetime | None = None,
) -> Petition:
    """Perform ``action`` on a petition. The only writer of ``Petition.state``.

    Raises NotFound (no such petition), TransitionNotAllowed (not from this state), Forbidden (the
    role may not), InvalidInput (bad data, naming the field). On any error nothing is written.
    Callers check visibility first (selectors.access_petition).
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise NotFound(_("未知操作：%(a)s") % {"a": action}, code="unknown_action")
    moment = now or timezone.now()
    with transaction.atomic():
        petition = (
            Petition.objects.select_for_update()
            .select_related("current_organ", "current_organ__region")
            .filter(pk=petition_id)
            .first()
        )
        if petition is None or (not (as_system or as_petitioner) and is_accused_side(actor, petition)):
            # for the accused side an accusation does not exist (same answer as missing).
            raise NotFound(_("信访事项不存在。"))
        if petition.state not in transition.sources:
            raise TransitionNotAllowed(
                _("当前状态“%(s)s”不能执行“%(a)s”。")
                % {"s": State(petition.state).label, "a": transition.label},
                state=petition.state,
                action=action,
            )
        membership, role = resolve_actor(
            transition, petition, actor, as_petitioner=as_petitioner, as_system=as_system
        )
        ctx = Ctx(
            petition=petition,
            actor=actor,
            membership=membership,
            role=role,
            data=dict(data or {}),
            now=moment,
        )
        from_state = petition.state
        try:
            chosen = transition.handler(ctx)
        except CalendarNotCovered as exc:
            raise InvalidInput(str(exc), field="date") from exc
        to_state = chosen or transition.target or from_state
        if ctx.extra_events:
            # The handler passed through an intermediate state (e.g. recheck_concluded → final).
            first_to = ctx.extra_events[0][1]
            _write_event(petition, action, ctx, from_state, first_to, ctx.event_data, transition.public)
            for extra_action, extra_from, extra_to, extra_data in ctx.extra_events:
                saved_role = ctx.role
                ctx.role = SYSTEM
                _write_event(petition, extra_action, ctx, extra_from, extra_to, extra_data, True)
                ctx.role = saved_role
        else:
            _write_event(petition, action, ctx, from_state, to_state, ctx.event_data, transition.public)
        if to_state != from_state:
            petition.state = to_state
            petition.state_changed_at = moment
        petition.save()
        dl.petition_flags_refresh([petition.pk])
        # Outbox rows are written in this transaction (none lost); sending happens after commit.
        for callback in ctx.after_commit:
            callback()
    petition.refresh_from_db()
    return petition
