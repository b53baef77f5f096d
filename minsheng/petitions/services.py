"""Intake input: what a registration carries (``RegistrationInput``), its validation, the
petitioner record, tracking codes and query passwords (Art. 21–23).

Registration itself is a row of the transition table (``register``, received → registered) in
``minsheng.workflow.services.registration``; this module imports nothing of the workflow, so the
petitions app does not depend on it (ADR 0007)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.crypto import blind_index
from minsheng.core.errors import InvalidInput
from minsheng.core.text import has_control_characters
from minsheng.orgs.models import Category, Organ, Region
from minsheng.petitions.models import Channel, Nature, Petition, Petitioner

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O/1/I: read out over the phone


def new_tracking_code(now: dt.datetime) -> str:
    suffix = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
    return f"{timezone.localtime(now):%y%m%d}{suffix}"


def new_query_password() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def query_password_hash(tracking_code: str, password: str) -> str:
    """Keyed hash of the query password (pepper from SECRET_KEY). A six-digit password cannot
    resist offline guessing whatever the hash, so the key and the online throttles protect it;
    PBKDF2 would only make every registration slow."""
    key = hashlib.sha256(("query-password:" + settings.SECRET_KEY).encode()).digest()
    digest = hmac.new(key, f"{tracking_code}:{password}".encode(), hashlib.sha256).hexdigest()
    return f"hmac-sha256${digest}"


@dataclass
class PetitionerInput:
    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    email: str = ""
    nationality: str = "中国"
    is_organisation: bool = False
    language: str = ""  # of texts to the petitioner; "" = the deployment's


@dataclass
class RegistrationInput:
    channel: str
    receiving_organ: Organ
    title: str
    request: str
    received_at: dt.datetime | None = None
    facts: str = ""
    reasons: str = ""
    nature: str = Nature.GRIEVANCE
    category: Category | None = None
    region: Region | None = None
    place_text: str = ""
    petitioner: PetitionerInput = field(default_factory=PetitionerInput)
    is_oral: bool | None = None
    is_collective: bool = False
    persons_involved: int = 1
    representatives: list[dict[str, str]] = field(default_factory=list)
    is_urgent: bool = False
    accused_organ: Organ | None = None
    accused_person: str = ""
    visited_organ_level_gap: int | None = None  # for visits: visited level minus competent level
    paper_requested: bool = True
    suggestions: dict[str, Any] = field(default_factory=dict)
    is_historical: bool = False  # a past case loaded by `import-petitions --historical`
    portal_user: AbstractBaseUser | None = None
    # The petitioner record of another petition (a mixed letter split by the bureau): kept as is.
    existing_petitioner: Petitioner | None = None
    # The caller sends the tracking code and query password by SMS in the same transaction
    # (``petition_register_with_credentials``): that text says "registered", so the plain
    # registration notice goes by e-mail only — one SMS, not two.
    credentials_by_sms: bool = False


#: The 2022 信访工作条例 took effect on this day; its channels (Art. 17) have no e-mail of their own.
EMAIL_CHANNEL_UNTIL = dt.date(2022, 5, 1)


def validate_registration(data: RegistrationInput, now: dt.datetime) -> None:
    if data.channel not in Channel.values:
        raise InvalidInput(_("无效的渠道。"), field="channel")
    if data.channel == Channel.EMAIL and not data.is_historical:
        # R-010 / Art. 17 (2022): online, letter, phone, fax, visit; e-mail is kept for records
        # received before the 2022 regulations took effect (an import of historical cases).
        received = data.received_at or now
        if timezone.localdate(received) >= EMAIL_CHANNEL_UNTIL:
            raise InvalidInput(_("2022年5月1日起不再以电子邮件渠道登记，请选择网上信访。"), field="channel")
    if data.nature not in Nature.values:
        raise InvalidInput(_("无效的信访事项性质。"), field="nature")
    if not data.title.strip():
        raise InvalidInput(_("请填写标题。"), field="title")
    if len(data.title) > 200:
        raise InvalidInput(_("标题最多200字。"), field="title")
    if not data.request.strip():
        raise InvalidInput(_("请写明请求（条例第十九条）。"), field="request")
    for name in ("request", "facts", "reasons"):
        if len(getattr(data, name)) > 20000:
            raise InvalidInput(_("内容过长（最多20000字）。"), field=name)
    if data.received_at is not None:
        if timezone.is_naive(data.received_at):
            raise InvalidInput(_("收到时间须带时区。"), field="received_at")
        if data.received_at > now + dt.timedelta(minutes=5):
            raise InvalidInput(_("收到时间不能晚于录入时间。"), field="received_at")
        if data.received_at < now - dt.timedelta(days=366 * 3):
            raise InvalidInput(_("收到时间过早，请核对。"), field="received_at")
    if data.is_oral and data.channel not in (Channel.PHONE, Channel.VISIT):
        raise InvalidInput(_("只有来电、来访可以口头提出。"), field="is_oral")
    if data.persons_involved < 1:
        raise InvalidInput(_("涉及人数至少为1。"), field="persons_involved")
    limit = settings.MINSHENG_MAX_REPRESENTATIVES
    if len(data.representatives) > limit:
        # C-REP-5 (Art. 20(3)): a collective visit with more than 5 representatives cannot be saved.
        raise InvalidInput(
            _("多人走访应推选代表，代表人数不得超过%(n)d人（条例第二十条第三款）。") % {"n": limit},
            field="representatives",
        )
    if data.representatives and not data.is_collective:
        raise InvalidInput(_("只有集体访或联名信访有代表。"), field="representatives")
    for index, rep in enumerate(data.representatives):
        if not (rep.get("name") or "").strip():
            raise InvalidInput(_("第%(i)d位代表缺少姓名。") % {"i": index + 1}, field="representatives")
    if data.accused_organ is not None and data.nature != Nature.ACCUSATION:
        raise InvalidInput(_("只有检举控告类事项填写被检举控告单位。"), field="accused_organ")
    phone = "".join(ch for ch in data.petitioner.phone if ch.isdigit() or ch == "+")
    if data.petitioner.phone and not (7 <= len(phone) <= 15):
        raise InvalidInput(_("电话号码无效。"), field="phone")
    id_number = data.petitioner.id_number.strip().upper()
    if id_number and not _valid_id_number(id_number):
        raise InvalidInput(_("身份证号码无效。"), field="id_number")
    if not data.is_historical:
        # Control characters (NUL, vertical tab, escape …) fit no document, spreadsheet or SMS, and
        # PostgreSQL refuses NUL: refused on every channel — the portal, the citizen API and
        # Open311 stored them (external client review, 2026-12-08); the staff API already refused.
        texts = {
            "title": data.title,
            "request": data.request,
            "facts": data.facts,
            "reasons": data.reasons,
            "place_text": data.place_text,
            "name": data.petitioner.name,
            "address": data.petitioner.address,
        }
        for name, text in texts.items():
            if has_control_characters(text or ""):
                raise InvalidInput(_("不能包含控制字符。"), field=name)
    email = data.petitioner.email.strip()
    if email and not data.is_historical:
        # Replies may go out by e-mail: an address that cannot receive one is refused at intake (an
        # import of historical cases keeps what the old system held).
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(_("电子邮箱地址无效。"), field="email") from None


def _valid_id_number(value: str) -> bool:
    """GB 11643 citizen ID (18 chars with ISO 7064 check digit); other documents pass if plausible."""
    if len(value) == 18 and value[:17].isdigit():
        weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        total = sum(int(d) * w for d, w in zip(value[:17], weights, strict=True))
        return "10X98765432"[total % 11] == value[17]
    return 6 <= len(value) <= 30 and value.replace("-", "").isalnum()


#: R-050 / I-REPEAT (accountability_rules.yaml: "match: petitioner + facts + request"): an earlier
#: petition of the same person is the same matter when the texts (title, request, facts, reasons)
#: share at least this 3-gram Jaccard similarity — the similarity index's threshold for "similar"
#: (intelligence.services.SIMILAR_MIN_SCORE). Below it the person came back about something else.
REPEAT_MIN_SCORE = 0.3
#: How many of the person's latest earlier petitions are compared (a person with hundreds is
#: compared with his latest ones; the matter he repeats is among them).
REPEAT_CANDIDATES = 50


def earlier_same_matter(
    petitioner: Petitioner | None,
    nature: str,
    text: str,
    *,
    before: dt.datetime | None = None,
) -> Petition | None:
    """The first item (初件) of the matter this person raised before and now raises again, or None
    when the new petition is 初次信访 (R-050 match, I-REPEAT: same petitioner — by the blind indexes
    of ID number and phone — and the same facts and request, by text similarity; ``text`` is the
    new petition's match text, intelligence.similarity.petition_match_text).

    Accusations are left out unless the new item is one itself: 初次 is shown to everybody who
    sees the new item, and must not tell them that its petitioner once accused somebody (R-150).
    """
    if petitioner is None:
        return None
    from minsheng.core.text import compact
    from minsheng.intelligence.nlp.minhash import jaccard, shingles
    from minsheng.intelligence.similarity import MATCH_FIELDS, SHINGLE_K, petition_match_text
    from minsheng.petitions.confidentiality import identity_keys, identity_q

    # The same person: this record, or any record with the same blind index of phone or ID
    # number. Found on the petitioner table's indexes first, then the petitions through their
    # petitioner index (a semi-join; an OR across the join would scan every petition).
    people = Petitioner.objects.filter(
        Q(pk=petitioner.pk)
        | identity_q(identity_keys(petitioner.phone_index, petitioner.id_number_index), prefix="")
    ).values("pk")
    earlier = Petition.objects.filter(petitioner_id__in=people)
    if nature != Nature.ACCUSATION:
        earlier = earlier.exclude(nature=Nature.ACCUSATION)
    if before is not None:
        earlier = earlier.filter(received_at__lte=before)
    rows = earlier.order_by("-received_at", "-pk").only("pk", "first_item_id", *MATCH_FIELDS)[
        :REPEAT_CANDIDATES
    ]
    new = shingles(compact(text), SHINGLE_K)
    best: tuple[float, Petition] | None = None
    for row in rows:
        score = float(jaccard(new, shingles(compact(petition_match_text(row)), SHINGLE_K)))
        if score >= REPEAT_MIN_SCORE and (best is None or score > best[0]):
            best = (score, row)
    if best is None:
        return None
    match = best[1]
    # The chain's first item: a repeat of a repeat repeats the first.
    return match.first_item if match.first_item_id else match


def find_or_create_petitioner(data: PetitionerInput, user: AbstractBaseUser | None) -> Petitioner | None:
    if not any(
        [
            data.name.strip(),
            data.id_number.strip(),
            data.phone.strip(),
            data.address.strip(),
            data.email.strip(),
        ]
    ):
        return None
    id_index = blind_index(data.id_number) if data.id_number.strip() else ""
    phone_index = blind_index(data.phone) if data.phone.strip() else ""
    language = petitioner_language(data.language)
    # Reuse a record only when every identifying field given agrees with it: typing somebody
    # else's ID number must never attach a petition to that person, change their address or send
    # them messages. Otherwise a new record is made; repeats are still found by the blind indexes.
    candidates = Petitioner.objects.none()
    if id_index:
        candidates = Petitioner.objects.filter(id_number_index=id_index)
    elif phone_index:
        candidates = Petitioner.objects.filter(phone_index=phone_index)
    name = data.name.strip()
    for candidate in candidates[:20]:
        same = (
            candidate.name == name
            and candidate.phone_index == phone_index
            and candidate.id_number_index == id_index
            and candidate.address == data.address.strip()
            and (not data.email.strip() or candidate.email == data.email.strip())
            and (candidate.user_id is None or user is None or candidate.user_id == user.pk)
        )
        if same:
            changed = []
            if user is not None and candidate.user_id is None:
                candidate.user = user  # type: ignore[assignment]
                changed.append("user")
            if language and candidate.language != language:  # the language the person used last
                candidate.language = language
                changed.append("language")
            if changed:
                candidate.save(update_fields=changed)
            return candidate
    return Petitioner.objects.create(
        name=data.name.strip(),
        id_number=data.id_number.strip().upper(),
        id_number_index=id_index,
        phone=data.phone.strip(),
        phone_index=phone_index,
        address=data.address.strip(),
        email=data.email.strip(),
        nationality=data.nationality or "中国",
        is_organisation=data.is_organisation,
        language=language,
        user=user,
    )


def petitioner_language(code: str, *, field: str = "petitioner.language") -> str:
    """A language for texts to a petitioner, as one of settings.LANGUAGES ("" = the deployment's);
    "en-US" → "en", "zh-CN" → "zh-hans". InvalidInput for a language the product does not speak."""
    raw = code.strip().lower().replace("_", "-")
    if not raw:
        return ""
    known = [lang for lang, _name in settings.LANGUAGES]
    if raw in known:
        return raw
    if raw.startswith("zh") and "zh-hans" in known:
        return "zh-hans"
    base = raw.split("-")[0]
    if base in known:
        return base
    raise InvalidInput(
        _("不支持的通知语言：%(lang)s（可选：%(known)s）。") % {"lang": code, "known": ", ".join(known)},
        field=field,
    )


def petition_check_query(tracking_code: str, password: str) -> Petition | None:
    """The petition for a tracking code + query password, or None (never say which was wrong)."""
    code = tracking_code.strip().upper()
    petition = Petition.objects.filter(tracking_code=code).first()
    expected = query_password_hash(code, password.strip())
    if petition is None or not hmac.compare_digest(expected, petition.query_password_hash):
        return None
    return petition
