"""Social-stability risk assessment of major decisions (稳评, ACCOUNTABILITY.md §9) and
consistency flags (一碗水端平): alike concluded petitions with opposite outcomes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DecisionKind(models.TextChoices):
    LAND = "land", _("征收土地")
    DEMOLITION = "demolition", _("房屋征收拆迁")
    PRICE = "price", _("价格调整")
    SCHOOL_ZONING = "school_zoning", _("学区划分调整")
    PROJECT = "project", _("重大建设项目")
    POLICY = "policy", _("重大公共政策")
    OTHER = "other", _("其他重大事项")


class RiskLevel(models.TextChoices):
    """发改稳评2012 Art. 4 [S]; accountability_rules.yaml stability_assessment.risk_levels."""

    HIGH = "high", _("高风险")
    MEDIUM = "medium", _("中风险")
    LOW = "low", _("低风险")


class Dimension(models.TextChoices):
    LEGALITY = "legality", _("合法性")
    REASONABLENESS = "reasonableness", _("合理性")
    FEASIBILITY = "feasibility", _("可行性")
    CONTROLLABILITY = "controllability", _("可控性")


class MajorDecision(models.Model):
    class Status(models.TextChoices):
        ASSESSING = "assessing", _("评估中")
        DECIDED = "decided", _("已决策")

    class Outcome(models.TextChoices):
        """决策条例 Arts. 24, 30; A-093 step 9."""

        IMPLEMENT = "implement", _("实施")
        IMPLEMENT_ADJUSTED = "implement_adjusted", _("调整后实施")
        POSTPONE = "postpone", _("暂缓实施")
        REJECT = "reject", _("不实施")

    title = models.CharField(_("决策事项"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=DecisionKind.choices)
    organ = models.ForeignKey(
        "orgs.Organ", on_delete=models.PROTECT, related_name="+", verbose_name=_("决策机关")
    )
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("涉及地区")
    )
    place = models.CharField(_("具体地点"), max_length=200, blank=True)
    category = models.ForeignKey(
        "orgs.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("涉及问题分类"),
    )
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    scope = models.TextField(_("决策内容与影响范围"))
    planned_date = models.DateField(_("拟决策日期"))
    legal_basis = models.TextField(_("法律依据"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ASSESSING)
    risk_level = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices, blank=True)
    risk_points = models.TextField(_("风险点"), blank=True)
    mitigations = models.TextField(_("风险防范化解措施"), blank=True)
    response_plan = models.TextField(_("处置预案"), blank=True)
    outcome = models.CharField(_("决策结果"), max_length=20, choices=Outcome.choices, blank=True)
    decision_note = models.TextField(_("决策意见"), blank=True)
    dissent = models.TextField(_("不同意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("决策时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("重大决策社会稳定风险评估")
        verbose_name_plural = _("重大决策社会稳定风险评估")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="decided")
                | (Q(decided_at__isnull=False) & ~Q(outcome="") & ~Q(risk_level="")),
                name="decision_decided_complete",
            ),
            # a high risk never leads straight to implementation.
            models.CheckConstraint(
                condition=~Q(risk_level="high", outcome__in=["implement", "implement_adjusted"]),
                name="decision_high_risk_not_implemented",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Consultation(models.Model):
    """充分听取意见 (A-093 step 4; 决策条例 Art. 23)."""

    class Method(models.TextChoices):
        NOTICE = "notice", _("公示")
        SURVEY = "survey", _("问卷调查")
        POLL = "poll", _("民意测验")
        MEETING = "meeting", _("座谈走访")
        HEARING = "hearing", _("听证会")
        OPINION = "opinion", _("舆情跟踪")
        EXPERTS = "experts", _("专家论证")

    decision = models.ForeignKey(MajorDecision, on_delete=models.CASCADE, related_name="consultations")
    method = models.CharField(_("方式"), max_length=12, choices=Method.choices)
    held_on = models.DateField(_("日期"))
    participants = models.CharField(_("参加对象"), max_length=300)
    summary = models.TextField(_("主要意见"))
    adoption = models.TextField(_("采纳情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_on", "pk"]


class DimensionFinding(models.Model):
    class Rating(models.TextChoices):
        SOUND = "sound", _("符合")
        CONCERN = "concern", _("存在问题")
        SERIOUS = "serious", _("存在重大问题")

    decision = models.ForeignKey(MajorDecision, on_delete=models.CASCADE, related_name="findings")
    dimension = models.CharField(_("维度"), max_length=16, choices=Dimension.choices)
    findings = models.TextField(_("分析论证"))
    rating = models.CharField(_("结论"), max_length=8, choices=Rating.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "dimension"], name="finding_one_per_dimension")
        ]


class DecisionPetition(models.Model):
    """A petition on the decision's place and topic: evidence before, or what happened after."""

    class Phase(models.TextChoices):
        BEFORE = "before", _("决策前")
        AFTER = "after", _("决策后")

    decision = models.ForeignKey(MajorDecision, on_delete=models.CASCADE, related_name="petition_links")
    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="+")
    phase = models.CharField(max_length=8, choices=Phase.choices)
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["decision", "petition"], name="decision_petition_unique")
        ]


class StabilityLog(models.Model):
    """Append-only audit of assessments and consistency flags."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32)
    decision = models.ForeignKey(
        MajorDecision, null=True, blank=True, on_delete=models.CASCADE, related_name="log"
    )
    flag = models.ForeignKey(
        "ConsistencyFlag", null=True, blank=True, on_delete=models.CASCADE, related_name="log"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("the stability log is append-only")
        super().save(*args, **kwargs)


class ConsistencyFlag(models.Model):
    """Two concluded petitions alike in category, place and facts whose outcomes oppose."""

    class Status(models.TextChoices):
        OPEN = "open", _("待核查")
        EXPLAINED = "explained", _("已说明")
        CORRECTION = "correction", _("已要求纠正")

    first = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="+")
    similarity = models.FloatField(_("相似度"))
    first_outcome = models.CharField(max_length=16)
    second_outcome = models.CharField(max_length=16)
    detected_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    reason = models.TextField(_("说明或纠正要求"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-similarity", "pk"]
        verbose_name = _("同案不同处理提示")
        verbose_name_plural = _("同案不同处理提示")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="consistency_pair_unique"),
            models.CheckConstraint(condition=Q(first__lt=F("second")), name="consistency_pair_ordered"),
            models.CheckConstraint(
                condition=Q(status="open") | (~Q(reason="") & Q(resolved_at__isnull=False)),
                name="consistency_resolution_has_reason",
            ),
        ]
