"""Official documents: admin-editable templates and the register of documents issued on a case."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    ACCEPT_NOTICE = "accept_notice", _("受理告知书")
    NOT_ACCEPT_NOTICE = "not_accept_notice", _("不予受理告知书")
    NO_REACCEPT_NOTICE = "no_reaccept_notice", _("不再受理告知书")
    EXTENSION_NOTICE = "extension_notice", _("延期告知书")
    HANDLING_OPINION = "handling_opinion", _("信访处理意见书")
    REVIEW_OPINION = "review_opinion", _("复查意见书")
    RECHECK_OPINION = "recheck_opinion", _("复核意见书")


class DocumentTemplate(models.Model):
    """The wording of one kind of document. ``body`` is a Django template rendered as plain text:
    paragraphs are separated by blank lines; a paragraph starting with ``# `` is a heading."""

    kind = models.CharField(_("文书种类"), max_length=24, choices=DocumentKind.choices, unique=True)
    title = models.CharField(_("标题"), max_length=60)
    body = models.TextField(_("正文模板"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("文书模板")
        verbose_name_plural = _("文书模板")

    def __str__(self) -> str:
        return self.title


class IssuedDocument(models.Model):
    """A document filed on the case: its number and the facts it states (re-rendered on download)."""

    petition = models.ForeignKey(
        "petitions.Petition", on_delete=models.CASCADE, related_name="issued_documents"
    )
    kind = models.CharField(_("文书种类"), max_length=24, choices=DocumentKind.choices)
    source = models.CharField(max_length=40, help_text=_("the Decision/Opinion/Extension it states"))
    number = models.CharField(_("文号"), max_length=60)
    title = models.CharField(_("标题"), max_length=60)
    context = models.JSONField(default=dict)
    issued_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    downloads = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["issued_at", "pk"]
        verbose_name = _("已出具文书")
        verbose_name_plural = _("已出具文书")
        constraints = [
            models.UniqueConstraint(fields=["petition", "kind", "source"], name="issueddocument_once"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.number}"


class DocumentCounter(models.Model):
    """The last number given for one document type of one organ in one year (受字, 不受字, 意字,
    复查字, 复核字 …). Numbers are taken by incrementing this row inside the caller's transaction
    (minsheng.documents.numbering), so two acts at the same moment never get the same number."""

    organ_label = models.CharField(max_length=60)
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=24)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("文号计数")
        verbose_name_plural = _("文号计数")
        constraints = [
            models.UniqueConstraint(fields=["organ_label", "year", "kind"], name="documentcounter_once"),
        ]

    def __str__(self) -> str:
        return f"{self.organ_label} {self.year} {self.kind} {self.last}"
