"""Revoke a user's API tokens when the password changes, a post ends or the account is deactivated.

The token binding (minsheng.orgs.tokens) refuses such tokens anyway; these receivers revoke them
at once and record why.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from minsheng.orgs.models import StaffMembership
from minsheng.orgs.tokens import Reason, revoke_tokens

User = get_user_model()


@receiver(pre_save, sender=User, dispatch_uid="minsheng.orgs.user_pre_save")
def _user_pre_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    old = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    reasons: list[str] = []
    if old is not None:
        if old["password"] != instance.password:
            reasons.append(Reason.PASSWORD_CHANGED)
        if old["is_active"] and not instance.is_active:
            reasons.append(Reason.USER_DEACTIVATED)
    instance._minsheng_revoke = reasons


@receiver(post_save, sender=User, dispatch_uid="minsheng.orgs.user_post_save")
def _user_post_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    reasons: list[str] = getattr(instance, "_minsheng_revoke", [])
    instance._minsheng_revoke = []
    for reason in reasons:
        revoke_tokens(instance, reason)


@receiver(pre_save, sender=StaffMembership, dispatch_uid="minsheng.orgs.membership_pre_save")
def _membership_pre_save(sender: Any, instance: StaffMembership, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    old = StaffMembership.objects.filter(pk=instance.pk).values("user_id", "organ_id", "role").first()
    if old is not None and (old["organ_id"], old["role"]) != (instance.organ_id, instance.role):
        _revoke_by_id(old["user_id"], Reason.POST_CHANGED)


@receiver(post_delete, sender=StaffMembership, dispatch_uid="minsheng.orgs.membership_post_delete")
def _membership_post_delete(sender: Any, instance: StaffMembership, **kwargs: Any) -> None:
    origin = kwargs.get("origin")
    origin_model = getattr(origin, "model", None) or type(origin)
    if origin_model is User:
        return  # the account itself is being deleted: its tokens go with it
    _revoke_by_id(instance.user_id, Reason.POST_ENDED)


def _revoke_by_id(user_id: int, reason: str) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        revoke_tokens(user, reason)
