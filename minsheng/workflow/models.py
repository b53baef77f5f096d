"""Process records: timeline, deadlines, assignments, objections, decisions, extensions,
opinions, deliveries, appeals, hearings, supervision, ratings and the holiday calendar."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PetitionEvent(models.Model):
    """Append-only timeline: every state change and every fact that matters, in one table."""

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    actor_role = models.CharField(max_length=16, blank=True)
    actor_organ = models.ForeignKey(
        "orgs.Organ", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder, blank=True)
    is_public = models.BooleanField(default=True, help_text=_("shown on the petitioner's timeline"))

    class Meta:
        ordering = ["occurred_at", "pk"]
        # Every index costs each of the sweep's bulk inserts (a million breach events at once,
        # docs/figures.md): no LIKE index for the action, and none for the system's own events
        # (no actor), which are most of them.
        indexes = [
            models.Index(fields=["action"], name="event_action"),
            models.Index(fields=["actor"], name="event_actor", condition=Q(actor__isnull=False)),
            models.Index(
                fields=["actor_organ"], name="event_actor_organ", condition=Q(actor_organ__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.action} {self.from_state}->{self.to_state}"


class Deadline(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        MET = "met", _("已按期完成")
        BREACHED = "breached", _("已超期")
        WAIVED = "waived", _("依法免除")
        CANCELLED = "cancelled", _("已撤销")
        EXPIRED = "expired", _("期满（信访人未提出）")

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="deadlines")
    rule = models.CharField(max_length=32)
    organ = models.ForeignKey(
        "orgs.Organ", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start = models.DateField()
    length = models.PositiveIntegerField(null=True, blank=True)
    extra_days = models.PositiveIntegerField(default=0)
    nominal_due = models.DateField()  # open ones: deadline_open_nominal
    statutory_due = models.DateField(db_index=True)
    is_provisional = models.BooleanField(
        default=False, help_text=_("the calendar does not cover the due year yet")
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    met_at = models.DateTimeField(null=True, blank=True)
    met_late = models.BooleanField(default=False)
    due_soon_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    waived_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["statutory_due", "pk"]
        indexes = [
            models.Index(
                fields=["statutory_due"], name="deadline_open_statutory", condition=Q(status="open")
            ),
            models.Index(fields=["nominal_due"], name="deadline_open_nominal", condition=Q(status="open")),
            # The "overdue" list flag (Petition.has_overdue) looks here.
            models.Index(
                fields=["petition"],
                name="deadline_breached_unmet",
                condition=Q(status="breached", met_at=None),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "rule"], condition=Q(status="open"), name="deadline_one_open_per_rule"
            ),
            models.CheckConstraint(
                condition=Q(statutory_due__gte=models.F("nominal_due")),
                name="deadline_statutory_after_nominal",
            ),
            models.CheckConstraint(
                condition=Q(nominal_due__gte=models.F("start")), name="deadline_due_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.nominal_due}/{self.statutory_due} ({self.status})"


class Assignment(models.Model):
    """转送 / 交办 to an organ, as lead (主办) or assisting (协办) organ."""

    class Kind(models.TextChoices):
        FORWARD = "forward", _("转送")
        ASSIGN = "assign", _("交办")

    class Role(models.TextChoices):
        LEAD = "lead", _("主办")
        ASSISTING = "assisting", _("协办")

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="assignments")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.LEAD)
    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="assignments")
    from_organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_due = models.DateField(null=True, blank=True, help_text=_("交办：指定办理期限"))
    instructions = models.TextField(blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    contribution = models.TextField(_("协办意见"), blank=True)
    completion_report = models.TextField(_("办结报告"), blank=True)
    completion_reported_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="forward") | Q(assigned_due__isnull=False), name="assignment_assign_has_due"
            ),
        ]


class Objection(models.Model):
    """Art. 23(3): an organ's objection that a forwarded item is not within its competence."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待核实")
        AGREED = "agreed", _("同意交还")
        REJECTED = "rejected", _("不同意")

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="objections")
    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField()
    suggested_organ = models.ForeignKey(
        "orgs.Organ", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(reasons=""), name="objection_reasons_required")]


