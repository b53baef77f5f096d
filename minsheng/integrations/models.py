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

from minsheng.core.crypto import EncryptedTextField


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
    # Scope on /api/v1 (minsheng.integrations.scopes): set with `minsheng open311-key NAME --scope`.
    api_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="integration",
        editable=False,
        help_text="the service account the key acts as on /api/v1 (no password, no workbench)",
    )
    scope_organs = models.ManyToManyField(
        "orgs.Organ", blank=True, related_name="+", verbose_name=_("可访问的机关")
    )
    scope_role = models.CharField(_("岗位"), max_length=16, blank=True)
    scope_actions = models.JSONField(_("可执行的操作"), default=list, blank=True)

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
        SCOPE_CHANGED = "scope_changed", _("变更授权范围")

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


class WebhookSubscription(models.Model):
    """An integration's endpoint and the events it wants (Standard Webhooks signing)."""

    class Event(models.TextChoices):
        REGISTERED = "petition.registered", _("登记")
        ROUTED = "petition.routed", _("转送交办")
        ACCEPTED = "petition.accepted", _("受理")
        OPINION_ISSUED = "petition.opinion_issued", _("出具处理意见")
        DELIVERED = "petition.delivered", _("送达")
        RATED = "petition.rated", _("评价")
        APPEALED = "petition.appealed", _("请求复查复核")
        OVERDUE = "petition.overdue", _("超期")
        SUPERVISED = "petition.supervised", _("督办")

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="subscriptions")
    url = models.URLField(_("接收地址"), max_length=500)
    secret = EncryptedTextField(help_text="whsec_<base64>: the signing secret (encrypted at rest)")
    events = models.JSONField(_("事件"), default=list, help_text=_("空表示全部事件。"))
    is_active = models.BooleanField(_("启用"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    disabled_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    disabled_reason = models.CharField(_("停用原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        ordering = ["integration", "pk"]
        verbose_name = _("网络钩子订阅")
        verbose_name_plural = _("网络钩子订阅")

    def __str__(self) -> str:
        return f"{self.integration} → {self.url}"

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


class WebhookAttempt(models.Model):
    """The delivery log: one row per attempt to send an outbox message to a subscription."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="attempts")
    message = models.ForeignKey(
        "notifications.OutboxMessage", on_delete=models.CASCADE, related_name="webhook_attempts"
    )
    event = models.CharField(_("事件"), max_length=40)
    attempt = models.PositiveSmallIntegerField(_("第几次"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    ok = models.BooleanField(_("成功"), default=False)
    status_code = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
