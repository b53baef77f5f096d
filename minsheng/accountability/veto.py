"""一票否决 (ACCOUNTABILITY.md A-050..A-053). 条例2022 contains no veto; central rules restrict veto
items. So the rule is opt-in per deployment, off by default, and cannot be switched on without the
legal basis and the approving authority. Veto events are always recorded (with evidence, against an
organ and a period); only when the rule is on do they override the organ's ranking for the period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accountability.models import VetoEvent
from minsheng.accountability.services import audit
from minsheng.assessment.services import can_freeze
from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.core.params import check_year
from minsheng.orgs.models import Organ
from minsheng.petitions.models import Petition


@dataclass(frozen=True)
class VetoRule:
    enabled: bool
    legal_basis: str
    approving_authority: str


def veto_rule() -> VetoRule:
    """The deployment's rule. Enabled without a legal basis or approving authority is a
    configuration error (ImproperlyConfigured), never a silent veto."""
    enabled = bool(getattr(settings, "MINSHENG_VETO_ENABLED", False))
    basis = str(getattr(settings, "MINSHENG_VETO_LEGAL_BASIS", "") or "").strip()
    authority = str(getattr(settings, "MINSHENG_VETO_APPROVING_AUTHORITY", "") or "").strip()
    if enabled and not (basis and authority):
        raise ImproperlyConfigured(
            "MINSHENG_VETO_ENABLED=true needs MINSHENG_VETO_LEGAL_BASIS (the document and article that "
            "provide for a veto) and MINSHENG_VETO_APPROVING_AUTHORITY (ACCOUNTABILITY.md A-053)"
        )
    return VetoRule(enabled=enabled, legal_basis=basis, approving_authority=authority)


@register()
def check_veto_rule(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    try:
        veto_rule()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="accountability.E001")]
    return []


#: The longest period a veto event may cover: one assessment year (a leap year's 366 days).
MAX_VETO_SPAN_DAYS = 365

#: The grounds a veto may be recorded on (accountability_rules.yaml veto.candidate_triggers).
VETO_GROUNDS: frozenset[str] = frozenset(
    {
        VetoEvent.Ground.MASS_INCIDENT,
        VetoEvent.Ground.URGENT_LATE,
        VetoEvent.Ground.RETALIATION,
        VetoEvent.Ground.ACCOUNTABILITY,
        VetoEvent.Ground.PUBLIC_SECURITY,
    }
)
#: V-46-3, V-46-4, V-46-6: ``requires: 造成严重后果``.
NEEDS_SERIOUS_CONSEQUENCE: frozenset[str] = frozenset(
    {VetoEvent.Ground.MASS_INCIDENT, VetoEvent.Ground.URGENT_LATE, VetoEvent.Ground.RETALIATION}
)


def veto_check(
    *, ground: str, serious_consequence: str, period_from: dt.date, period_to: dt.date, evidence: str
) -> tuple[str, str]:
    """What a veto event must state (InvalidInput naming the field otherwise): a candidate ground
    (VETO_GROUNDS), the serious consequence the Art. 46(3)/(4)/(6) grounds require, a begun period
    of one assessment year at most, and evidence. Returns the serious consequence and the evidence
    as stored. The admin's form asks the same (one rule, two callers)."""
    if ground not in VETO_GROUNDS:
        raise InvalidInput(_("未知的否决事由：%(g)s") % {"g": ground}, field="ground")
    serious_consequence = (serious_consequence or "").strip()
    if ground in NEEDS_SERIOUS_CONSEQUENCE and not serious_consequence:
        raise InvalidInput(
            _("条例第四十六条第三、四、六项的情形须造成严重后果，请写明造成的严重后果。"),
            field="serious_consequence",
        )
    check_year(period_from, "period_from")
    check_year(period_to, "period_to")
    if period_to < period_from:
        raise InvalidInput(_("截止日不能早于起始日。"), field="period_to")
    # A veto answers for an assessment period (a year at most) that has begun: 0001–9999 would
    # override the organ's ranking in every period there is.
    if (period_to - period_from).days > MAX_VETO_SPAN_DAYS:
        raise InvalidInput(_("一票否决的期间不能超过一个考核年度。"), field="period_to")
    if period_from > timezone.localdate():
        raise InvalidInput(_("不能对尚未开始的期间记录一票否决。"), field="period_from")
    evidence = (evidence or "").strip()
    if not evidence:
        raise InvalidInput(_("请写明证据。"), field="evidence")
    return serious_consequence, evidence


