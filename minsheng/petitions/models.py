"""Petitioners, petitions (信访事项), representatives and attachments."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.crypto import EncryptedTextField


class Channel(models.TextChoices):
    ONLINE = "online", _("网上信访")
    LETTER = "letter", _("来信")
    PHONE = "phone", _("来电")
    FAX = "fax", _("传真")
    VISIT = "visit", _("来访")
    EMAIL = "email", _("电子邮件（2022年前）")


class Nature(models.TextChoices):
    SUGGESTION = "suggestion", _("建议意见类")
    ACCUSATION = "accusation", _("检举控告类")
    GRIEVANCE = "grievance", _("申诉求决类")
    LITIGATION_RELATED = "litigation_related", _("涉法涉诉类")


class State(models.TextChoices):
    RECEIVED = "received", _("收到")
    REGISTERED = "registered", _("已登记")
    BUREAU_TRIAGE = "bureau_triage", _("信访部门分流")
    REPORTED_FOR_DECISION = "reported_for_decision", _("报请本级党委政府决定")
    FORWARDED = "forwarded", _("已转送")
    ASSIGNED = "assigned", _("已交办")
    ROUTED_POLITICAL_LEGAL = "routed_political_legal", _("已转政法部门")
    ROUTED_DISCIPLINE = "routed_discipline", _("已转纪检监察机关")
    REFERRED_ELSEWHERE = "referred_elsewhere", _("已告知向有权机关提出")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    ORGAN_RECEIVED = "organ_received", _("有权机关已接收")
    OBJECTION_PENDING = "objection_pending", _("异议待核实")
    RETURNED = "returned", _("已交还材料")
    JURISDICTION_DISPUTE = "jurisdiction_dispute", _("受理争议")
    ACCEPTED = "accepted", _("已受理")
    REDIRECTED_STATUTORY = "redirected_statutory", _("已导入法定途径")
    DUTY_PERFORMED = "duty_performed", _("已依法履行或答复")
    SUGGESTION_REPLIED = "suggestion_replied", _("建议意见已回复")
    IN_HANDLING = "in_handling", _("调查核实中")
    SIMPLIFIED_HANDLING = "simplified_handling", _("简易办理中")
    HEARING = "hearing", _("听证")
    MEDIATION = "mediation", _("调解和解中")
    EXTENDED = "extended", _("已延期")
    CONCLUDED = "concluded", _("已办结")
    SETTLED = "settled", _("调解和解达成")
    DELIVERED = "delivered", _("处理意见已送达")
    REVIEW_REQUESTED = "review_requested", _("复查中")
    REVIEW_CONCLUDED = "review_concluded", _("复查意见已送达")
    RECHECK_REQUESTED = "recheck_requested", _("复核中")
    RECHECK_HEARING = "recheck_hearing", _("复核听证")
    RECHECK_CONCLUDED = "recheck_concluded", _("复核意见已送达")
    FINAL = "final", _("终结")
    CLOSED_NO_REVIEW = "closed_no_review", _("未申请复查复核结案")
    ARCHIVED = "archived", _("已归档")


class Route(models.TextChoices):
    """条例 Art. 31: the six routes of a claim or grievance."""

    LITIGATION_ETC = "litigation_etc", _("诉讼、复议、刑事立案、法律监督、公安程序")
    ARBITRATION = "arbitration", _("仲裁")
    PARTY_APPEAL = "party_appeal", _("党员申诉、申请复审")
    ADMIN_PROCEDURE = "admin_procedure", _("行政复议、裁决、确认、许可、处罚等行政程序")
    PERFORM_DUTY = "perform_duty", _("依法履行职责或者答复")
    ORDINARY_31_6 = "ordinary_31_6", _("调查核实、出具信访处理意见书")


class Procedure(models.TextChoices):
    ORDINARY = "ordinary", _("普通程序")
    SIMPLIFIED = "simplified", _("简易办理")


class Petitioner(models.Model):
    """A person or organisation bringing petitions. Personal data is encrypted at rest."""

    name = EncryptedTextField(_("姓名（名称）"), blank=True)
    id_number = EncryptedTextField(_("身份证件号码"), blank=True)
    id_number_index = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    phone = EncryptedTextField(_("手机号码"), blank=True)
    phone_index = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    address = EncryptedTextField(_("住址"), blank=True)
    email = EncryptedTextField(_("电子邮箱"), blank=True)
    nationality = models.CharField(_("国籍"), max_length=40, blank=True, default="中国")
    is_organisation = models.BooleanField(_("法人或其他组织"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="petitioner_profiles",
    )
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    # The language texts to the petitioner are written in (SMS, e-mail): the one used on the portal,
    # or chosen at registration; "" = the deployment's (settings.LANGUAGE_CODE).
    language = models.CharField(_("通知语言"), max_length=10, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("信访人")
        verbose_name_plural = _("信访人")

    def __str__(self) -> str:
        from minsheng.core.crypto import mask_name

        return mask_name(self.name) or str(_("（匿名）"))

    @property
    def text_language(self) -> str:
        """The language of texts sent to this petitioner."""
        return self.language or settings.LANGUAGE_CODE


# The list flags, as conditions on a petition (alias-free: usable in filter, annotate, Q).
PETITIONER_WINDOWS = ("D-RECHECK-REQ-30", "D-REVIEW-REQ-30", "D-SATISFACTION-WINDOW")


def flag_condition(name: str) -> models.Exists:
    """``has_overdue``: a breached deadline not yet met (a petitioner's window excluded);
    ``has_due_soon``: an open deadline marked due soon; ``is_supervised``: a 督办 order."""
    from django.apps import apps

    deadline = apps.get_model("workflow", "Deadline")
    ref = models.OuterRef("pk")
    if name == "has_overdue":
        rows = deadline.objects.filter(petition_id=ref, status="breached", met_at__isnull=True)
    elif name == "has_due_soon":
        rows = deadline.objects.filter(petition_id=ref, status="open", due_soon_at__isnull=False)
    elif name == "is_supervised":
        return models.Exists(apps.get_model("workflow", "SupervisionOrder").objects.filter(petition_id=ref))
    else:
        raise ValueError(name)
    return models.Exists(rows.exclude(rule__in=PETITIONER_WINDOWS))


FLAGS = ("has_overdue", "has_due_soon", "is_supervised")


class PetitionQuerySet(models.QuerySet["Petition"]):
    def with_flags(self) -> PetitionQuerySet:
        """Annotate the three list flags (one EXISTS each, on indexed deadline/order rows)."""
        return self.annotate(**{name: flag_condition(name) for name in FLAGS})

    def flagged(self, name: str, value: bool = True) -> PetitionQuerySet:
        condition = flag_condition(name)
        return self.filter(condition if value else ~condition)


def _flag_property(name: str) -> property:
    def fget(self: Petition) -> bool:
        flags = self.__dict__.setdefault("_flags", {})
        if name not in flags:
            flags[name] = bool(
                self.pk is not None
                and Petition.objects.filter(pk=self.pk).filter(flag_condition(name)).exists()
            )
        return bool(flags[name])

    def fset(self: Petition, value: bool) -> None:
        self.__dict__.setdefault("_flags", {})[name] = bool(value)

    return property(fget, fset)


class Petition(models.Model):
    tracking_code = models.CharField(_("查询码"), max_length=20, unique=True)
    query_password_hash = models.CharField(max_length=128, blank=True)
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    received_at = models.DateTimeField(_("收到时间"), db_index=True)
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    receiving_organ = models.ForeignKey(
        "orgs.Organ", on_delete=models.PROTECT, related_name="received_petitions", verbose_name=_("登记机关")
    )
    current_organ = models.ForeignKey(
        "orgs.Organ",
        on_delete=models.PROTECT,
        related_name="current_petitions",
        verbose_name=_("当前办理机关"),
    )
    forwarded_by = models.ForeignKey(
        "orgs.Organ",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("转送交办机关"),
    )
    handling_organ = models.ForeignKey(
        "orgs.Organ",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_petitions",
        verbose_name=_("原办理机关"),
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("承办人"),
    )
    leader_in_charge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("包案领导"),
    )
    petitioner = models.ForeignKey(
        Petitioner, null=True, blank=True, on_delete=models.PROTECT, related_name="petitions"
    )
    nature = models.CharField(_("性质"), max_length=24, choices=Nature.choices)
    category = models.ForeignKey(
        "orgs.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="petitions",
        verbose_name=_("分类"),
    )
    region = models.ForeignKey(
        "orgs.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="petitions",
        verbose_name=_("地区"),
    )
    place_text = models.CharField(_("地点"), max_length=200, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    request = models.TextField(_("请求"))
    facts = models.TextField(_("事实"), blank=True)
    reasons = models.TextField(_("理由"), blank=True)
    is_oral = models.BooleanField(_("口头提出（如实记录）"), default=False)
    is_collective = models.BooleanField(_("集体访/联名"), default=False)
    persons_involved = models.PositiveIntegerField(_("涉及人数"), default=1)
    is_urgent = models.BooleanField(_("重大紧急"), default=False)
    is_anonymous = models.BooleanField(_("姓名住址不清"), default=False)
    is_yueji = models.BooleanField(_("越级走访"), default=False)
    is_first_time = models.BooleanField(_("初次信访"), default=True)
    # R-050 / I-REPEAT: for a repeat (is_first_time False), the first item of the matter — the
    # earliest petition of the same person on the same facts and request (services.earlier_same_matter).
    first_item = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
        verbose_name=_("初件"),
    )
    accused_organ = models.ForeignKey(
        "orgs.Organ",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("被检举控告单位"),
    )
    accused_person = models.CharField(_("被检举控告人"), max_length=100, blank=True)
    related_petition = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("关联信访事项"),
    )
    state = models.CharField(
        _("状态"), max_length=32, choices=State.choices, default=State.REGISTERED, db_index=True
    )
    state_changed_at = models.DateTimeField(default=timezone.now)
    route = models.CharField(_("处理途径"), max_length=24, choices=Route.choices, blank=True)
    procedure = models.CharField(
        _("程序"), max_length=12, choices=Procedure.choices, default=Procedure.ORDINARY
    )
    paper_requested = models.BooleanField(_("要求纸质文书"), default=True)
    # Clock-starting events (R-CNT-6): each stored on its own, never inferred from another.
    organ_received_at = models.DateTimeField(_("有权机关收到时间"), null=True, blank=True)
    notice_given_at = models.DateTimeField(_("书面告知时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reply_received_on = models.DateField(_("信访人收到处理意见日期"), null=True, blank=True)
    review_requested_on = models.DateField(_("复查机关收到请求日期"), null=True, blank=True)
    review_reply_received_on = models.DateField(_("信访人收到复查意见日期"), null=True, blank=True)
    recheck_requested_on = models.DateField(_("复核机关收到请求日期"), null=True, blank=True)
    recheck_reply_received_on = models.DateField(_("信访人收到复核意见日期"), null=True, blank=True)
    final_at = models.DateTimeField(_("终结时间"), null=True, blank=True)
    urgent_reported_at = models.DateTimeField(_("紧急报告时间"), null=True, blank=True)
    # Art. 46(4): the first urgent report came later than MINSHENG_URGENT_REPORT_HOURS after receipt.
    urgent_report_late = models.BooleanField(_("缓报"), default=False)
    # The list flags has_overdue, has_due_soon and is_supervised are computed from the deadline
    # and supervision rows (PetitionQuerySet.with_flags, the properties below), not stored here:
    # the deadline sweep marks a million deadlines without rewriting a million petition rows.
    # Imported with `import-petitions --historical`: a case from before this system. Its clocks
    # ran out elsewhere, so the deadline sweep raises no alarms for it (docs/intelligence.md).
    is_historical = models.BooleanField(_("历史导入"), default=False, db_index=True)
    # Intelligence suggestions (recorded so that staff acceptance/override can feed retraining).
    suggestions = models.JSONField(_("智能建议"), default=dict, blank=True)

    objects = PetitionQuerySet.as_manager()

    # Computed on first use, or set by PetitionQuerySet.with_flags(); forgotten by refresh_from_db.
    has_overdue = _flag_property("has_overdue")
    has_due_soon = _flag_property("has_due_soon")
    is_supervised = _flag_property("is_supervised")

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("信访事项")
        verbose_name_plural = _("信访事项")
        indexes = [
            models.Index(fields=["current_organ", "state"], name="petition_organ_state"),
            models.Index(fields=["state", "received_at"], name="petition_state_received"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in State]), name="petition_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in Channel]), name="petition_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(nature__in=[n.value for n in Nature]), name="petition_nature_valid"
            ),
            models.CheckConstraint(
                condition=Q(route="") | Q(route__in=[r.value for r in Route]), name="petition_route_valid"
            ),
            models.CheckConstraint(condition=Q(persons_involved__gte=1), name="petition_persons_positive"),
            models.CheckConstraint(
                condition=Q(is_oral=False) | Q(channel__in=["phone", "visit"]),
                name="petition_oral_only_phone_or_visit",
            ),
            models.CheckConstraint(
                condition=Q(entered_at__gte=models.F("received_at")) | Q(channel="online"),
                name="petition_received_not_after_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.title}"

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        self.__dict__.pop("_flags", None)
        super().refresh_from_db(*args, **kwargs)

    @property
    def text(self) -> str:
        return "\n".join(part for part in (self.title, self.request, self.facts, self.reasons) if part)


class Representative(models.Model):
    """A representative of a collective visit: at most 5 (条例 Art. 20(3)), enforced by the database."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="representatives")
    position = models.PositiveSmallIntegerField()
    name = EncryptedTextField(_("姓名"))
    phone = EncryptedTextField(_("电话"), blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=5), name="representative_at_most_5"
            ),
            models.UniqueConstraint(fields=["petition", "position"], name="representative_position_unique"),
        ]