class Decision(models.Model):
    """Acceptance (受理) or non-acceptance (不予/不再受理) with its reasons and notice."""

    class Kind(models.TextChoices):
        ACCEPT = "accept", _("受理")
        NOT_ACCEPT = "not_accept", _("不予受理")
        REFER = "refer", _("告知向有权机关提出")

    class Reason(models.TextChoices):
        DUPLICATE_IN_PROGRESS = "duplicate_in_progress", _("同一事项已受理或正在办理（第十九条第三款）")
        FINAL_AFTER_RECHECK = "final_after_recheck", _("复核后以同一事实和理由再次提出（第三十六条第三款）")
        YUEJI = "yueji", _("越级走访（逐级走访办法）")
        LATE_REVIEW_REQUEST = "late_review_request", _("无正当理由超过复查复核申请期限")
        OUT_OF_SCOPE = "out_of_scope", _("不属于信访受理范围，应通过法定途径解决")
        REPRESENTATIVES = "representatives", _("经劝告仍不按规定推选代表")
        OTHER = "other", _("其他")

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason = models.CharField(max_length=24, choices=Reason.choices, blank=True)
    explanation = models.TextField(blank=True)
    guidance_organ = models.ForeignKey(
        "orgs.Organ", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notice_number = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="accept") | ~Q(reason=""), name="decision_refusal_has_reason"
            ),
        ]


class Extension(models.Model):
    """Art. 34: approved only by the organ head, ≤ 30 days in total, effective once the petitioner is told."""

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField()
    reason = models.TextField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True, help_text=_("petitioner told the reason"))
    is_effective = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(days__gte=1, days__lte=30), name="extension_days_1_30"),
            models.CheckConstraint(condition=~Q(reason=""), name="extension_reason_required"),
            models.CheckConstraint(
                condition=Q(is_effective=False) | Q(notified_at__isnull=False),
                name="extension_effective_needs_notice",
            ),
        ]


class Opinion(models.Model):
    """信访处理意见书 / 复查意见书 / 复核意见书 (Art. 32, 35, 36)."""

    class Stage(models.TextChoices):
        HANDLING = "handling", _("信访处理意见书")
        REVIEW = "review", _("复查意见书")
        RECHECK = "recheck", _("复核意见书")
        SUGGESTION_REPLY = "suggestion_reply", _("建议意见回复")
        SIMPLIFIED = "simplified", _("简易办理答复")
        DUTY = "duty", _("履职答复")

    class Outcome(models.TextChoices):
        SUPPORT = "support", _("予以支持")
        PARTIAL_SUPPORT = "partial_support", _("部分支持")
        EXPLAIN = "explain", _("解释说明")
        NOT_SUPPORT = "not_support", _("不予支持")
        ADOPTED = "adopted", _("采纳")
        PARTLY_ADOPTED = "partly_adopted", _("部分采纳")
        NOT_ADOPTED = "not_adopted", _("未采纳")
        UPHELD = "upheld", _("维持原处理意见")
        CHANGED = "changed", _("变更原处理意见")
        REVOKED = "revoked", _("撤销原处理意见")

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="opinions")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=40, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    request = models.TextField(_("信访人投诉请求"))
    facts_and_reasons = models.TextField(_("事实和理由"))
    opinion = models.TextField(_("处理意见"))
    legal_basis = models.TextField(_("法律法规依据"), blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # 签发: who signed the opinion off (the organ head or a delegate) and when; the date of issue.
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["issued_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(stage__in=["handling", "review", "recheck"]) | ~Q(legal_basis=""),
                name="opinion_legal_basis_required",
            ),
        ]


