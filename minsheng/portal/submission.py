"""Online submission, shared by the portal's three-step form and the citizen API
(``/api/v1/citizen/petitions``): the SMS code that proves the phone, and the registration of a
checked matter at the city's petition bureau; and the online booking of a leader reception day
(``reception_book_online``), shared the same way. The caller has checked the matter (``MatterForm``),
the contact (``ContactForm``) and — unless anonymous — that the phone was verified with a code."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from minsheng.core.errors import InvalidInput
from minsheng.notifications.sms import get_backend
from minsheng.orgs.models import Organ, Region
from minsheng.petitions.citizen_access import allow_anonymous_accusations, petition_register_with_credentials
from minsheng.petitions.models import Nature, Petition
from minsheng.petitions.services import PetitionerInput, RegistrationInput, petitioner_language
from minsheng.portal import queries
from minsheng.portal.security import (
    client_ip,
    otp_check,
    otp_issue,
    phone_key,
    throttle_blocked,
    throttle_hit,
    throttle_take,
)
from minsheng.workflow.services import petition_register

if TYPE_CHECKING:
    from minsheng.reception.models import Appointment


def send_code(request: HttpRequest, phone: str, purpose: str) -> str | None:
    """Send a one-time code through the SMS adapter; an error message when this address asked too
    often. When only the phone's own limits are used up (a code sent to it within the last minute,
    five this hour — whoever asked), the answer is the same as for a sent code and nothing is
    sent: telling the caller would say that someone is using that phone right now."""
    ip = client_ip(request)
    if throttle_blocked("otp_ip", ip):
        return _("验证码发送过于频繁，请稍后再试（每分钟最多1次，每小时最多5次）。")
    throttle_hit("otp_ip", ip)
    if throttle_blocked("otp_phone", phone_key(phone)) or throttle_blocked("otp_phone_gap", phone_key(phone)):
        # Not sent, and not answered sooner either: the time a send takes would tell it apart.
        time.sleep(min(float(cache.get(SEND_SECONDS_KEY) or 0.0), MAX_SEND_PAD_SECONDS))
        return None
    started = time.perf_counter()
    throttle_hit("otp_phone", phone_key(phone))
    throttle_hit("otp_phone_gap", phone_key(phone))
    code = otp_issue(phone, purpose)
    get_backend().send(phone, _("【民声】您的验证码是 %(c)s，10分钟内有效。请勿告诉他人。") % {"c": code})
    _remember_send_time(time.perf_counter() - started)
    return None


#: The moving average of how long sending a code takes (the SMS gateway, synchronous), kept in the
#: shared cache: an unsent code waits as long, so the response time says nothing of the phone
#: (ADR 0020; a gateway answering in 150 ms made the difference measurable).
SEND_SECONDS_KEY = "minsheng:otp:send_seconds"
MAX_SEND_PAD_SECONDS = 3.0


def _remember_send_time(seconds: float) -> None:
    previous = cache.get(SEND_SECONDS_KEY)
    average = seconds if previous is None else 0.8 * float(previous) + 0.2 * seconds
    cache.set(SEND_SECONDS_KEY, average, None)


def otp_error(reason: str) -> str:
    """The message for a failed code check: one message whatever the phone's state (no code asked
    for, expired, wrong, locked), so that it says nothing about the phone's holder; only the
    caller's own address limit is told apart."""
    if reason == "throttled":
        return _("验证码尝试次数过多，请15分钟后再试。")
    return _("验证码不正确或已失效。请核对短信中的6位数字；如已过期或多次输错，请重新获取验证码。")


def draft_region(draft: dict[str, Any]) -> Region | None:
    """The region a checked matter names (the form's ``region`` choice)."""
    value = draft.get("region")
    return Region.objects.filter(pk=int(value)).first() if value and str(value).isdigit() else None


def draft_accused(draft: dict[str, Any]) -> Organ | None:
    """The accused organ a checked matter names (the form's ``accused_organ`` choice)."""
    value = draft.get("accused_organ")
    return Organ.objects.filter(pk=int(value)).first() if value and str(value).isdigit() else None


def draft_text(draft: dict[str, Any]) -> str:
    """The matter's words (title, facts, request, reasons), as the suggestions read them."""
    return "\n".join([draft["title"], draft["facts"], draft["request_text"], draft.get("reasons", "")])


def draft_suggestion(
    draft: dict[str, Any], region: Region | None, accused: Organ | None
) -> queries.HandlingSuggestion:
    """The suggested category and competent organ for a checked matter (the accused only for an
    accusation)."""
    is_accusation = draft["nature"] == Nature.ACCUSATION
    return queries.suggest_handling(
        draft["title"],
        draft_text(draft),
        region,
        draft["nature"],
        place_text=draft.get("place_text", ""),
        accused_organ=accused if is_accusation else None,
        accused_person=draft.get("accused_person", "") if is_accusation else "",
    )


