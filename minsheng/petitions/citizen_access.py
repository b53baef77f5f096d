"""What a citizen who proved a phone number may reach, and the query password by SMS.

A citizen signs in on the portal with a one-time code sent to a mobile number; the account is
keyed by that number's blind index. Every petition whose petitioner has that number — submitted
online, or registered by staff from a phone call, a letter or a visit, before or after the account
existed — belongs to the holder of the number. Matching is by the blind index only: the number is
never decrypted to compare, and nothing here tells anybody whether a number has petitions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.core.crypto import blind_index
from minsheng.core.errors import NotFound
from minsheng.notifications.services import outbox_send_direct
from minsheng.orgs.security import CITIZEN_USERNAME_PREFIX
from minsheng.petitions.models import Channel, Petition
from minsheng.petitions.services import RegistrationInput, new_query_password, query_password_hash
from minsheng.workflow.models import PetitionEvent

# Channels registered by staff: the tracking code and the query password are sent by SMS when a
# mobile number is given, not only read out once over the phone or handed over on paper.
SMS_CREDENTIAL_CHANNELS = frozenset(
    {Channel.PHONE, Channel.LETTER, Channel.FAX, Channel.EMAIL, Channel.VISIT}
)


def canonical_phone(phone: str) -> str:
    """A mainland mobile number as 11 digits ("139-0013-9000", "+86 139 0013 9000" →
    "13900139000"); anything else is returned stripped, unchanged. The blind index of the
    canonical form is what SMS sign-in looks up, so staff should store this form."""
    raw = phone.strip()
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    elif len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    if len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789":
        return digits
    return raw


def phone_index_of(phone: str) -> str:
    """The blind index under which a number is stored (canonical form)."""
    return blind_index(canonical_phone(phone))


def phone_holder_petitions(phone_index: str, user: AbstractBaseUser | None = None) -> QuerySet[Petition]:
    """Every petition registered with this phone (blind index), on any channel and at any time,
    and those of petitioner records linked to ``user``. Empty for an empty index."""
    condition = Q(pk__in=[])
    if phone_index:
        condition |= Q(petitioner__phone_index=phone_index)
    if user is not None and user.pk is not None:
        condition |= Q(petitioner__user_id=user.pk)
    return Petition.objects.filter(condition)


def citizen_account(phone: str, *, create: bool) -> User | None:
    """The portal account of the holder of ``phone`` (named after its blind index; created, with no
    usable password, on the first SMS sign-in when ``create``), or None."""
    user_model = get_user_model()
    username = CITIZEN_USERNAME_PREFIX + blind_index(phone)
    user = user_model.objects.filter(username=username).first()
    if user is None and create:
        user = user_model.objects.create_user(username=username)
        user.set_unusable_password()
        user.save()
    return user


def _sms_text(petition: Petition, password: str, *, reset: bool) -> str:
    """The credentials text, in the petitioner's language (not the sender's: staff may work in
    English while the petitioner reads Chinese)."""
    language = (
        petition.petitioner.text_language if petition.petitioner is not None else settings.LANGUAGE_CODE
    )
    with translation.override(language):
        return _credentials_text(petition, password, reset=reset)


def _credentials_text(petition: Petition, password: str, *, reset: bool) -> str:
    if reset:
        return _("【民声】您的信访事项（查询码 %(c)s）的新查询密码为 %(p)s，原密码已失效。请勿告诉他人。") % {
            "c": petition.tracking_code,
            "p": password,
        }
    return _(
        "【民声】您的信访事项已登记。查询码 %(c)s，查询密码 %(p)s。可在网上信访平台查询进展，"
        "或用本手机号码凭短信验证码登录查看。请勿告诉他人。"
    ) % {"c": petition.tracking_code, "p": password}


def credentials_phone(phone: str | None) -> str:
    """Where the query credentials go by SMS: the phone in canonical form, "" when there is none."""
    return canonical_phone(phone) if phone else ""


def petition_send_query_credentials(
    petition: Petition, password: str, *, actor: AbstractBaseUser | None, now: dt.datetime | None = None
) -> bool:
    """Queue an SMS with the tracking code and the query password to the petitioner's phone,
    through the outbox (kind ``query_password``: the text is stored only encrypted until sent,
    then erased). Recorded on the timeline (not public). False when there is no phone."""
    petitioner = petition.petitioner
    phone = credentials_phone(petitioner.phone if petitioner is not None else None)
    if not phone:
        return False
    # Inside a caller's transaction (a registration) this joins it: one commit, no savepoint.
    with transaction.atomic(savepoint=False):
        message_id = outbox_send_direct(
            "sms",
            phone,
            "query_password",
            _sms_text(petition, password, reset=False),
            petition_id=petition.pk,
        )
        PetitionEvent.objects.create(
            petition=petition,
            action="query_credentials_sent",
            occurred_at=now or timezone.now(),
            actor=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
            actor_role="petitioner" if actor is None else "registrar",
            from_state=petition.state,
            to_state=petition.state,
            data={"channel": "sms", "outbox_id": message_id},
            is_public=False,
        )
    return True


def petition_register_with_credentials(
    data: RegistrationInput, *, actor: AbstractBaseUser | None, phone_verified: bool = False
) -> tuple[Petition, str, bool]:
    """Register a petition and queue the SMS with its tracking code and query password, in one
    transaction: both or neither, and one commit (a registration through the API, the portal or
    the workbench then costs a single disk flush). ``phone_verified``: the petitioner proved the
    phone with an SMS code (the portal), recorded on the petitioner in the same transaction.
    Returns the petition, its one-time query password and whether an SMS was queued (False
    without a phone)."""
    from minsheng.petitions.models import Petitioner
    from minsheng.workflow.services import petition_register

    known = data.existing_petitioner.phone if data.existing_petitioner is not None else data.petitioner.phone
    if credentials_phone(known):  # the credentials will go by SMS (as petition_send_query_credentials)
        data = dataclasses.replace(data, credentials_by_sms=True)
    with transaction.atomic():
        petition, password = petition_register(data, actor=actor)
        if phone_verified and petition.petitioner_id:
            Petitioner.objects.filter(pk=petition.petitioner_id).update(phone_verified_at=timezone.now())
        sent = petition_send_query_credentials(petition, password, actor=actor)
    return petition, password, sent


def petition_reset_query_password(
    petition_id: int, *, phone_index: str, now: dt.datetime | None = None
) -> Petition:
    """A new query password for a petition of the holder of the phone (proved by SMS sign-in):
    the old one stops working, the new one is sent by SMS to the petitioner's phone only — never
    shown — and the change is recorded on the timeline. NotFound unless the petition is
    registered with that phone."""
    with transaction.atomic():
        petition = (
            Petition.objects.select_for_update()
            .select_related("petitioner")
            .filter(pk=petition_id, petitioner__phone_index=phone_index)
            .exclude(petitioner__phone_index="")
            .first()
        )
        if petition is None or petition.petitioner is None:
            raise NotFound(_("信访事项不存在。"))
        password = new_query_password()
        petition.query_password_hash = query_password_hash(petition.tracking_code, password)
        petition.save(update_fields=["query_password_hash"])
        message_id = outbox_send_direct(
            "sms",
            canonical_phone(petition.petitioner.phone),
            "query_password",
            _sms_text(petition, password, reset=True),
            petition_id=petition.pk,
        )
        PetitionEvent.objects.create(
            petition=petition,
            action="query_password_reset",
            occurred_at=now or timezone.now(),
            actor=None,
            actor_role="petitioner",
            from_state=petition.state,
            to_state=petition.state,
            data={"via": "sms_sign_in", "outbox_id": message_id},
            is_public=False,
        )
    return petition


@dataclass(frozen=True)
class Evidence:
    """One checked file (type decided by magic bytes, size bounded by the caller)."""

    name: str
    content: bytes
    content_type: str


def petition_add_evidence(
    petition: Petition,
    files: list[Evidence],
    *,
    stage: str,
    uploaded_by: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
) -> int:
    """File the petitioner's evidence (e.g. with a 复查/复核 request) as encrypted attachments of
    the petition, with one non-public timeline event naming how many and for which stage."""
    if not files:
        return 0
    from minsheng.petitions.attachments import attachment_store

    with transaction.atomic():
        ids = [
            attachment_store(
                petition,
                content=f.content,
                content_type=f.content_type,
                original_name=f.name,
                uploaded_by=uploaded_by,
            ).pk
            for f in files
        ]
        PetitionEvent.objects.create(
            petition=petition,
            action="evidence_added",
            occurred_at=now or timezone.now(),
            actor=None,
            actor_role="petitioner",
            from_state=petition.state,
            to_state=petition.state,
            data={"stage": stage, "attachments": ids},
            is_public=False,
        )
    return len(ids)


def allow_anonymous_accusations() -> bool:
    """Whether the deployment accepts accusations without a name over public channels (portal,
    citizen API, Open311): ``MINSHENG_ALLOW_ANONYMOUS_ACCUSATIONS``, off by default."""
    return bool(getattr(settings, "MINSHENG_ALLOW_ANONYMOUS_ACCUSATIONS", False))
