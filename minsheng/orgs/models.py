"""Regions (GB/T 2260), organs, their responsibilities, categories and staff roles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    class Level(models.IntegerChoices):
        PROVINCE = 1, _("省")
        CITY = 2, _("市")
        COUNTY = 3, _("区县")
        TOWN = 4, _("街道乡镇")
        VILLAGE = 5, _("社区村")

    code = models.CharField(_("行政区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    aliases = models.JSONField(_("别名"), default=list, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="region_level_valid")
        ]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Region]:
        chain: list[Region] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def full_name(self) -> str:
        return "".join(r.name for r in [*reversed(self.ancestors()), self])


class OrganKind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("党委")
    GOVERNMENT = "government", _("政府")
    DEPARTMENT = "department", _("工作部门")
    PETITION_BUREAU = "petition_bureau", _("信访部门")
    POLITICAL_LEGAL = "political_legal", _("政法部门")
    DISCIPLINE = "discipline", _("纪检监察机关")
    PEOPLES_CONGRESS = "peoples_congress", _("人大机关")
    COURT = "court", _("人民法院")
    PROCURATORATE = "procuratorate", _("人民检察院")
    MASS_ORGANISATION = "mass_organisation", _("群团组织")
    STATE_ENTERPRISE = "state_enterprise", _("国有企事业单位")
    STREET_OFFICE = "street_office", _("街道办事处/乡镇")
    # Art. 24(1): coordinates jurisdiction disputes between organs without a common superior;
    # its office receives the reports of major or urgent matters (Art. 25). One per region.
    JOINT_CONFERENCE = "joint_conference", _("信访工作联席会议")


#: The political-legal organs (政法部门) 涉法涉诉 matters go to (Art. 22(2)); the pure routing
#: module keeps the same three values (intelligence.nlp.routing, held equal by a test).
POLITICAL_LEGAL_KINDS: tuple[str, ...] = (
    OrganKind.POLITICAL_LEGAL.value,
    OrganKind.COURT.value,
    OrganKind.PROCURATORATE.value,
)


class Organ(models.Model):
    Kind = OrganKind

    class Level(models.IntegerChoices):
        NATIONAL = 0, _("国家")
        PROVINCE = 1, _("省级")
        CITY = 2, _("市级")
        COUNTY = 3, _("县级")
        TOWN = 4, _("乡级")

    code = models.SlugField(_("代码"), max_length=48, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organs")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("上一级机关（复查、复核与监督链）"),
    )
    review_organ = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("复查/复核机关"),
        help_text=_("R-090: 不填则为上一级机关"),
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("负责人"),
    )
    signoff_delegates = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="signoff_organs",
        verbose_name=_("签发授权人"),
        help_text=_("负责人之外可签发本机关处理意见书的人员"),
    )
    aliases = models.JSONField(_("别名"), default=list, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    reception_hours = models.CharField(_("接待时间"), max_length=120, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        verbose_name=_("承继机关"),
        help_text=_("R-052: 机构撤并后承继其职能的机关"),
    )

    class Meta:
        ordering = ["level", "code"]
        verbose_name = _("机关、单位")
        verbose_name_plural = _("机关、单位")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=OrganKind.values), name="organ_kind_valid")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_bureau(self) -> bool:
        return self.kind == self.Kind.PETITION_BUREAU

    def ancestors(self) -> list[Organ]:
        chain: list[Organ] = []
        node = self.parent
        seen = {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    def subtree_ids(self) -> set[int]:
        """This organ and every organ under it (by ``parent``)."""
        ids = {self.pk}
        frontier = [self.pk]
        while frontier:
            children = list(Organ.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            frontier = [c for c in children if c not in ids]
            ids.update(frontier)
        return ids

    def upper_organ(self) -> Organ | None:
        """The organ that reviews this organ's opinions (复查) — configurable per organ (R-090)."""
        return self.review_organ or self.parent


class Category(models.Model):
    """The three-level petition content taxonomy (vendored TipDM taxonomy)."""

    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("级别"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("路径"), max_length=200, unique=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("内容分类")
        verbose_name_plural = _("内容分类")
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="category_level_valid")
        ]

    def __str__(self) -> str:
        return self.path

    def root(self) -> Category:
        node = self
        while node.parent_id is not None:
            assert node.parent is not None
            node = node.parent
        return node


class Responsibility(models.Model):
    """Organ × category × region scope: who is competent (谁主管、谁负责; 属地管理)."""

    organ = models.ForeignKey(Organ, on_delete=models.CASCADE, related_name="responsibilities")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="responsibilities")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="responsibilities")
    priority = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("职责")
        verbose_name_plural = _("职责")
        constraints = [
            models.UniqueConstraint(fields=["organ", "category", "region"], name="responsibility_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organ} · {self.category} · {self.region}"


class Role(models.TextChoices):
    REGISTRAR = "registrar", _("登记人员")
    DISPATCHER = "dispatcher", _("转送交办人员")
    CASEWORKER = "caseworker", _("承办人")
    ORGAN_HEAD = "organ_head", _("机关负责人")
    SUPERVISOR = "supervisor", _("督查人员")
    LEADER = "leader", _("领导")
    ANALYST = "analyst", _("研判人员")
    ADMIN = "admin", _("管理员")


class StaffMembership(models.Model):
    """A user's role in an organ. A user may hold several roles, in several organs."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organ = models.ForeignKey(Organ, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        constraints = [
            models.UniqueConstraint(fields=["user", "organ", "role"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organ} ({self.get_role_display()})"


class ApiToken(models.Model):
    """Bearer tokens for the JSON API. Only a hash of the token is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Bound at issue to the user's password hash and posts (HMAC, see minsheng.orgs.tokens): a
    # token whose binding no longer matches is refused and revoked, whatever changed them.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("吊销原因"), max_length=32, blank=True, default="")

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"


class SecurityEvent(models.Model):
    """Audit trail of staff account security: token revocations, two-factor enrolment, idle logouts.

    Login successes and failures are recorded by django-axes (AccessLog, AccessFailureLog).
    """

    class Kind(models.TextChoices):
        TOKEN_REVOKED = "token_revoked", _("API令牌吊销")
        OTP_ENROLLED = "otp_enrolled", _("启用双因素认证")
        OTP_REMOVED = "otp_removed", _("停用双因素认证")
        OTP_FAILED = "otp_failed", _("动态验证码错误")
        IDLE_LOGOUT = "idle_logout", _("超时自动退出")

    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="security_events",
        verbose_name=_("账户"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    ip_address = models.CharField(_("IP地址"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("账户安全事件")
        verbose_name_plural = _("账户安全事件")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.user}"
