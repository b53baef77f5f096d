"""Spike alerts found in the weekly petition counts, and who wants to hear about them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SpikeAlert(models.Model):
    """One (ISO week × level-1 category × district) whose count is far above its recent baseline.

    ``category`` / ``region`` are NULL for the "unclassified" / "unknown district" series; the
    ``series_key`` (``"<category id or 0>:<region id or 0>"``) makes the uniqueness hold for those too
    (a UNIQUE over nullable columns would let several NULL rows in).
    """

    week = models.DateField(_("周（周一）"), db_index=True)
    category = models.ForeignKey(
        "orgs.Category",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("一级分类"),
    )
    region = models.ForeignKey(
        "orgs.Region",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("区县"),
    )
    series_key = models.CharField(max_length=40, editable=False)
    count = models.PositiveIntegerField(_("本周件数"))
    baseline = models.FloatField(_("基线周均"))
    baseline_weeks = models.PositiveSmallIntegerField(_("基线周数"), default=8)
    ratio = models.FloatField(_("倍数"), null=True, blank=True)
    p_value = models.FloatField(_("p值"))
    adjusted_p = models.FloatField(_("校正后p值"))
    alpha = models.FloatField(default=0.01)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-week", "adjusted_p", "pk"]
        verbose_name = _("异常增长预警")
        verbose_name_plural = _("异常增长预警")
        constraints = [
            models.UniqueConstraint(fields=["week", "series_key"], name="spike_alert_unique_series_week"),
            models.CheckConstraint(
                condition=Q(p_value__gte=0, p_value__lte=1), name="spike_alert_p_value_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.category_label} {self.region_label} {self.count}"

    @property
    def category_label(self) -> str:
        return self.category.name if self.category else str(_("未分类"))

    @property
    def region_label(self) -> str:
        return self.region.name if self.region else str(_("未知地区"))


def series_key(category_id: int | None, region_id: int | None) -> str:
    return f"{category_id or 0}:{region_id or 0}"


class AlertSubscription(models.Model):
    """A user's wish to be told about new spike alerts (any category/region when left empty)."""

    class Channel(models.TextChoices):
        IN_APP = "in_app", _("站内消息")
        EMAIL = "email", _("电子邮件")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_subscriptions"
    )
    category = models.ForeignKey(
        "orgs.Category",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("一级分类（空为全部）"),
    )
    region = models.ForeignKey(
        "orgs.Region",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("区县（空为全部）"),
    )
    channel = models.CharField(_("方式"), max_length=8, choices=Channel.choices, default=Channel.IN_APP)
    filter_key = models.CharField(max_length=40, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "pk"]
        verbose_name = _("预警订阅")
        verbose_name_plural = _("预警订阅")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "filter_key", "channel"], name="alert_subscription_unique"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["in_app", "email"]), name="alert_subscription_channel_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.filter_key} {self.channel}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.filter_key = series_key(self.category_id, self.region_id)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def matches(self, alert: SpikeAlert) -> bool:
        return (self.category_id is None or self.category_id == alert.category_id) and (
            self.region_id is None or self.region_id == alert.region_id
        )
