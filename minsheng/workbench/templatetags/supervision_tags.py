"""Template tags for supervision orders on the case page (status, feedback due tone, answer form)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def supervision_order_row(order: Any, user: Any) -> dict[str, Any]:
    """The order as the 督办单 page shows it: status, countdown, tone, whether ``user`` may answer."""
    from minsheng.workbench.supervision_views import order_row

    return order_row(user, order)
