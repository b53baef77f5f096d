"""Small presentation helpers for the workbench templates."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def countdown(days_left: int | None) -> str:
    """'还剩 3 天' / '今日到期' / '超期 2 天'."""
    if days_left is None:
        return ""
    if days_left == 0:
        return _("今日到期")
    if days_left < 0:
        n = -days_left
        return ngettext("超期 %(n)d 天", "超期 %(n)d 天", n) % {"n": n}
    return ngettext("还剩 %(n)d 天", "还剩 %(n)d 天", days_left) % {"n": days_left}


@register.filter
def state_tone(state: str) -> str:
    """A colour family per group of states (for the state badge)."""
    if state in ("registered", "received", "bureau_triage", "reported_for_decision"):
        return "intake"
    if state in (
        "forwarded",
        "assigned",
        "organ_received",
        "returned",
        "objection_pending",
        "jurisdiction_dispute",
    ):
        return "routing"
    if state in ("accepted", "in_handling", "simplified_handling", "hearing", "mediation", "extended"):
        return "handling"
    if state in ("concluded", "delivered", "review_concluded", "recheck_concluded"):
        return "answered"
    if state in ("review_requested", "recheck_requested", "recheck_hearing"):
        return "appeal"
    return "closed"


@register.simple_tag
def field_id(action: str, name: str) -> str:
    return f"f-{action}-{name}"


@register.filter
def contains(values: Any, item: Any) -> bool:
    try:
        return str(item) in [str(v) for v in values]
    except TypeError:
        return False
