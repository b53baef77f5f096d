"""Reply quality advice on a drafted opinion (答复质量提示): runs the pure checks of
:mod:`minsheng.intelligence.nlp.reply_check` against the petition and its open opinion deadline
and words the findings for staff. Read-only and never blocking: a draft with findings can still be
submitted and signed (the drafter and the signer decide)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from minsheng.intelligence.nlp.reply_check import (
    COMPLETENESS,
    RELEVANCE,
    STOCK,
    TIMELINESS,
    Finding,
    PetitionText,
    ReplyDraft,
    check_reply,
)

__all__ = ["OPINION_DEADLINE_RULES", "Advice", "AdviceItem", "opinion_deadline", "reply_advice"]

logger = logging.getLogger(__name__)

#: the deadlines by which an opinion must be issued (ordinary, simplified, review, recheck)
OPINION_DEADLINE_RULES = ("D-HANDLE-60", "D-SIMPLE-HANDLE-10WD", "D-REVIEW-30", "D-RECHECK-30")


@dataclass(frozen=True)
class AdviceItem:
    check: str
    code: str
    message: str


@dataclass(frozen=True)
class Advice:
    items: list[AdviceItem] = field(default_factory=list)
    due: dt.date | None = None
    checked: bool = True  # False: the draft is empty, nothing was checked

    @property
    def clean(self) -> bool:
        return self.checked and not self.items


def _check_label(check: str) -> str:
    return {
        RELEVANCE: _("针对性"),
        COMPLETENESS: _("要素完整"),
        TIMELINESS: _("时限"),
        STOCK: _("套话"),
    }.get(check, check)


def _message(f: Finding) -> str:
    terms = "、".join(f.terms)
    if f.code == "off_topic":
        if terms:
            return _("答复几乎没有提及信访人反映的事项（如：%(terms)s），请确认是否回应了诉求。") % {
                "terms": terms
            }
        return _("答复几乎没有提及信访人反映的事项，请确认是否回应了诉求。")
    if f.code == "stock_only":
        return _("答复主要由套话组成（%(terms)s），没有说明查明的情况和处理结果。") % {
            "terms": terms or _("收悉、转办、感谢等")
        }
    if f.code == "missing_facts":
        return _("未写明查明的事实（如经调查核实的情况、时间、数量）。")
    if f.code == "missing_reasons":
        return _("未说明理由（为什么支持或不支持，依据什么情况作出）。")
    if f.code == "missing_basis":
        return _("未写明可查证的法律法规或政策依据（文件名称、条款或文号）；“根据有关规定”不足以作为依据。")
    if f.code == "overdue":
        return ngettext(
            "已超过办理期限 %(n)d 天，请尽快签发并说明超期原因。",
            "已超过办理期限 %(n)d 天，请尽快签发并说明超期原因。",
            f.days or 0,
        ) % {"n": f.days or 0}
    if f.code == "due_soon":
        if not f.days:
            return _("今天是办理期限的最后一天。")
        return ngettext(
            "距办理期限还有 %(n)d 天，请留出签发和送达的时间。",
            "距办理期限还有 %(n)d 天，请留出签发和送达的时间。",
            f.days,
        ) % {"n": f.days}
    return f.code


def opinion_deadline(petition: Any) -> dt.date | None:
    """The earliest open statutory due date of the petition's opinion deadlines, if any."""
    from minsheng.workflow.models import Deadline

    due: dt.date | None = (
        Deadline.objects.filter(
            petition=petition, rule__in=OPINION_DEADLINE_RULES, status=Deadline.Status.OPEN
        )
        .order_by("statutory_due")
        .values_list("statutory_due", flat=True)
        .first()
    )
    return due


def reply_advice(petition: Any, fields: Mapping[str, Any] | Any, *, day: dt.date | None = None) -> Advice:
    """Advice on a draft opinion of ``petition``. ``fields`` is a mapping (form values, the working
    draft) or an object with ``facts_and_reasons`` / ``opinion`` / ``legal_basis`` (an OpinionDraft).
    ``day``: when it would go out (default today). An empty draft is not checked."""

    def get(name: str) -> str:
        value = fields.get(name, "") if isinstance(fields, Mapping) else getattr(fields, name, "")
        return str(value or "").strip()

    draft = ReplyDraft(
        opinion=get("opinion"), facts_and_reasons=get("facts_and_reasons"), legal_basis=get("legal_basis")
    )
    due = opinion_deadline(petition) if getattr(petition, "pk", None) else None
    if not draft.text.strip():
        return Advice(items=[], due=due, checked=False)
    text = PetitionText(
        title=petition.title or "",
        request="\n".join(p for p in (petition.request or "", getattr(petition, "facts", "") or "") if p),
    )
    try:
        result = check_reply(text, draft, day=day or timezone.localdate(), due=due)
    except Exception:  # advice must never stop the work it advises on
        logger.warning("reply check failed for petition %s", getattr(petition, "pk", None), exc_info=True)
        return Advice(items=[], due=due, checked=False)
    items = [AdviceItem(f.check, f.code, f"{_check_label(f.check)}：{_message(f)}") for f in result.findings]
    return Advice(items=items, due=due)
