"""Shared parts of the transition service: the handler context (input parsing), the
transition record, and guards used by several handlers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from minsheng.core.errors import InvalidInput
from minsheng.orgs.models import Organ, Role, StaffMembership
from minsheng.orgs.selectors import organ_subtree_ids
from minsheng.petitions.models import Nature, Petition, State
from minsheng.workflow import deadlines as dl
from minsheng.workflow.inputs import moment_of_day
from minsheng.workflow.models import Deadline
from minsheng.workflow.rulesets import next_document_number, series_kind

S = State
R = Role

SYSTEM = "system"
PETITIONER = "petitioner"

# Where the actor's role must be held, relative to the petition.
AT_CURRENT = "current"  # the organ now holding the petition
AT_FORWARDER = "forwarder"  # the bureau/organ that forwarded it, or any organ above the current one
AT_UPPER = "upper"  # the organ that reviews the current holder's opinion (复查/复核机关)
AT_CHAIN = "chain"  # the current organ or any organ above it (supervision chain)
AT_DISPUTE_RESOLVER = "dispute_resolver"  # the organ that decides a jurisdiction dispute (Art. 24(1))
AT_FOLLOW_UP = "follow_up"  # an organ with an open task after its answer (Art. 32(2) execution, Art. 37(3))
# the organ that handled the matter: the current holder until a 复查 request moves the matter up,
# then the original handling organ (its duties to other organs outlive the move)
AT_HANDLING = "handling"


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
    internal: bool = False  # the handler keeps this event off the petitioner's timeline
    acting_organ: Organ | None = None  # without a membership: the organ acted for (registration)

    @property
    def organ(self) -> Organ | None:
        return self.membership.organ if self.membership else self.acting_organ

    @property
    def today(self) -> dt.date:
        return dl.local_date(self.now)

    # ---- input helpers: each raises InvalidInput naming the field; nothing has been written yet.
    def text(self, name: str, *, required: bool = True, max_length: int = 20000) -> str:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise InvalidInput(_("此项必填。"), field=name, code="required")
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
                raise InvalidInput(_("此项必填。"), field=name, code="required")
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
                raise InvalidInput(_("此项必填。"), field=name, code="required")
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
                raise InvalidInput(_("此项必填（日期，格式 YYYY-MM-DD）。"), field=name, code="required")
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
                # A date alone is 09:00 local; tried first, as parse_datetime (Python 3.11+)
                # accepts "2025-03-28" too and gives midnight.
                day = parse_date(value)
                parsed = moment_of_day(day) if day is not None else parse_datetime(value)
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
                raise InvalidInput(_("此项必填。"), field=name, code="required")
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
                raise InvalidInput(_("此项必填。"), field=name, code="required")
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
    """One row of the transition table (ADR 0007).

    ``article`` names the provision the row implements, in the short form rules.yaml uses:
    ``Art.N(para)(item)`` for 《信访工作条例》(2022), other sources by the names rules.yaml gives them
    (``简易办法2016 Arts.4-6 [S]``), ``[P] …`` for a project decision the law does not make.
    ``targets`` lists, for a row whose ``target`` is None, the (from, to) moves its handler may
    choose; a source not listed there keeps its state."""

    action: str
    sources: frozenset[str]
    target: str | None  # None: the handler decides (or the state stays as it is)
    roles: frozenset[str]
    at: str
    handler: Handler
    label: Any
    public: bool = True
    article: str = ""
    targets: frozenset[tuple[str, str]] = frozenset()


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
    # Which organ held the petition at any past moment (accountability.selectors.organ_at).
    ctx.event_data["moved_to_organ_id"] = organ.pk


#: Organs whose notice to the petitioner follows their own rules, not D-NOTICE-15 (Art. 23(4)).
OWN_NOTICE_RULES = frozenset(
    {Organ.Kind.DISCIPLINE, Organ.Kind.POLITICAL_LEGAL, Organ.Kind.COURT, Organ.Kind.PROCURATORATE}
)


def notice_waiver(petition: Petition, organ: Organ) -> tuple[str, str] | None:
    """Why the 15-day written notice (D-NOTICE-15) does not run when ``organ`` receives
    ``petition`` — (code, reason) — or None when it runs: the name or address is unclear
    (Art. 23(2)), or the organ is on the political-legal or discipline route, which notifies by
    its own rules (Art. 23(4)). The same whether the organ received it forwarded or directly."""
    if petition.is_anonymous:
        return "anonymous", "姓名（名称）、住址不清"
    if organ.kind in OWN_NOTICE_RULES:
        return "own_rules", "政法、纪检监察途径依其规定告知"
    return None


#: The actions a 信访部门 takes within its 15 days (Art. 22(1)); offered on an item it received
#: from a higher 信访部门 (organ_received) as on one it registered itself.
BUREAU_ROUTING_ACTIONS = frozenset({"forward", "assign"})


def bureau_routing_available(petition: Petition, action: str) -> bool:
    """Whether ``action`` may be taken on ``petition`` in its state as far as the receiving organ's
    kind goes: forwarding and assigning an item *received* (organ_received) is the work of a
    信访部门 that received it from a higher one (分级转送交办, Art. 22(1)); a competent organ that
    received a forwarded item handles it, objects to it (Art. 23(3)) or raises a dispute."""
    if action not in BUREAU_ROUTING_ACTIONS or petition.state != State.ORGAN_RECEIVED:
        return True
    return bool(petition.current_organ.is_bureau)


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


def _document_number(ctx: Ctx, kind: str) -> str:
    """The next number of a document type (workflow.rulesets.DOCUMENT_PREFIXES) for the acting
    organ in the year of the act: one counter per type per organ per year."""
    organ = ctx.organ or ctx.petition.current_organ
    series = series_kind(kind, accusation=ctx.petition.nature == Nature.ACCUSATION)
    return next_document_number(organ.short_name or organ.code, ctx.today.year, series)


def _review_organ(petition: Petition) -> Organ | None:
    """The organ that hears 复查/复核: the configured upper organ — for an accusation, the first one
    up the chain outside the accused unit's subtree (R-150: appeals never land there)."""
    upper = petition.current_organ.upper_organ()
    if petition.nature != Nature.ACCUSATION or not petition.accused_organ_id:
        return upper
    accused = organ_subtree_ids([petition.accused_organ_id])
    seen: set[int] = set()
    while upper is not None and upper.pk in accused:
        if upper.pk in seen:
            return None  # a review cycle inside the accused subtree: no organ outside it to go to
        seen.add(upper.pk)
        upper = upper.upper_organ()
    return upper
