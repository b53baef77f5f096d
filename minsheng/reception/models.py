"""Leader reception (领导接访), appointments, 包案 and 下访 (条例2022 Art. 18; ACCOUNTABILITY.md §8).

A reception day is published by an organ ahead of time (A-082); citizens book online, staff
register walk-ins on the day, and every matter received is registered as a petition (channel
``visit``) through ``petition_register``. The appointment row is the reception record linking
the petition to the receiving leader. Personal data is encrypted like the petitioner's.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.crypto import EncryptedTextField


class ReceptionForm(models.TextChoices):
    """接访意见2009 [S]; 山东信访条例 Art. 23 [T] (accountability_rules.yaml reception.forms)."""

    FIXED = "fixed", _("定点接访")
    APPOINTMENT = "appointment", _("预约接访")
    THEMATIC = "thematic", _("专题接访")
    JOINT = "joint", _("联合接访")
    VIDEO = "video", _("视频接访")


class ReceptionDay(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("未发布")
        PUBLISHED = "published", _("已发布")
        CANCELLED = "cancelled", _("已取消")

    organ = models.ForeignKey(
        "orgs.Organ", on_delete=models.PROTECT, related_name="reception_days", verbose_name=_("发布机关")
    )
    joint_organs = models.ManyToManyField(
        "orgs.Organ", blank=True, related_name="joint_reception_days", verbose_name=_("联合接访机关")
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("接访领导")
    )
    leader_post = models.CharField(_("职务"), max_length=60)
    portfolio = models.CharField(_("分管工作"), max_length=200, blank=True)
    form = models.CharField(
        _("接访形式"), max_length=16, choices=ReceptionForm.choices, default=ReceptionForm.FIXED
    )
    date = models.DateField(_("接访日期"), db_index=True)
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    place = models.CharField(_("接访地点"), max_length=200)
    topics = models.CharField(_("接访主题"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("网上预约名额"))
    booked = models.PositiveIntegerField(_("已预约"), default=0)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "start_time", "pk"]
        verbose_name = _("领导接访日")
        verbose_name_plural = _("领导接访日")
        constraints = [
            # Capacity is enforced by a compare-and-set update; the database refuses overbooking too.
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="reception_day_not_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="reception_day_times_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "cancelled"]), name="reception_day_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.leader_post} {self.place}"

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)


class Appointment(models.Model):
    """One person received on a reception day: booked online, or a walk-in registered on the day."""

    class Kind(models.TextChoices):
        ONLINE = "online", _("网上预约")
        WALK_IN = "walk_in", _("现场登记")

    class Status(models.TextChoices):
        BOOKED = "booked", _("已预约")
        REGISTERED = "registered", _("已登记为信访事项")
        CANCELLED = "cancelled", _("已取消")

    day = models.ForeignKey(ReceptionDay, on_delete=models.PROTECT, related_name="appointments")
    kind = models.CharField(_("方式"), max_length=8, choices=Kind.choices)
    code = models.CharField(_("预约码"), max_length=12, unique=True)
    name = EncryptedTextField(_("姓名"))
    phone = EncryptedTextField(_("手机号码"), blank=True)
    phone_index = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    summary = models.TextField(_("反映事项摘要"))
    # The language of the texts sent about the booking: the one the citizen booked in ("" = the
    # deployment's); carried to the petitioner when the matter is registered.
    language = models.CharField(_("通知语言"), max_length=10, blank=True, default="")
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    petition = models.OneToOneField(
        "petitions.Petition",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reception",
        verbose_name=_("信访事项"),
    )
    receiving_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("接访领导"),
    )
    registered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["day", "created_at", "pk"]
        verbose_name = _("接访预约")
        verbose_name_plural = _("接访预约")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="registered", petition__isnull=False) | ~Q(status="registered"),
                name="appointment_registered_has_petition",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class CaseOwnership(models.Model):
    """包案 (A-083): the leader accountable for resolving a petition, with the duties (四包)."""

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="ownerships")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    duties = models.JSONField(_("包案责任"), default=list)
    target_date = models.DateField(_("化解目标日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    assigned_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-assigned_at", "-pk"]
        verbose_name = _("领导包案")
        verbose_name_plural = _("领导包案")
        constraints = [
            models.UniqueConstraint(
                fields=["petition"], condition=Q(is_active=True), name="one_active_owner_per_petition"
            ),
        ]


class OutreachVisit(models.Model):
    """下访 (A-085): a leader's visit to a locality, the people met and the matters taken up."""

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("下访领导")
    )
    organ = models.ForeignKey(
        "orgs.Organ", on_delete=models.PROTECT, related_name="+", verbose_name=_("机关")
    )
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("下访地区")
    )
    place = models.CharField(_("地点"), max_length=200)
    date = models.DateField(_("日期"), db_index=True)
    people_met = models.TextField(_("接待群众"))
    outcomes = models.TextField(_("成效"), blank=True)
    petitions = models.ManyToManyField("petitions.Petition", blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("领导下访")
        verbose_name_plural = _("领导下访")


class ReceptionLog(models.Model):
    """Append-only audit of every change made here (publish, cancel, book, register, 包案, 下访)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32)
    day = models.ForeignKey(ReceptionDay, null=True, blank=True, on_delete=models.CASCADE, related_name="log")
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    petition = models.ForeignKey(
        "petitions.Petition", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("the reception log is append-only")
        super().save(*args, **kwargs)
