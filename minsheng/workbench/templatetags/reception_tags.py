"""The 包案 and reception panel of the workbench petition page."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import AbstractBaseUser

from minsheng.orgs.models import Role
from minsheng.orgs.selectors import memberships_of
from minsheng.reception.selectors import active_ownership, reception_of
from minsheng.reception.services import DEFAULT_BAOAN_DUTIES

register = template.Library()


@register.inclusion_tag("workbench/_baoan.html")
def baoan_panel(petition: Any, user: AbstractBaseUser) -> dict[str, Any]:
    # No query for the usual petition: 包案 always sets leader_in_charge, receptions are visits.
    ownership = active_ownership(petition) if petition.leader_in_charge_id else None
    reception = reception_of(petition) if petition.channel == "visit" else None
    leader: Any = reception.receiving_leader if reception else None
    is_leader = any(m.role == Role.LEADER for m in memberships_of(user))
    return {
        "petition": petition,
        "ownership": ownership,
        "reception": reception,
        "reception_leader": (leader.get_full_name() or leader.get_username()) if leader else "",
        "can_take": is_leader and (ownership is None or ownership.leader_id != user.pk),
        "duties": DEFAULT_BAOAN_DUTIES,
    }
