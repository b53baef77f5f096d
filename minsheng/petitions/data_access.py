"""A petitioner's access to his own personal data (PIPL Arts. 44-45; REGULATIONS.md R-156).

A person signed in on the portal with his phone (an SMS one-time code or the password he set;
the account's user name is ``citizen-`` + the phone's blind index) may ask for:

- **his own data** (``Scope.OWN_DATA``): the petitioner records held under his phone (or linked to
  his account), the petitions filed under them, and which organs viewed that data and when.
  Released minus what the law lets us withhold, with the reasons stated:
  internal deliberations and staff notes (PIPL Art. 18 para 1 and Art. 35: disclosure would
  hinder the statutory duty), other people's data (other petitioners, representatives,
  co-signers: not his personal data), the accused persons' data and accusation materials
  (《信访工作条例》 Art. 30 para 3), and the names of staff and their reasons (Art. 35).
- **accusation materials about him** (``Scope.ACCUSATIONS_ABOUT_ME``): always refused under
  《信访工作条例》 Art. 30 para 3, with the same answer whether or not any exist (no oracle).

Every request is recorded (``DataAccessRequest``: who, when, what was released or the refusal).
Nothing here ever reads another phone's records: the only key is the requester's own blind index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.crypto import mask_id_number
from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.orgs.security import CITIZEN_USERNAME_PREFIX
from minsheng.petitions.models import (
    AccessKind,
    Channel,
    DataAccessRequest,
    Nature,
    PersonalDataAccess,
    Petition,
    Petitioner,
    State,
)

AnyUser = AbstractBaseUser | AnonymousUser

# The portal's citizen accounts are named after the phone's blind index (one prefix, orgs.security).
CITIZEN_PREFIX = CITIZEN_USERNAME_PREFIX

Scope = DataAccessRequest.Scope


def subject_phone_index(user: AnyUser | None) -> str:
    """The blind index of the phone the signed-in citizen proved; Forbidden for anyone else."""
    if user is None or not user.is_authenticated:
        raise Forbidden(_("请先用手机号码登录。"))
    username = user.get_username()
    if not username.startswith(CITIZEN_PREFIX) or len(username) <= len(CITIZEN_PREFIX):
        raise Forbidden(_("只有以手机号码登录的信访人可以查阅本人个人信息。"))
    return username[len(CITIZEN_PREFIX) :]


@dataclass(frozen=True)
class PetitionerRecord:
    name: str
    phone: str
    id_number: str  # partly masked: the page may be seen over a shoulder
    address: str
    email: str
    nationality: str
    is_organisation: bool
    recorded_on: dt.date


@dataclass(frozen=True)
class PetitionRecord:
    tracking_code: str
    received_on: dt.date
    title: str
    state: str
    nature: str
    channel: str


@dataclass(frozen=True)
class AccessRecord:
    """Who viewed the data: the organ (never the staff member), when, and what kind of view."""

    tracking_code: str
    organ: str
    on: dt.date
    kind: str


@dataclass(frozen=True)
class Withheld:
    what: str
    why: str


@dataclass
class SubjectReport:
    request_id: int
    generated_at: dt.datetime
    petitioners: list[PetitionerRecord] = field(default_factory=list)
    petitions: list[PetitionRecord] = field(default_factory=list)
    accesses: list[AccessRecord] = field(default_factory=list)
    withheld: list[Withheld] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["generated_at"] = timezone.localtime(self.generated_at).isoformat()
        for key in ("petitioners", "petitions", "accesses"):
            for row in data[key]:
                for name, value in row.items():
                    if isinstance(value, dt.date):
                        row[name] = value.isoformat()
        return data


@dataclass(frozen=True)
class Refusal:
    request_id: int
    reason: str
    basis: str


def withheld_items() -> list[Withheld]:
    """What is never released on a request, and why (stated on the page and in the JSON)."""
    return [
        Withheld(
            _("内部研究讨论、审批意见、处理意见草稿和工作人员备注"),
            _(
                "提供将妨碍国家机关依法履行信访工作职责（《个人信息保护法》第十八条第一款、第三十五条、第四十五条第一款）。"
                "作出的处理意见、答复等文书可通过查询码查询。"
            ),
        ),
        Withheld(
            _("其他信访人、代表、联名人的身份和联系方式"),
            _(
                "属于他人的个人信息，不是您本人的个人信息，未经其同意不予提供（《个人信息保护法》第四十四条、第四十五条）。"
            ),
        ),
        Withheld(
            _("被检举控告人的信息及检举控告材料的有关情况"),
            _(
                "《信访工作条例》第三十条第三款：检举、揭发、控告材料及有关情况不得透露或者转送给被检举、揭发、控告的人员和单位。"
            ),
        ),
        Withheld(
            _("查看您信息的工作人员姓名及其查看理由"),
            _(
                "只列出查看的机关、日期和方式；工作人员个人信息及内部工作记录不予提供"
                "（《个人信息保护法》第三十五条）。如认为存在违法查看，可向该机关或其上级机关反映。"
            ),
        ),
    ]


def _petitioners(user: AbstractBaseUser, phone_index: str) -> list[Petitioner]:
    return list(
        Petitioner.objects.filter(Q(phone_index=phone_index) | Q(user_id=user.pk)).order_by(
            "created_at", "pk"
        )
    )


def _report(user: AbstractBaseUser, phone_index: str, request_id: int) -> SubjectReport:
    people = _petitioners(user, phone_index)
    petitions = list(Petition.objects.filter(petitioner__in=people).order_by("received_at", "pk"))
    accesses = list(
        PersonalDataAccess.objects.filter(petition__in=petitions)
        .select_related("organ", "petition")
        .order_by("accessed_at", "pk")
    )
    return SubjectReport(
        request_id=request_id,
        generated_at=timezone.now(),
        petitioners=[
            PetitionerRecord(
                name=p.name,
                phone=p.phone,
                id_number=mask_id_number(p.id_number),
                address=p.address,
                email=p.email,
                nationality=p.nationality,
                is_organisation=p.is_organisation,
                recorded_on=timezone.localtime(p.created_at).date(),
            )
            for p in people
        ],
        petitions=[
            PetitionRecord(
                tracking_code=p.tracking_code,
                received_on=timezone.localtime(p.received_at).date(),
                title=p.title,
                state=str(State(p.state).label),
                nature=str(Nature(p.nature).label),
                channel=str(Channel(p.channel).label),
            )
            for p in petitions
        ],
        accesses=[
            AccessRecord(
                tracking_code=a.petition.tracking_code,
                organ=a.organ.name if a.organ else _("（机关未记录）"),
                on=timezone.localtime(a.accessed_at).date(),
                kind=str(AccessKind(a.kind).label),
            )
            for a in accesses
        ],
        withheld=withheld_items(),
    )


REFUSAL_BASIS = (
    "《信访工作条例》第三十条第三款；《个人信息保护法》第十八条第一款、第三十五条、第四十五条第一款"
)


def data_access_request(
    user: AnyUser | None, *, scope: str, output_format: str = "html"
) -> SubjectReport | Refusal:
    """Answer (and record) one request of the signed-in citizen ``user``."""
    phone_index = subject_phone_index(user)
    assert isinstance(user, AbstractBaseUser)
    if scope not in Scope.values:
        raise InvalidInput(_("请选择要查阅的内容。"), field="scope")
    output_format = "json" if output_format == "json" else "html"
    if scope == Scope.ACCUSATIONS_ABOUT_ME:
        row = DataAccessRequest.objects.create(
            user=user,  # type: ignore[misc]
            phone_index=phone_index,
            scope=scope,
            outcome=DataAccessRequest.Outcome.REFUSED,
            output_format=output_format,
            refusal_basis=REFUSAL_BASIS,
        )
        return Refusal(
            request_id=row.pk,
            reason=_(
                "检举控告材料及其有关情况依法不得透露给被检举控告的人员和单位，因此不提供是否存在、"
                "由谁提出及其内容。本申请已记录。"
            ),
            basis=_(
                "《信访工作条例》第三十条第三款；《个人信息保护法》第十八条第一款、第三十五条、第四十五条第一款"
            ),
        )
    # The record lists what was released (ids, codes, counts), not the data itself.
    report = _report(user, phone_index, request_id=0)
    row = DataAccessRequest.objects.create(
        user=user,  # type: ignore[misc]
        phone_index=phone_index,
        scope=scope,
        outcome=DataAccessRequest.Outcome.RELEASED,
        output_format=output_format,
        released={
            "petitioner_records": len(report.petitioners),
            "petitions": [p.tracking_code for p in report.petitions],
            "access_rows": len(report.accesses),
            "withheld": [w.what for w in report.withheld],
        },
    )
    report.request_id = row.pk
    return report
