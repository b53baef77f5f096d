"""Art. 39(3) proposals (A-010): when an organ's indicators fall below the configured thresholds the
system proposes 约谈, 通报 or 挂牌督办; a supervisor accepts (the measure is performed and audited)
or dismisses it with a reason. Nothing is imposed by the system."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accountability.models import Measure, Proposal
from minsheng.accountability.selectors import chain_for
from minsheng.accountability.services import audit
from minsheng.assessment.selectors import compute_indicators, without_accusations
from minsheng.assessment.services import ASSESSOR_ROLES, can_freeze
from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.orgs.models import Organ
from minsheng.orgs.selectors import is_admin, memberships_of, organ_subtree_ids

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent / "thresholds.yaml"
#: The longest rectification period a measure may set (days from the decision).
MAX_RECTIFY_DAYS = 366

SEVERITY = {Proposal.Measure.INTERVIEW: 1, Proposal.Measure.CIRCULAR: 2, Proposal.Measure.LISTED: 3}


@dataclass(frozen=True)
class Threshold:
    indicator: str
    measure: str
    below: float | None
    above: float | None
    source: str

    def fires(self, value: float) -> bool:
        if self.below is not None:
            return value < self.below
        return self.above is not None and value > self.above

    def words(self) -> str:
        return f"< {self.below:.0%}" if self.below is not None else f"> {self.above:.0%}"


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[Threshold, ...]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    out = []
    for i, rule in enumerate(raw.get("rules") or []):
        measure = rule.get("measure")
        if measure not in Proposal.Measure.values:
            raise ValueError(f"{path}: rule {i + 1}: unknown measure {measure!r}")
        below, above = rule.get("below"), rule.get("above")
        if (below is None) == (above is None):
            raise ValueError(f"{path}: rule {i + 1}: give exactly one of below / above")
        out.append(
            Threshold(
                indicator=str(rule["indicator"]),
                measure=measure,
                below=float(below) if below is not None else None,
                above=float(above) if above is not None else None,
                source=str(rule.get("source", "")),
            )
        )
    return tuple(out)


def thresholds() -> tuple[Threshold, ...]:
    """The rules in force: MINSHENG_ACCOUNTABILITY_THRESHOLDS (a YAML path) or the app's defaults."""
    return _load(str(getattr(settings, "MINSHENG_ACCOUNTABILITY_THRESHOLDS", "") or DEFAULT_THRESHOLDS))


def assessed_organs() -> QuerySet[Organ]:
    """Organs the proposals look at: every active organ except the party committees, governments and
    joint conferences that take the measures (Art. 39(3): the joint conference acts on the others)."""
    return Organ.objects.filter(is_active=True).exclude(
        kind__in=[Organ.Kind.PARTY_COMMITTEE, Organ.Kind.JOINT_CONFERENCE]
    )


def proposals_compute(
    date_from: dt.date,
    date_to: dt.date,
    *,
    organs: list[Organ] | None = None,
    today: dt.date | None = None,
) -> list[Proposal]:
    """Compute the proposals of a period. Idempotent: an open proposal is refreshed with the current
    figures; one already decided is left as it was decided. Returns the proposals now open or
    decided for the period, one per organ and measure that fired."""
    if date_to < date_from:
        raise InvalidInput(_("截止日不能早于起始日。"), field="to")
    rules = thresholds()
    wanted = sorted({r.indicator for r in rules})
    out: list[Proposal] = []
    for organ in organs if organs is not None else list(assessed_organs()):
        # Shown to whoever may read the organ's figures, the accused side of an accusation among
        # them: computed without any accusation, one answer for every reader.
        figures = without_accusations(
            compute_indicators(organ.pk, date_from, date_to, today=today, only=wanted)
        ).figures
        by_indicator = {f.indicator: f for f in figures}
        fired: dict[str, list[dict[str, Any]]] = {}
        for rule in rules:
            figure = by_indicator.get(rule.indicator)
            if figure is None or figure.value is None or figure.insufficient_sample:
                continue
            if rule.fires(figure.value):
                fired.setdefault(rule.measure, []).append(
                    {
                        "indicator": figure.indicator,
                        "definition_id": figure.definition_id,
                        "numerator": figure.numerator,
                        "denominator": figure.denominator,
                        "value": round(figure.value, 6),
                        "threshold": rule.words(),
                        "source": rule.source,
                    }
                )
        if not fired:
            continue
        chain = [link.as_dict() for link in chain_for(organ, date_to).links]
        for measure, figs in sorted(fired.items(), key=lambda kv: SEVERITY[Proposal.Measure(kv[0])]):
            with transaction.atomic():
                proposal, created = Proposal.objects.select_for_update().get_or_create(
                    organ=organ,
                    period_from=date_from,
                    period_to=date_to,
                    measure=measure,
                    defaults={"figures": figs, "chain": chain},
                )
                if not created and proposal.status == Proposal.Status.OPEN:
                    replaced = {"figures": proposal.figures, "chain": proposal.chain}
                    proposal.figures, proposal.chain, proposal.computed_at = figs, chain, timezone.now()
                    proposal.save(update_fields=["figures", "chain", "computed_at"])
                    if replaced != {"figures": figs, "chain": chain}:
                        # what a supervisor may have read and acted on is kept in the audit
                        audit(
                            "proposal_refreshed",
                            actor=None,
                            organ=organ,
                            object_id=proposal.pk,
                            measure=measure,
                            figures=figs,
                            chain=chain,
                            replaced=replaced,
                        )
                if created:
                    audit(
                        "proposal_made",
                        actor=None,
                        organ=organ,
                        object_id=proposal.pk,
                        measure=measure,
                        period=[date_from.isoformat(), date_to.isoformat()],
                        figures=figs,
                    )
            out.append(proposal)
    return out


