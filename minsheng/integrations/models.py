"""Integrations: other systems that file petitions through Open311 and follow them by webhook.

An integration holds one API key, stored only as a SHA-256 hash (the key is random and long, so a
fast hash suffices); the key is shown once, when it is created. Every change of an integration
(key created or revoked, subscription added, disabled) is written to ``IntegrationEvent``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Integration(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    key_prefix = models.CharField(_("密钥前缀"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    personal_data = models.BooleanField(
        _("可接收个人信息"),
        default=False,
        help_text=_("网络钩子的消息是否可以包含信访人的个人信息（默认不包含）。"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("对外接口")
        verbose_name_plural = _("对外接口")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IntegrationEvent(models.Model):
    """Audit trail of integrations (append-only)."""

    class Kind(models.TextChoices):
        KEY_CREATED = "key_created", _("创建密钥")
        KEY_REVOKED = "key_revoked", _("吊销密钥")
        SUBSCRIPTION_CREATED = "subscription_created", _("新增订阅")
        SUBSCRIPTION_DISABLED = "subscription_disabled", _("停用订阅")
        SUBSCRIPTION_ENABLED = "subscription_enabled", _("启用订阅")
        DELIVERY_REPLAYED = "delivery_replayed", _("重发消息")

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("接口日志")
        verbose_name_plural = _("接口日志")


class Open311Submission(models.Model):
    """A petition registered through Open311 ``POST requests``: who sent it, and its token."""

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="submissions")
    petition = models.OneToOneField(
        "petitions.Petition", on_delete=models.CASCADE, related_name="open311_submission"
    )
    token = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Open311提交")
        verbose_name_plural = _("Open311提交")