def veto_record(
    organ: Organ,
    *,
    period_from: dt.date,
    period_to: dt.date,
    ground: str,
    evidence: str,
    petitions: Iterable[Petition] = (),
    actor: AbstractBaseUser | None,
    serious_consequence: str = "",
) -> VetoEvent:
    """Record a veto event with its evidence (whether or not the rule is on). Decided by a named
    authority above the organ (A-053: the system never vetoes by itself); audited."""
    if actor is not None and not can_freeze(actor, organ):
        raise Forbidden(_("只有上级机关的督查人员、领导或管理员可以记录一票否决事件。"))
    serious_consequence, evidence = veto_check(
        ground=ground,
        serious_consequence=serious_consequence,
        period_from=period_from,
        period_to=period_to,
        evidence=evidence,
    )
    petitions = list(petitions)
    with transaction.atomic():
        event = VetoEvent.objects.create(
            organ=organ,
            period_from=period_from,
            period_to=period_to,
            ground=ground,
            evidence=evidence,
            serious_consequence=serious_consequence,
            decided_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
            decided_at=timezone.now(),
        )
        event.evidence_petitions.set(petitions)
        audit(
            "veto_recorded",
            actor=actor,
            organ=organ,
            object_id=event.pk,
            ground=ground,
            period=[period_from.isoformat(), period_to.isoformat()],
            petitions=[p.pk for p in petitions],
            rule_enabled=veto_rule().enabled,
        )
    return event


def vetoes_for(organ_ids: Iterable[int], date_from: dt.date, date_to: dt.date) -> dict[int, VetoEvent]:
    """The first veto event of each organ whose period overlaps [date_from, date_to]."""
    out: dict[int, VetoEvent] = {}
    for event in VetoEvent.objects.filter(
        organ_id__in=list(organ_ids), period_from__lte=date_to, period_to__gte=date_from
    ).order_by("decided_at", "pk"):
        out.setdefault(event.organ_id, event)
    return out


def veto_reason(event: VetoEvent, rule: VetoRule) -> str:
    """Why the organ is ranked last: the ground, the event and the legal basis of the rule."""
    return _("一票否决：%(ground)s（%(on)s 记录，依据：%(basis)s；批准机关：%(authority)s）") % {
        "ground": event.get_ground_display(),
        "on": timezone.localtime(event.decided_at).date().isoformat(),
        "basis": rule.legal_basis,
        "authority": rule.approving_authority,
    }


def vetoes_of(organ: Organ, viewer: AbstractBaseUser) -> list[tuple[VetoEvent, list[int]]]:
    """The veto events of ``organ``, each with the evidence petitions ``viewer`` may open: an
    accusation cited as evidence (打击报复, R-151) does not exist for the vetoed organ's staff, who
    may read their organ's vetoes (R-150)."""
    from minsheng.petitions.selectors import petitions_visible_to

    events = list(
        VetoEvent.objects.filter(organ=organ)
        .select_related("organ", "decided_by")
        .prefetch_related("evidence_petitions")  # one query for all events' petitions
    )
    cited = {p.pk for e in events for p in e.evidence_petitions.all()}
    visible = set(petitions_visible_to(viewer).filter(pk__in=cited).values_list("pk", flat=True))
    return [(e, sorted(p.pk for p in e.evidence_petitions.all() if p.pk in visible)) for e in events]
