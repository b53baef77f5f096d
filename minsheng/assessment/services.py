"""Freezing an assessment period (ADR 0008): the figures computed at assessment are stored with
the definitions version and the petition ids behind them; later edits of the cases do not
change them. A correction is a new version of the period with its reason."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.assessment import definitions as D
from minsheng.assessment.models import AssessmentPeriod, FrozenFigure
from minsheng.assessment.selectors import compute_indicators
from minsheng.core.calendar import calendar_period
from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.orgs.models import Organ, Role
from minsheng.orgs.selectors import is_admin, memberships_of, organ_subtree_ids

#: Posts that assess the organs below their own (条例 Art. 39: the party committee, government and
#: joint conference assess; their supervisors and leaders act for them).
ASSESSOR_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER})


def can_freeze(user: AbstractBaseUser | None, organ: Organ) -> bool:
    """Whether ``user`` may assess (freeze) ``organ``'s figures: an administrator, or a supervisor or
    leader of an organ above it — never the organ's own staff (nobody assesses himself)."""
    if user is None or not user.is_authenticated:
        return False
    if is_admin(user):
        return True
    for m in memberships_of(user):
        if (
            m.role in ASSESSOR_ROLES
            and m.organ_id != organ.pk
            and organ.pk in organ_subtree_ids([m.organ_id])
        ):
            return True
    return False


def period_matches_kind(kind: str, date_from: dt.date, date_to: dt.date) -> bool:
    """Whether the dates are exactly one calendar month, quarter or year for those kinds (a custom
    period may be any span): a "quarter" of 15 days must not become a period of record."""
    if kind == AssessmentPeriod.Kind.CUSTOM:
        return True
    if kind not in (AssessmentPeriod.Kind.MONTH, AssessmentPeriod.Kind.QUARTER, AssessmentPeriod.Kind.YEAR):
        return False
    return calendar_period(date_from, str(kind)) == (date_from, date_to)


def period_freeze(
    organ: Organ,
    date_from: dt.date,
    date_to: dt.date,
    *,
    profile: str = "xinfang",
    kind: str = AssessmentPeriod.Kind.CUSTOM,
    actor: AbstractBaseUser | None = None,
    reason: str = "",
    today: dt.date | None = None,
) -> AssessmentPeriod:
    """Freeze the figures of ``organ`` for the period. A period is assessed once it has ended; a
    second freeze of the same period is a correction and needs ``reason``. ``actor`` None is the
    system (the ``minsheng indicators --freeze`` command, run by an operator)."""
    if actor is not None and not can_freeze(actor, organ):
        raise Forbidden(_("只有上级机关的督查人员、领导或管理员可以冻结考核结果。"))
    today = today or timezone.localdate()
    if profile not in D.PROFILES:
        raise InvalidInput(_("未知的考核口径。"), field="profile")
    if date_to < date_from:
        raise InvalidInput(_("截止日期早于起始日期。"), field="to")
    if date_to >= today:
        raise InvalidInput(_("考核周期结束后才能冻结。"), field="to")
    if kind not in AssessmentPeriod.Kind.values:
        raise InvalidInput(_("未知的考核周期类型。"), field="kind")
    if not period_matches_kind(kind, date_from, date_to):
        raise InvalidInput(
            _("考核周期的起止日期与周期类型不符：月、季度、年度须为完整的自然月、季度、年度。"), field="kind"
        )
    reason = reason.strip()
    with transaction.atomic():
        Organ.objects.select_for_update().filter(pk=organ.pk).first()
        latest = AssessmentPeriod.objects.filter(
            organ=organ, profile=profile, date_from=date_from, date_to=date_to
        ).aggregate(v=Max("version"))["v"]
        if latest and not reason:
            raise InvalidInput(_("该周期已冻结；更正须说明理由，并作为新版本保存。"), field="reason")
        result = compute_indicators(organ.pk, date_from, date_to, profile=profile, today=today)
        period = AssessmentPeriod.objects.create(
            organ=organ,
            profile=profile,
            kind=kind,
            date_from=date_from,
            date_to=date_to,
            definitions_version=result.definitions_version,
            basic_counts=result.basic_counts,
            version=(latest or 0) + 1,
            reason=reason,
            computed_on=today,
            frozen_by=actor,
        )
        FrozenFigure.objects.bulk_create(
            FrozenFigure(
                period=period,
                indicator=f.indicator,
                definition_id=f.definition_id,
                definition_text=f.definition_text,
                numerator=f.numerator,
                denominator=f.denominator,
                value=f.value,
                lower=f.interval.lower if f.interval else None,
                upper=f.interval.upper if f.interval else None,
                insufficient_sample=f.insufficient_sample,
                classes=f.classes,
                excluded=f.excluded,
                numerator_ids=list(f.numerator_ids),
                denominator_ids=list(f.denominator_ids),
                item_classes=[[i, c] for i, c in f.item_classes.items()],
                weights={str(i): w for i, w in f.weights.items()},
                min_n=f.min_n,
            )
            for f in result.figures
        )
    return period
