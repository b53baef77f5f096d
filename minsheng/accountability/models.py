"""Who answers for what (ACCOUNTABILITY.md A-001, A-003): leaders, their portfolios over time, the
measures of Art. 39(3) proposed to supervisors, veto events, and the audit log of all of them."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Leader(models.Model):
    """A member of an organ's leadership team (领导班子成员). Not every leader has an account, so the
    account is optional; a leader's name is not personal data of a petitioner."""

    name = models.CharField(_("姓名"), max_length=40)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leader_profile",
        verbose_name=_("系统账号"),
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("领导干部")
        verbose_name_plural = _("领导干部")

    def __str__(self) -> str:
        return self.name


class LeaderRole(models.TextChoices):
    """A-003 (北京市信访条例 Art. 6): 主要负责人负总责，主管负责人负主管责任，其他负责人负分管责任."""

    CHIEF = "chief", _("总责")
    COMPETENT = "competent", _("主管")
    PORTFOLIO = "portfolio", _("分管")


class Portfolio(models.Model):
    """One leader's responsibility in one organ for a span of days (valid_from … valid_to, both
    inclusive; valid_to empty = still in office). A 分管 portfolio covers categories and/or regions
    (empty = all of the organ's work). Rows are never deleted: a change of leader ends one row and
    starts another, so the chain of any past day can be named (A-003 temporal rule)."""

    Role = LeaderRole

    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="portfolios")
    leader = models.ForeignKey(Leader, on_delete=models.PROTECT, related_name="portfolios")
    role = models.CharField(_("责任"), max_length=10, choices=LeaderRole.choices)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    categories = models.ManyToManyField(
        "orgs.Category", blank=True, related_name="+", verbose_name=_("分管内容分类")
    )
    regions = models.ManyToManyField("orgs.Region", blank=True, related_name="+", verbose_name=_("分管地区"))
    valid_from = models.DateField(_("起始日"))
    valid_to = models.DateField(_("截止日"), null=True, blank=True, help_text=_("含当日；空表示仍在任"))
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organ_id", "role", "valid_from", "pk"]
        verbose_name = _("领导分工")
        verbose_name_plural = _("领导分工")
        indexes = [models.Index(fields=["organ", "role", "valid_from"], name="portfolio_organ_role_from")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="portfolio_to_after_from",
            ),
            models.CheckConstraint(condition=Q(role__in=LeaderRole.values), name="portfolio_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.organ} {self.get_role_display()} {self.leader}"


class Proposal(models.Model):
    """A measure of Art. 39(3) that the system proposes when an organ's indicators fall below the
    configured thresholds; a supervisor decides (A-010: proposes, never imposes)."""

    class Measure(models.TextChoices):
        INTERVIEW = "interview", _("约谈")
        CIRCULAR = "circular", _("通报")
        LISTED = "listed", _("挂牌督办")

    class Status(models.TextChoices):
        OPEN = "open", _("待决定")
        ACCEPTED = "accepted", _("已采纳")
        DISMISSED = "dismissed", _("不采纳")

    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="+")
    period_from = models.DateField()
    period_to = models.DateField()
    measure = models.CharField(_("措施"), max_length=10, choices=Measure.choices)
    figures = models.JSONField(_("依据指标"), default=list, encoder=DjangoJSONEncoder)
    chain = models.JSONField(_("责任链"), default=list, encoder=DjangoJSONEncoder, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    computed_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("理由"), blank=True)
    measure_record = models.ForeignKey(
        "accountability.Measure", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-computed_at", "pk"]
        verbose_name = _("问责措施建议")
        verbose_name_plural = _("问责措施建议")
        constraints = [
            models.UniqueConstraint(
                fields=["organ", "period_from", "period_to", "measure"], name="proposal_one_per_period"
            ),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(reason=""), name="proposal_dismissal_has_reason"
            ),
        ]


class Measure(models.Model):
    """A measure of Art. 39(3) performed against an organ's leadership (约谈, 通报, 挂牌督办),
    naming the leaders of the chain valid on the day it was taken, with its rectification deadline
    and written feedback. A petition may be attached (a measure taken on one case)."""

    Kind = Proposal.Measure

    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("措施"), max_length=10, choices=Proposal.Measure.choices)
    petition = models.ForeignKey(
        "petitions.Petition", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    taken_on = models.DateField(_("日期"))
    leaders = models.JSONField(_("被约谈/通报的领导"), default=list, encoder=DjangoJSONEncoder)
    text = models.TextField(_("内容"))
    rectify_by = models.DateField(_("整改/反馈期限"), null=True, blank=True)
    feedback = models.TextField(_("书面反馈"), blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    feedback_late = models.BooleanField(default=False)
    delisted_at = models.DateTimeField(_("摘牌时间"), null=True, blank=True)
    delisting_evidence = models.TextField(_("摘牌依据"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-taken_on", "-pk"]
        verbose_name = _("约谈、通报、挂牌督办")
        verbose_name_plural = _("约谈、通报、挂牌督办")


class VetoEvent(models.Model):
    """一票否决 event (A-053): recorded with its evidence against an organ and a period. It affects
    the ranking only when the deployment enabled the rule with its legal basis."""

    class Ground(models.TextChoices):
        """accountability_rules.yaml veto.candidate_triggers (V-46-3, V-46-4, V-46-6, V-ZRZ-11,
        V-ZZ). ``leak`` (Art. 46(5)) is not among them: kept to read records made before, refused
        for new ones (veto.VETO_GROUNDS)."""

        MASS_INCIDENT = (
            "mass_incident",
            _("规模性集体访、负面舆情处置不力，导致事态扩大（条例第四十六条第三项）"),
        )
        URGENT_LATE = (
            "urgent_late",
            _("重大紧急信访事项和信息隐瞒、谎报、缓报或未及时采取措施（条例第四十六条第四项）"),
        )
        RETALIATION = "retaliation", _("打击报复信访人（条例第四十六条第六项）")
        ACCOUNTABILITY = "accountability", _("已依责任制办法追究责任的情形（信访工作责任制实施办法第十一条）")
        PUBLIC_SECURITY = "public_security", _("平安建设（社会治安综合治理）一票否决")
        LEAK = "leak", _("泄露检举揭发材料（条例第四十六条第五项；旧记录）")

    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="+")
    period_from = models.DateField()
    period_to = models.DateField()
    ground = models.CharField(_("事由"), max_length=16, choices=Ground.choices)
    evidence = models.TextField(_("证据"))
    # V-46-3/4/6 require 造成严重后果: what the consequence was, stated with the event.
    serious_consequence = models.TextField(_("造成的严重后果"), blank=True)
    evidence_petitions = models.ManyToManyField("petitions.Petition", blank=True, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "pk"]
        verbose_name = _("一票否决事件")
        verbose_name_plural = _("一票否决事件")
        constraints = [
            models.CheckConstraint(condition=~Q(evidence=""), name="veto_evidence_required"),
            models.CheckConstraint(
                condition=Q(period_to__gte=models.F("period_from")), name="veto_period_valid"
            ),
        ]


class AuditEntry(models.Model):
    """Append-only log of every change in this app (who, when, what, before/after)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=40)
    organ = models.ForeignKey(
        "orgs.Organ", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("问责审计记录")
        verbose_name_plural = _("问责审计记录")