class OpinionDraft(models.Model):
    """A handling opinion drafted by the caseworker, awaiting the signature (签发) of the organ head
    or a delegate (Organ.signoff_delegates); the Opinion exists only once it is signed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待签发")
        SIGNED = "signed", _("已签发")
        RETURNED = "returned", _("已退回")
        SUPERSEDED = "superseded", _("已重新起草")

    petition = models.ForeignKey(
        "petitions.Petition", on_delete=models.CASCADE, related_name="opinion_drafts"
    )
    stage = models.CharField(max_length=20, choices=Opinion.Stage.choices)
    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    outcome = models.CharField(max_length=16, choices=Opinion.Outcome.choices)
    request = models.TextField(_("信访人投诉请求"))
    facts_and_reasons = models.TextField(_("事实和理由"))
    opinion = models.TextField(_("处理意见"))
    legal_basis = models.TextField(_("法律法规依据"), blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    drafted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("退回意见"), blank=True)
    issued = models.OneToOneField(
        Opinion, null=True, blank=True, on_delete=models.SET_NULL, related_name="draft"
    )

    class Meta:
        ordering = ["drafted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition"], condition=Q(status="pending"), name="one_pending_draft_per_petition"
            )
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.stage} {self.status}"


class Recusal(models.Model):
    """Art. 28(3) 回避: a staff member with a direct interest in the matter or the petitioner
    declares it; from then on he may not act on the petition."""

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="recusals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recusals")
    organ = models.ForeignKey(
        "orgs.Organ", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(max_length=16, blank=True)
    reason = models.TextField(_("回避理由"))
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["declared_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["petition", "user"], name="recusal_once_per_user")]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.user_id}"


class Delivery(models.Model):
    """Service of a document on the petitioner (送达): starts the 复查/复核 request windows."""

    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("当面送达")
        POST = "post", _("邮寄送达")
        ONLINE = "online", _("网上送达")
        SMS = "sms", _("短信告知")
        PHONE = "phone", _("电话告知")
        OTHER = "other", _("其他")

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="deliveries")
    opinion = models.ForeignKey(
        Opinion, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    method = models.CharField(max_length=12, choices=Method.choices)
    delivered_on = models.DateField(_("信访人收到日期"))
    is_refused = models.BooleanField(_("拒收"), default=False)
    # 简易办法2016 [S] / R-101: SMS, phone or online only when the petitioner did not ask for paper;
    # otherwise the reason for the other method is recorded here.
    method_reason = models.TextField(_("送达方式说明"), blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class Appeal(models.Model):
    """A 复查 (review) or 复核 (re-review) request."""

    class Kind(models.TextChoices):
        REVIEW = "review", _("复查")
        RECHECK = "recheck", _("复核")

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="appeals")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField(_("收到请求日期"))
    postmarked_on = models.DateField(_("邮戳日期"), null=True, blank=True)
    reasons = models.TextField(blank=True)
    good_reason = models.TextField(_("逾期正当理由"), blank=True)
    is_late = models.BooleanField(default=False)
    hearing_start = models.DateField(null=True, blank=True)
    hearing_end = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["petition", "kind"], name="appeal_one_per_kind"),
            models.CheckConstraint(
                condition=Q(is_late=False) | ~Q(good_reason=""), name="appeal_late_needs_good_reason"
            ),
            models.CheckConstraint(
                condition=Q(hearing_end__isnull=True) | Q(hearing_end__gte=models.F("hearing_start")),
                name="appeal_hearing_order",
            ),
        ]


class Hearing(models.Model):
    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="hearings")
    stage = models.CharField(max_length=10, default="handling")
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    participants = models.TextField(blank=True)
    summary = models.TextField(blank=True)


class SupervisionOrder(models.Model):
    """The supervision ladder on one case (Arts. 39(3), 40; ACCOUNTABILITY.md A-060/A-061):
    催办 → 督办 (普通/日常, 黄牌, 红牌) → 挂牌督办 → 约谈 → 通报, each with written feedback due.
    挂牌督办, 约谈 and 通报 name the leaders of the accountable chain valid that day (``leaders``);
    a 挂牌 order stays listed until a delisting decision (摘牌) with evidence."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("催办")
        ORDINARY = "ordinary", _("普通督办")
        YELLOW = "yellow", _("黄牌督办")
        RED = "red", _("红牌督办")
        LISTED = "listed", _("挂牌督办")
        INTERVIEW = "interview", _("约谈")
        CIRCULAR = "circular", _("通报")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("人工")
        NOTICE_OVERDUE = "notice_overdue", _("告知超期")
        HANDLING_OVERDUE = "handling_overdue", _("办理超期")
        ASSIGNED_OVERDUE = "assigned_overdue", _("交办超期")
        OTHER_OVERDUE = "other_overdue", _("其他超期")

    petition = models.ForeignKey(
        "petitions.Petition", on_delete=models.CASCADE, related_name="supervision_orders"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.MANUAL)
    deadline_rule = models.CharField(max_length=32, blank=True)
    target_organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    issued_at = models.DateTimeField(default=timezone.now)
    suggestion = models.TextField(blank=True)
    feedback_due = models.DateField(null=True, blank=True)
    feedback = models.TextField(blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    feedback_late = models.BooleanField(default=False)  # answered after feedback_due
    # 挂牌督办 / 约谈 / 通报: the chain's leaders named on the day (accountability.selectors).
    leaders = models.JSONField(default=list, encoder=DjangoJSONEncoder, blank=True)
    delisted_at = models.DateTimeField(null=True, blank=True)
    delisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    delisting_evidence = models.TextField(blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "deadline_rule", "trigger"],
                condition=~Q(trigger="manual"),
                name="supervision_one_auto_per_deadline",
            ),
        ]
        # Automatic orders (the sweep inserts them in bulk) have no issuer: index only real ones.
        indexes = [
            models.Index(fields=["issued_by"], name="order_issued_by", condition=Q(issued_by__isnull=False)),
            models.Index(
                fields=["feedback_by"], name="order_feedback_by", condition=Q(feedback_by__isnull=False)
            ),
            models.Index(
                fields=["delisted_by"], name="order_delisted_by", condition=Q(delisted_by__isnull=False)
            ),
        ]

    @property
    def is_automatic(self) -> bool:
        """Raised by the deadline sweep (R-140), not by a person."""
        return self.trigger != self.Trigger.MANUAL