def submission_blocked(ip: str, phone: str) -> str | None:
    """The error message when the address or the phone ("" when anonymous) submitted too often."""
    if throttle_blocked("submit_ip", ip) or (phone and throttle_blocked("submit_phone", phone_key(phone))):
        return _("提交过于频繁，请稍后再试。如情况紧急，请拨打信访部门电话或前往接待场所。")
    return None


def submission_counted(ip: str, phone: str) -> None:
    """Count a registered submission against the address and the phone ("" when anonymous)."""
    throttle_hit("submit_ip", ip)
    if phone:
        throttle_hit("submit_phone", phone_key(phone))


def online_register(
    draft: dict[str, Any],
    contact: dict[str, Any],
    region: Region | None,
    accused: Organ | None,
    suggestion: queries.HandlingSuggestion,
    bureau: Organ,
    *,
    citizen: AbstractBaseUser | None = None,
    language: str = "",
) -> tuple[Petition, str, bool]:
    """Register the matter online at ``bureau``; (petition, query password, SMS queued).
    ``language``: the one the petitioner used, for the texts sent to them ("" = the deployment's)."""
    anonymous = bool(contact.get("anonymous"))
    if anonymous and not (allow_anonymous_accusations() and draft["nature"] == Nature.ACCUSATION):
        raise InvalidInput(_("只有检举控告可以匿名提出。"), field="anonymous")
    petitioner = (
        PetitionerInput()
        if anonymous
        else PetitionerInput(
            name=contact["name"],
            phone=contact["phone"],
            address=contact.get("address", ""),
            id_number=contact.get("id_number", ""),
            language=language,
        )
    )

    data = RegistrationInput(
        channel="online",
        receiving_organ=bureau,
        title=draft["title"],
        request=draft["request_text"],
        facts=draft["facts"],
        reasons=draft.get("reasons", ""),
        nature=draft["nature"],
        region=region,
        place_text=draft.get("place_text", ""),
        petitioner=petitioner,
        accused_organ=accused if draft["nature"] == Nature.ACCUSATION else None,
        accused_person=draft.get("accused_person", "") if draft["nature"] == Nature.ACCUSATION else "",
        paper_requested=False,
        suggestions={
            "portal": {
                "category": suggestion.category.path if suggestion.category else None,
                "organ": suggestion.organ.code if suggestion.organ else None,
                "source": suggestion.source,
            }
        },
        portal_user=None if anonymous else citizen,
    )
    if anonymous:
        petition, password = petition_register(data, actor=None)
        return petition, password, False
    return petition_register_with_credentials(data, actor=None, phone_verified=True)


RECEPTION_OTP_PURPOSE = "reception"


def reception_book_online(
    day_id: int,
    *,
    name: str,
    phone: str,
    summary: str,
    code: str,
    ip: str,
    language: str,
    proved: Callable[[str], bool] | None = None,
    on_proved: Callable[[str], None] | None = None,
) -> Appointment:
    """A citizen's online booking of a leader reception day, in the one order the portal's form
    and the citizen API share: the fields (so a mistyped summary does not spend the code) and the
    language; then the SMS code of the phone (``purpose: reception``) unless ``proved(phone)`` says
    it was proved already in this browser session — ``on_proved(phone)`` is called once it is, so
    the portal need not ask again after a later refusal (both get the canonical phone); then the
    address's submission limit (Throttled, 429); then the booking, which says "already booked"
    only now, to the proved holder. Raises ApplicationError with the field at fault; nothing is
    booked or spent before the step that refuses."""
    from minsheng.portal.tracking import Throttled
    from minsheng.reception.services import appointment_book, appointment_clean

    booking = appointment_clean(name=name, phone=phone, summary=summary)
    text_language = petitioner_language(language, field="language")
    if proved is None or not proved(booking.phone):
        if not code.strip():
            raise InvalidInput(_("请先获取并填写短信验证码。"), field="code", code="phone_unverified")
        result = otp_check(booking.phone, RECEPTION_OTP_PURPOSE, code, ip=ip)
        if not result.ok:
            raise InvalidInput(otp_error(result.reason), field="code", code="phone_unverified")
        if on_proved is not None:
            on_proved(booking.phone)
    if throttle_take(("submit_ip", ip)) is None:
        raise Throttled(_("提交过于频繁，请稍后再试。"))
    return appointment_book(
        day_id,
        name=booking.name,
        phone=booking.phone,
        summary=booking.summary,
        phone_verified=True,
        language=text_language,
    )