def proposals_visible_to(user: AbstractBaseUser | None) -> QuerySet[Proposal]:
    """Administrators see all; supervisors and leaders see proposals about organs below their own
    (never about their own organ: nobody decides on himself)."""
    qs = Proposal.objects.select_related("organ", "decided_by", "measure_record")
    if is_admin(user):
        return qs
    below: set[int] = set()
    for m in memberships_of(user):
        if m.role in ASSESSOR_ROLES:
            below |= organ_subtree_ids([m.organ_id]) - {m.organ_id}
    return qs.filter(organ_id__in=below) if below else qs.none()


def measures_visible_to(user: AbstractBaseUser | None) -> QuerySet[Measure]:
    """Measures against the user's own organs (to answer) and about organs below his supervisor or
    leader posts (to follow); administrators see all."""
    qs = Measure.objects.select_related("organ").order_by("-taken_on", "-pk")
    if is_admin(user):
        return qs
    mine: set[int] = set()
    for m in memberships_of(user):
        mine.add(m.organ_id)
        if m.role in ASSESSOR_ROLES:
            mine |= organ_subtree_ids([m.organ_id])
    return qs.filter(organ_id__in=mine) if mine else qs.none()


def _decidable(proposal: Proposal, actor: AbstractBaseUser) -> Proposal:
    if not can_freeze(actor, proposal.organ):
        raise Forbidden(_("只有上级机关的督查人员、领导或管理员可以决定问责措施建议。"))
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status != Proposal.Status.OPEN:
        raise InvalidInput(
            _("该建议已于 %(d)s 作出决定。") % {"d": timezone.localtime(locked.decided_at).date().isoformat()}
            if locked.decided_at
            else _("该建议已作出决定。"),
            field="proposal",
        )
    return locked


def proposal_accept(
    proposal: Proposal,
    *,
    actor: AbstractBaseUser,
    text: str,
    rectify_by: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Measure:
    """Accept: the measure is performed — a Measure naming the organ's chain of the day (总责, 主管),
    with the written feedback / rectification due (default: D-SUPERVISION-FEEDBACK from today) —
    and both the decision and the measure are audited."""
    from minsheng.workflow.services.oversight import supervision_feedback_due

    now = now or timezone.now()
    today = timezone.localdate(now)
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("请填写约谈、通报或督办的内容。"), field="text")
    if rectify_by is not None and rectify_by < today:
        raise InvalidInput(_("整改期限不能早于今天。"), field="rectify_by")
    if rectify_by is not None and (rectify_by - today).days > MAX_RECTIFY_DAYS:
        # a feedback due in 9999 could never be late (Measure.feedback_late)
        raise InvalidInput(_("整改期限不能超过一年。"), field="rectify_by")
    with transaction.atomic():
        locked = _decidable(proposal, actor)
        chain = chain_for(locked.organ, today)
        measure = Measure.objects.create(
            organ=locked.organ,
            kind=locked.measure,
            taken_on=today,
            leaders=[link.as_dict() for link in chain.links],
            text=text,
            rectify_by=rectify_by or supervision_feedback_due(today),
            decided_by=actor,  # type: ignore[misc]
            created_at=now,
        )
        locked.status = Proposal.Status.ACCEPTED
        locked.decided_at, locked.decided_by, locked.measure_record = now, actor, measure  # type: ignore[assignment]
        locked.reason = text
        locked.save(update_fields=["status", "decided_at", "decided_by", "measure_record", "reason"])
        audit(
            "proposal_accepted",
            actor=actor,
            organ=locked.organ,
            object_id=locked.pk,
            at=now,
            measure_id=measure.pk,
            measure=measure.kind,
            leaders=chain.names(),
            rectify_by=measure.rectify_by.isoformat() if measure.rectify_by else None,
        )
    return measure


def proposal_dismiss(
    proposal: Proposal, *, actor: AbstractBaseUser, reason: str, now: dt.datetime | None = None
) -> Proposal:
    """Dismiss with a reason (required); audited. The proposal stays on record."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("不采纳须说明理由。"), field="reason")
    with transaction.atomic():
        locked = _decidable(proposal, actor)
        locked.status = Proposal.Status.DISMISSED
        locked.decided_at, locked.decided_by, locked.reason = now, actor, reason  # type: ignore[assignment]
        locked.save(update_fields=["status", "decided_at", "decided_by", "reason"])
        audit(
            "proposal_dismissed", actor=actor, organ=locked.organ, object_id=locked.pk, at=now, reason=reason
        )
    return locked


def measure_feedback(
    measure: Measure, *, actor: AbstractBaseUser, text: str, now: dt.datetime | None = None
) -> Measure:
    """The organ's written feedback on a measure (Art. 40(4) by analogy): staff of the organ; late
    when after ``rectify_by``; once."""
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("请填写书面反馈。"), field="feedback")
    if not (is_admin(actor) or any(m.organ_id == measure.organ_id for m in memberships_of(actor))):
        raise Forbidden(_("只有被约谈、通报或督办的机关可以书面反馈。"))
    with transaction.atomic():
        locked = Measure.objects.select_for_update().get(pk=measure.pk)
        if locked.feedback_at is not None:
            raise InvalidInput(_("已书面反馈。"), field="feedback")
        locked.feedback, locked.feedback_at = text, now
        locked.feedback_late = locked.rectify_by is not None and timezone.localdate(now) > locked.rectify_by
        locked.save(update_fields=["feedback", "feedback_at", "feedback_late"])
        audit(
            "measure_feedback",
            actor=actor,
            organ=locked.organ,
            object_id=locked.pk,
            at=now,
            late=locked.feedback_late,
        )
    return locked


def open_proposals_q() -> Q:
    return Q(status=Proposal.Status.OPEN)