class Rating(models.Model):
    """满意度评价 of the petition bureau or the competent organ (R-120)."""

    class Value(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")

    class Target(models.TextChoices):
        BUREAU = "bureau", _("信访部门")
        ORGAN = "organ", _("责任单位")

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="ratings")
    target = models.CharField(max_length=8, choices=Target.choices, default=Target.ORGAN)
    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=10, default="handling")
    value = models.CharField(max_length=20, choices=Value.choices)
    comment = models.TextField(blank=True)
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "target", "stage"], name="rating_once_per_target_stage"
            )
        ]


class CalendarDay(models.Model):
    """Admin-maintained calendar entries: override or extend the chinesecalendar package."""

    date = models.DateField(unique=True)
    is_workday = models.BooleanField(_("工作日"))
    note = models.CharField(_("说明"), max_length=80, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.note}"


class CalendarYear(models.Model):
    """A year whose official schedule has been fully entered as CalendarDay rows."""

    year = models.PositiveIntegerField(unique=True)
    source = models.CharField(
        _("依据"), max_length=200, help_text=_("国务院办公厅关于某年部分节假日安排的通知")
    )
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("已录入年度")
        verbose_name_plural = _("已录入年度")

    def __str__(self) -> str:
        return str(self.year)


class FollowUpTask(models.Model):
    """Work an organ owes on a matter after its answer, recorded with dated notes, done once:

    - ``counselling`` — Art. 37(3): after a matter is final (复核终结) the local party committee
      and government still counsel, resolve the dispute and help the petitioner (疏导教育、矛盾化解、
      帮扶救助). Created when a repeat of a final matter is refused (Art. 36(3)).
    - ``execution`` — Art. 32(2) (R-075): the organ whose opinion supports a request (予以支持,
      部分支持, or a 复查/复核 opinion that changes the answer) supervises its execution by the
      organs or units concerned; refusing to execute is a violation (Art. 42(4)).
    - ``guidance`` — Art. 32(2): the organ whose opinion does not support it (不予支持) does
      guidance and education work (疏导教育) with the petitioner.

    The last two are created when the opinion is signed (workflow.rulesets.OPINION_FOLLOW_UP) and
    superseded when a 复查/复核 opinion changes or revokes it."""

    class Kind(models.TextChoices):
        COUNSELLING = "counselling", _("疏导教育、矛盾化解、帮扶救助")
        EXECUTION = "execution", _("督促执行处理意见")
        GUIDANCE = "guidance", _("疏导教育")

    petition = models.ForeignKey(
        "petitions.Petition", on_delete=models.CASCADE, related_name="follow_up_tasks"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.COUNSELLING)
    opinion = models.ForeignKey(
        "workflow.Opinion", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    final_petition = models.ForeignKey(
        "petitions.Petition", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="follow_up_tasks")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("工作情况"), blank=True)
    # A 复查/复核 opinion that changed or revoked the opinion to execute ends the task without its
    # work being done: done_at is set, and this says why (the case page shows 已变更, not 已完成).
    superseded = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("后续工作")
        verbose_name_plural = _("后续工作")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="counselling", opinion__isnull=True)
                | Q(kind__in=["execution", "guidance"], opinion__isnull=False),
                name="follow_up_opinion_task_has_opinion",
            ),
            models.CheckConstraint(
                condition=Q(superseded=False) | Q(done_at__isnull=False),
                name="follow_up_superseded_is_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} → {self.organ_id}"


class AccusationSplit(models.Model):
    """A mixed letter split by the petition bureau (Art. 30; R-150): the grievance part stays in
    ``grievance`` and goes on to the competent organ, the accusation part became ``accusation``
    and went to the discipline and supervision body. The link is shown only to staff of the
    registering ``bureau`` and of ``discipline_organ`` (workflow.selectors.split_links_for)."""

    grievance = models.ForeignKey(
        "petitions.Petition", on_delete=models.CASCADE, related_name="+", verbose_name=_("申诉求决部分")
    )
    accusation = models.OneToOneField(
        "petitions.Petition", on_delete=models.CASCADE, related_name="+", verbose_name=_("检举控告部分")
    )
    bureau = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="+")
    discipline_organ = models.ForeignKey(
        "orgs.Organ", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("拆分的检举控告")
        verbose_name_plural = _("拆分的检举控告")

    def __str__(self) -> str:
        return f"{self.grievance_id} / {self.accusation_id}"
