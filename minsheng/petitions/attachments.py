"""Attachments: stored encrypted, listed with masked names, downloaded with a logged reason.

- At rest (R-155, PIPL Art. 51): the file bytes are Fernet-encrypted under MINSHENG_DATA_KEY (the
  key of the personal fields, ``minsheng.core.crypto``), the original file name is an encrypted
  field, and the name on disk is random (``models.attachment_path``).
- Listing: users who may see the petitioner masked see 「附件1.jpg」, never the original name (a
  file name often carries the petitioner's name: 「李四_身份证正反面.jpg」); users who may not see
  the petitioner at all (the accused side, analysts) see no attachments.
- Download: only users who may see the petitioner's identity, with a reason; every download
  writes a ``PersonalDataAccess`` row (kind ``download``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.crypto import decrypt_bytes, encrypt_bytes
from minsheng.core.errors import Forbidden, InvalidInput, NotFound
from minsheng.petitions.access_log import record_access
from minsheng.petitions.models import AccessKind, Attachment, Petition

AnyUser = AbstractBaseUser | AnonymousUser

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}


def extension_of(content_type: str) -> str:
    return EXTENSIONS.get(content_type, ".bin")


def masked_name(position: int, content_type: str) -> str:
    """The name shown instead of the original one: 「附件1.jpg」."""
    return _("附件%(n)s") % {"n": position} + extension_of(content_type)


def attachment_store(
    petition: Petition,
    *,
    content: bytes,
    content_type: str,
    original_name: str,
    uploaded_by: AbstractBaseUser | None = None,
) -> Attachment:
    """Encrypt and file one attachment of ``petition``. The caller has checked type and size."""
    attachment = Attachment(
        petition=petition,
        original_name=os.path.basename(original_name or "").strip()[:200] or "attachment",
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_at=timezone.now(),
        uploaded_by=uploaded_by if uploaded_by is not None and uploaded_by.is_authenticated else None,  # type: ignore[misc]
    )
    attachment.file.save("attachment", ContentFile(encrypt_bytes(content)), save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


def attachment_content(attachment: Attachment) -> bytes:
    """The decrypted bytes; ValueError if the key does not open them or they were altered."""
    with attachment.file.open("rb") as handle:
        content = decrypt_bytes(handle.read())
    if attachment.sha256 and hashlib.sha256(content).hexdigest() != attachment.sha256:
        raise ValueError(f"attachment {attachment.pk} does not match its checksum")
    return content


@dataclass(frozen=True)
class AttachmentItem:
    """An attachment as a staff user may see it in a list: the masked name only."""

    pk: int
    position: int
    name: str
    content_type: str
    size: int
    uploaded_at: dt.datetime
    downloadable: bool


def attachments_for(user: AnyUser | None, petition: Petition) -> list[AttachmentItem]:
    """The attachments of ``petition`` for ``user`` (who may open the petition): masked names, or
    nothing at all for users who may not see the petitioner (the accused side, analysts)."""
    from minsheng.petitions.selectors import can_see_identity, can_see_masked_identity

    if not can_see_masked_identity(user, petition):
        return []
    downloadable = can_see_identity(user, petition)
    rows = Attachment.objects.filter(petition=petition).order_by("uploaded_at", "pk")
    return [
        AttachmentItem(
            pk=a.pk,
            position=i,
            name=masked_name(i, a.content_type),
            content_type=a.content_type,
            size=a.size,
            uploaded_at=a.uploaded_at,
            downloadable=downloadable,
        )
        for i, a in enumerate(rows.only("pk", "content_type", "size", "uploaded_at"), start=1)
    ]


def attachment_item(user: AnyUser | None, petition: Petition, attachment_id: int | str) -> AttachmentItem:
    """One item of ``attachments_for``; NotFound when missing or not to be seen by ``user``."""
    for item in attachments_for(user, petition):
        if str(item.pk) == str(attachment_id):
            return item
    raise NotFound(_("附件不存在。"))


@dataclass(frozen=True)
class Download:
    content: bytes
    filename: str
    content_type: str


def attachment_download(
    user: AbstractBaseUser, petition: Petition, attachment_id: int | str, *, reason: str
) -> Download:
    """Decrypt one attachment for ``user`` and log it (kind ``download``) with ``reason``.

    NotFound when the attachment is missing or ``user`` may not see the petitioner at all;
    Forbidden when he may see only the masked petitioner; InvalidInput on an empty reason.
    ``petition`` must come from ``access_petition`` (the caller may open it).
    """
    from minsheng.petitions.selectors import can_see_identity

    attachment_item(user, petition, attachment_id)  # NotFound for the accused side and analysts
    if not can_see_identity(user, petition):
        raise Forbidden(_("无权下载附件：附件可能含有信访人身份信息。"))
    if not (reason or "").strip():
        raise InvalidInput(_("请说明下载理由。"), field="reason")
    attachment = Attachment.objects.get(petition=petition, pk=attachment_id)
    content = attachment_content(attachment)
    record_access(
        user,
        petition,
        kind=AccessKind.DOWNLOAD,
        reason=reason,
        fields=["attachment", "attachment_name"],
        attachment=attachment,
    )
    return Download(content=content, filename=attachment.original_name, content_type=attachment.content_type)


def petitioner_attachment(petition: Petition, attachment_id: int | str) -> Download:
    """The petitioner's own attachment (the portal checked that he owns the petition): not logged."""
    attachment = Attachment.objects.filter(petition=petition, pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("附件不存在。"))
    return Download(
        content=attachment_content(attachment),
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