def attachment_path(instance: Attachment, filename: str) -> str:
    """A random name on disk: neither the petitioner's file name nor the tracking code is kept."""
    return f"attachments/{secrets.token_hex(16)}"


class Attachment(models.Model):
    """A file a petitioner handed in. The bytes on disk are Fernet-encrypted (MINSHENG_DATA_KEY)
    and so is the original file name; read them through minsheng.petitions.attachments."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = EncryptedTextField(_("原文件名"))
    content_type = models.CharField(max_length=80)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")


class AccessKind(models.TextChoices):
    REVEAL = "reveal", _("显示完整信息")
    DOWNLOAD = "download", _("下载附件")
    DOCUMENT = "document", _("出具含全名的文书")
    # A phone or ID number typed into a draft's 预检 matched an accuser: the match tells who he is.
    MATCH = "match", _("预检比对到检举控告人")


class PersonalDataAccess(models.Model):
    """Immutable log of every unmasking of a petitioner's personal data (R-150(d), R-155).

    Rows are only ever added (``save`` refuses updates; the admin is read-only). ``organ`` and
    ``flagged`` are completed on creation by minsheng.petitions.access_log.
    """

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="data_accesses", verbose_name=_("信访事项")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("访问者")
    )
    organ = models.ForeignKey(
        "orgs.Organ",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("访问者机关"),
    )
    accessed_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    kind = models.CharField(
        _("类型"), max_length=12, choices=AccessKind.choices, default=AccessKind.REVEAL, db_index=True
    )
    attachment = models.ForeignKey(
        Attachment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("附件"),
    )
    reason = models.CharField(_("理由"), max_length=200)
    fields = models.JSONField(_("字段"), default=list)
    flagged = models.BooleanField(
        _("重点关注"),
        default=False,
        db_index=True,
        help_text=_("涉及检举控告件的信访人，或访问者属于被检举控告单位"),
    )

    class Meta:
        ordering = ["-accessed_at", "-pk"]
        verbose_name = _("个人信息访问记录")
        verbose_name_plural = _("个人信息访问记录")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in AccessKind]), name="data_access_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.accessed_at:%Y-%m-%d %H:%M} {self.kind} {self.petition_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("the personal-data access log is append-only")
        from minsheng.petitions.access_log import complete_row

        complete_row(self)
        super().save(*args, **kwargs)


class DataAccessRequest(models.Model):
    """A petitioner's request for his own personal data (PIPL Arts. 44-45; R-156), as answered.

    ``released`` lists what was given (record ids, tracking codes, counts), never the data itself.
    """

    class Scope(models.TextChoices):
        OWN_DATA = "own_data", _("我的个人信息")
        ACCUSATIONS_ABOUT_ME = "about_me", _("关于我的检举控告材料")

    class Outcome(models.TextChoices):
        RELEASED = "released", _("已提供")
        REFUSED = "refused", _("不予提供")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请账号")
    )
    phone_index = models.CharField(max_length=40, db_index=True, editable=False)
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now, db_index=True)
    scope = models.CharField(_("申请内容"), max_length=12, choices=Scope.choices)
    outcome = models.CharField(_("处理结果"), max_length=12, choices=Outcome.choices)
    output_format = models.CharField(_("格式"), max_length=8, default="html")
    released = models.JSONField(_("已提供内容"), default=dict, blank=True)
    refusal_basis = models.CharField(_("不予提供依据"), max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("个人信息查阅申请")
        verbose_name_plural = _("个人信息查阅申请")

    def __str__(self) -> str:
        return f"{self.requested_at:%Y-%m-%d %H:%M} {self.scope} {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("data-access requests are recorded once and never changed")
        super().save(*args, **kwargs)
