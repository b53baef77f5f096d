"""Recusal (回避, Art. 28(3)): a staff member with a direct interest in the matter or in the
petitioner declares it; from then on he may not act on the petition (the engine refuses every
action of his, reads stay allowed), nor be made its caseworker. The organ head assigns another."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.notifications.services import outbox_notify_organ
from minsheng.workflow.models import OpinionDraft, Recusal
from minsheng.workflow.services.context import Ctx

RECUSAL_RULE = "C-RECUSAL"  # rules.yaml constraints: Art. 28(3)


def is_recused(petition_id: int, user: Any) -> bool:
    if user is None or not getattr(user, "pk", None):
        return False
    return Recusal.objects.filter(petition_id=petition_id, user_id=user.pk).exists()


def ensure_not_recused(petition_id: int, user: Any) -> None:
    """The one guard, called by the engine for every staff action on a petition."""
    if is_recused(petition_id, user):
        raise Forbidden(
            _(
                "您已就本信访事项声明回避（条例第二十八条第三款），不能再办理此事项；请机关负责人另行指定承办人。"
            ),
            code="recused",
            field="actor",
        )


def ensure_assignable(petition_id: int, user_id: int, field_name: str) -> None:
    """A recused person cannot be made the petition's caseworker."""
    if Recusal.objects.filter(petition_id=petition_id, user_id=user_id).exists():
        raise InvalidInput(
            _("该人员已就本信访事项声明回避（条例第二十八条第三款），不能指定为承办人。"), field=field_name
        )


def h_declare_conflict(ctx: Ctx) -> None:
    """声明回避: recorded with the reason; a caseworker so declaring is released from the petition
    and any draft opinion of his awaiting signature is withdrawn."""
    reason = ctx.text("reason", max_length=2000)
    petition = ctx.petition
    assert ctx.actor is not None
    recusal = Recusal.objects.create(
        petition=petition,
        user=ctx.actor,
        organ=ctx.organ,
        role=ctx.role,
        reason=reason,
        declared_at=ctx.now,
    )
    released = petition.caseworker_id == ctx.actor.pk
    if released:
        petition.caseworker = None
    withdrawn = OpinionDraft.objects.filter(
        petition=petition, status=OpinionDraft.Status.PENDING, drafted_by=ctx.actor
    ).update(status=OpinionDraft.Status.SUPERSEDED)
    ctx.event_data.update(
        {
            "recusal_id": recusal.pk,
            "reason": reason,
            "article": "条例第二十八条第三款",
            "caseworker_released": released,
            "drafts_withdrawn": withdrawn,
        }
    )
    organ_id = petition.current_organ_id
    ctx.after_commit.append(lambda: outbox_notify_organ(petition.pk, organ_id, "recusal", heads_only=True))
