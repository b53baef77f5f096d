"""Scoped integration keys on the staff API (/api/v1): which organs' petitions, which actions,
whether personal data (docs/api.md "Integration keys").

An integration with a scope acts on /api/v1 as its own service account: a user without a password
(no workbench, no token) holding one post of ``scope_role`` in each organ of ``scope_organs``.
Everything the API reads therefore goes through the same visibility rules as staff (organ scope,
ADR 0006: for the accused side an accusation does not exist). On top of that:

- only the actions in ``scope_actions`` (``register`` for registration), whatever the role allows;
- the petitioner is hidden unless ``personal_data`` — and always for an accusation (an integration
  never sees an accuser), with no attachments either;
- the audit trail names the service account (``integration-<id>``) on every event it causes.

Every change of a scope is written to ``IntegrationEvent`` (``scope_changed``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from minsheng.core.errors import Forbidden, InvalidInput, NotFound
from minsheng.integrations.models import Integration, IntegrationEvent
from minsheng.orgs.models import Organ, Role, StaffMembership
from minsheng.petitions.models import Nature, Petition

# Roles a key may hold: case handling posts. Oversight, analysis and administration stay with people.
SCOPE_ROLES = (Role.REGISTRAR, Role.DISPATCHER, Role.CASEWORKER)
REGISTER = "register"


def _known_actions() -> set[str]:
    from minsheng.workflow.services import TRANSITIONS

    return set(TRANSITIONS)


def integration_set_scope(
    integration_id: int,
    *,
    organ_codes: Iterable[str],
    role: str,
    actions: Iterable[str],
    personal_data: bool,
    actor: AbstractBaseUser | None = None,
) -> Integration:
    """Give the integration's key this scope on /api/v1 (replacing the previous one; audited)."""
    codes = sorted({c.strip() for c in organ_codes if c.strip()})
    wanted = sorted({a.strip() for a in actions if a.strip()})
    if role not in SCOPE_ROLES:
        raise InvalidInput(_("岗位只能是登记人员、转送交办人员或承办人。"), field="role")
    if not codes:
        raise InvalidInput(_("请至少指定一个机关。"), field="organs")
    organs = list(Organ.objects.filter(code__in=codes, is_active=True))
    missing = sorted(set(codes) - {o.code for o in organs})
    if missing:
        raise InvalidInput(_("没有这个机关：%(c)s") % {"c": ", ".join(missing)}, field="organs")
    unknown = sorted(set(wanted) - _known_actions())
    if unknown:
        raise InvalidInput(_("没有这个操作：%(a)s") % {"a": ", ".join(unknown)}, field="actions")
    with transaction.atomic():
        integration = Integration.objects.select_for_update().filter(pk=integration_id).first()
        if integration is None:
            raise NotFound(_("没有这个接口。"))
        if not integration.is_active:
            raise InvalidInput(_("密钥已吊销，不能再授权。"), field="name")
        user = integration.api_user
        if user is None:
            user = get_user_model().objects.create(
                username=f"integration-{integration.pk}",
                first_name=integration.name[:150],
                is_staff=False,
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            integration.api_user = user
        StaffMembership.objects.filter(user=user).exclude(organ__in=organs, role=role).delete()
        for organ in organs:
            StaffMembership.objects.get_or_create(user=user, organ=organ, role=role)
        before = {
            "organs": sorted(integration.scope_organs.values_list("code", flat=True)),
            "role": integration.scope_role,
            "actions": list(integration.scope_actions),
            "personal_data": integration.personal_data,
        }
        integration.scope_role = role
        integration.scope_actions = wanted
        integration.personal_data = personal_data
        integration.save(update_fields=["api_user", "scope_role", "scope_actions", "personal_data"])
        integration.scope_organs.set(organs)
        IntegrationEvent.objects.create(
            integration=integration,
            kind=IntegrationEvent.Kind.SCOPE_CHANGED,
            actor_id=actor.pk if actor is not None else None,
            detail={
                "before": before,
                "after": {"organs": codes, "role": role, "actions": wanted, "personal_data": personal_data},
            },
        )
    return integration


def api_integration_authenticate(key: str) -> Integration | None:
    """The active integration with a scope for this key (None: unknown, revoked or no scope)."""
    from minsheng.integrations.keys import integration_authenticate

    integration = integration_authenticate(key)
    if integration is None or integration.api_user_id is None:
        return None
    return integration


def integration_allows(integration: Integration, action: str) -> bool:
    """Whether the action (``register`` for registration) is in the key's scope."""
    return action in integration.scope_actions


def integration_may(integration: Integration, action: str) -> None:
    """Forbidden unless the action is in the key's scope — asked before any petition is looked at,
    so the answer is the same whatever petition the key names (no oracle)."""
    if not integration_allows(integration, action):
        raise Forbidden(_("此接口密钥无权执行“%(a)s”。") % {"a": action}, code="scope_forbidden")


def integration_sees_petitioner(integration: Integration, petition: Petition) -> bool:
    """Whether the key may see the petitioner (masked, as its post allows) and the attachments."""
    return integration.personal_data and petition.nature != Nature.ACCUSATION
