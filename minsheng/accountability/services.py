"""Changes to leaders' portfolios, audited (A-003). Every writer of Portfolio goes through here:
the admin pages, the demo and the tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accountability.models import AuditEntry, Leader, LeaderRole, Portfolio
from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.orgs.models import Category, Organ, Region

#: Roles of which an organ has one holder at a time (one 一把手; one leader in charge of petition work).
EXCLUSIVE_ROLES = frozenset({LeaderRole.CHIEF, LeaderRole.COMPETENT})


def audit(
    action: str,
    *,
    actor: AbstractBaseUser | None,
    organ: Organ | None = None,
    object_id: int | None = None,
    at: dt.datetime | None = None,
    **data: Any,
) -> AuditEntry:
    return AuditEntry.objects.create(
        at=at or timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
        action=action,
        organ=organ,
        object_id=object_id,
        data=data,
    )


def can_manage_portfolios(user: AbstractBaseUser | None, organ: Organ) -> bool:
    """Administrators, and supervisors or leaders of an organ above ``organ`` (the same posts that
    assess it: assessment.services.can_freeze)."""
    from minsheng.assessment.services import can_freeze

    return can_freeze(user, organ)


def _overlapping(organ: Organ, role: str, start: dt.date, end: dt.date | None) -> Q:
    q = Q(organ=organ, role=role) & (Q(valid_to__isnull=True) | Q(valid_to__gte=start))
    if end is not None:
        q &= Q(valid_from__lte=end)
    return q


def ensure_no_overlap(organ: Organ, role: str, valid_from: dt.date, valid_to: dt.date | None) -> None:
    """Raise InvalidInput when another leader holds an exclusive role of ``organ`` on a day of the
    span (总责: one 一把手 at a time; 主管: one leader in charge of petition work)."""
    if role not in EXCLUSIVE_ROLES:
        return
    clash = (
        Portfolio.objects.filter(_overlapping(organ, role, valid_from, valid_to))
        .select_related("leader")
        .first()
    )
    if clash is None:
        return
    raise InvalidInput(
        _(
            "%(organ)s %(since)s 起已由 %(who)s 负%(role)s，与所设期间重叠；请先结束其分工（截止日早于 %(start)s）。"
        )
        % {
            "organ": organ.name,
            "since": clash.valid_from.isoformat(),
            "who": clash.leader.name,
            "role": LeaderRole(role).label,
            "start": valid_from.isoformat(),
        },
        field="valid_from",
        code="portfolio_overlap",
    )


def portfolio_assign(
    *,
    organ: Organ,
    leader: Leader,
    role: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    title: str = "",
    categories: Iterable[Category] = (),
    regions: Iterable[Region] = (),
    actor: AbstractBaseUser | None = None,
) -> Portfolio:
    """Give ``leader`` a portfolio in ``organ`` from ``valid_from`` (to ``valid_to``, inclusive).
    Refused with a clear error — nothing written — when another leader holds an exclusive role
    (总责, 主管) of the organ on any day of the span, or when the dates are inverted. ``actor``
    None is the system (demo, command line)."""
    if actor is not None and not can_manage_portfolios(actor, organ):
        raise Forbidden(_("只有管理员或上级机关的督查人员、领导可以调整领导分工。"))
    if role not in LeaderRole.values:
        raise InvalidInput(_("未知的责任类型：%(r)s") % {"r": role}, field="role")
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInput(_("截止日不能早于起始日。"), field="valid_to")
    categories = list(categories)
    regions = list(regions)
    if role != LeaderRole.PORTFOLIO and (categories or regions):
        raise InvalidInput(_("只有分管责任按内容分类或地区划分。"), field="categories")
    with transaction.atomic():
        # Lock the organ's portfolios of this role, so two concurrent assignments cannot both pass.
        list(
            Portfolio.objects.select_for_update().filter(organ=organ, role=role).values_list("pk", flat=True)
        )
        ensure_no_overlap(organ, role, valid_from, valid_to)
        portfolio = Portfolio.objects.create(
            organ=organ,
            leader=leader,
            role=role,
            title=title,
            valid_from=valid_from,
            valid_to=valid_to,
            created_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
        )
        portfolio.categories.set(categories)
        portfolio.regions.set(regions)
        audit(
            "portfolio_assign",
            actor=actor,
            organ=organ,
            object_id=portfolio.pk,
            leader=leader.name,
            role=role,
            title=title,
            valid_from=valid_from.isoformat(),
            valid_to=valid_to.isoformat() if valid_to else None,
            categories=[c.path for c in categories],
            regions=[r.code for r in regions],
        )
    return portfolio


def portfolio_end(
    portfolio: Portfolio,
    *,
    last_day: dt.date,
    reason: str,
    actor: AbstractBaseUser | None = None,
) -> Portfolio:
    """End a portfolio on ``last_day`` (inclusive). The row stays: accountability for days before
    still names this leader. A reason is required; a portfolio is ended once."""
    if actor is not None and not can_manage_portfolios(actor, portfolio.organ):
        raise Forbidden(_("只有管理员或上级机关的督查人员、领导可以调整领导分工。"))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("请填写结束原因（如职务调整）。"), field="end_reason")
    with transaction.atomic():
        current = Portfolio.objects.select_for_update().get(pk=portfolio.pk)
        if current.valid_to is not None:
            raise InvalidInput(
                _("该分工已于 %(d)s 结束。") % {"d": current.valid_to.isoformat()}, field="valid_to"
            )
        if last_day < current.valid_from:
            raise InvalidInput(
                _("截止日不能早于起始日（%(d)s）。") % {"d": current.valid_from.isoformat()},
                field="valid_to",
            )
        current.valid_to = last_day
        current.end_reason = reason
        current.save(update_fields=["valid_to", "end_reason"])
        audit(
            "portfolio_end",
            actor=actor,
            organ=current.organ,
            object_id=current.pk,
            leader=current.leader.name,
            role=current.role,
            valid_to=last_day.isoformat(),
            reason=reason,
        )
    return current


def portfolio_hand_over(
    portfolio: Portfolio,
    *,
    successor: Leader,
    first_day: dt.date,
    reason: str,
    actor: AbstractBaseUser | None = None,
) -> Portfolio:
    """A change of leader: ``portfolio`` ends the day before ``first_day`` and ``successor`` takes
    the same role, title and scope from ``first_day``. One transaction: both or neither."""
    with transaction.atomic():
        ended = portfolio_end(
            portfolio, last_day=first_day - dt.timedelta(days=1), reason=reason, actor=actor
        )
        return portfolio_assign(
            organ=ended.organ,
            leader=successor,
            role=ended.role,
            title=ended.title,
            valid_from=first_day,
            categories=list(ended.categories.all()),
            regions=list(ended.regions.all()),
            actor=actor,
        )


def audited_save(
    row: Model, action: str, fields: tuple[str, ...], *, actor: AbstractBaseUser | None, **extra: Any
) -> None:
    """Save ``row`` (an admin's edit of a record others rely on) and audit it with the values of
    ``fields`` it now holds and those it replaced, read under a row lock in the same transaction
    (so a concurrent edit cannot slip between the two)."""
    with transaction.atomic():
        before = (
            type(row)._default_manager.select_for_update().filter(pk=row.pk).values(*fields).first()
            if row.pk
            else None
        )
        row.save()
        audit(
            action,
            actor=actor,
            object_id=row.pk,
            **extra,
            **{name: getattr(row, name) for name in fields},
            replaced=before,
        )


def leader_save(leader: Leader, *, actor: AbstractBaseUser | None) -> Leader:
    """Create or edit a leader (name, account), audited with what it replaced: the chain of every
    past day names the leader through this row, so a rename is a change of record."""
    audited_save(leader, "leader_saved", ("name", "user_id"), actor=actor)
    return leader
