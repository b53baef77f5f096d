"""Open311 GeoReport v2: the services (categories) and requests (petitions) behind ``/open311/v2/``.

A thin mapping, keyed to the public tracking code (查询码): ``POST requests`` registers an online
petition through ``petition_register`` with the same checks as the portal; the reads answer only
what may be public — no petitioner data, no text written by the petitioner, and never an
accusation (检举控告): an accusation's tracking code answers 404, the same as an unknown one.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.params import check_year
from minsheng.core.phones import normalise_phone, phone_key, valid_mobile
from minsheng.core.throttle import throttle_blocked, throttle_hit
from minsheng.integrations.models import Integration, Open311Submission
from minsheng.orgs.models import Category, Region
from minsheng.orgs.selectors import online_bureau
from minsheng.petitions.citizen_access import allow_anonymous_accusations, petition_register_with_credentials
from minsheng.petitions.models import Channel, Nature, Petition, State
from minsheng.workflow import rulesets
from minsheng.workflow.labels import rule_name_zh
from minsheng.workflow.models import Deadline

# The one import of the registration service (it is moving to minsheng.workflow.services).
from minsheng.workflow.services import PetitionerInput, RegistrationInput

#: Requests the public lists and ``requests/{id}`` never show.
HIDDEN_NATURES = (Nature.ACCUSATION,)
#: States that Open311 reports as ``closed``: the procedure has ended, or the answer was delivered
#: (a 复查 request reopens it). ``returned`` is not closed: the bureau routes it again.
CLOSED_STATES: frozenset[str] = (
    frozenset(s.value for s in State) - rulesets.OPEN_STATES - {State.RETURNED, State.RECEIVED}
) | {State.DELIVERED, State.REVIEW_CONCLUDED, State.RECHECK_CONCLUDED}
OPEN311_NATURES = (Nature.GRIEVANCE, Nature.SUGGESTION, Nature.LITIGATION_RELATED, Nature.ACCUSATION)
#: Registration fields → the Open311 parameters they come from (for error messages).
REGISTRATION_PARAMETERS = {
    "title": "attribute[title]",
    "request": "description",
    "facts": "attribute[facts]",
    "place_text": "address_string",
    "nature": "attribute[nature]",
}
LIST_DEFAULT_DAYS = 90
LIST_LIMIT = 1000
MAX_IDS = 100


# ---- services (categories) ---------------------------------------------------------------------


def service_code(category: Category) -> str:
    return str(category.pk)


def open311_services() -> list[dict[str, Any]]:
    from minsheng.intelligence.nlp.keywords import CATEGORY_KEYWORDS

    rows = []
    for category in Category.objects.all().order_by("path"):
        group = category.path.split("/")[0]
        rows.append(
            {
                "service_code": service_code(category),
                "service_name": category.name,
                "description": category.path,
                "metadata": True,
                "type": "realtime",
                "keywords": ", ".join(CATEGORY_KEYWORDS.get(group, ())),
                "group": group,
            }
        )
    return rows


def open311_category(code: str) -> Category:
    """The category of a service code; NotFound for anything else."""
    if not re.fullmatch(r"[0-9]{1,18}", code or ""):
        raise NotFound(_("没有这个服务。"), field="service_code")
    category = Category.objects.filter(pk=int(code)).first()
    if category is None:
        raise NotFound(_("没有这个服务。"), field="service_code")
    return category


def open311_service_definition(code: str) -> dict[str, Any]:
    category = open311_category(code)
    natures = [(n, str(Nature(n).label)) for n in OPEN311_NATURES]
    return {
        "service_code": service_code(category),
        "attributes": [
            {
                "variable": True,
                "code": "nature",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("信访事项性质，默认申诉求决类。"),
                "order": 1,
                "description": _("事项性质"),
                "values": [{"key": key, "name": name} for key, name in natures],
            },
            {
                "variable": True,
                "code": "title",
                "datatype": "string",
                "required": False,
                "datatype_description": _("最多200字；不填时取描述的开头。"),
                "order": 2,
                "description": _("标题"),
                "values": [],
            },
            {
                "variable": True,
                "code": "facts",
                "datatype": "text",
                "required": False,
                "datatype_description": "",
                "order": 3,
                "description": _("事实和理由"),
                "values": [],
            },
        ],
    }


def open311_jurisdiction(jurisdiction_id: str) -> Region | None:
    """The region of a jurisdiction_id (its administrative code); None when not given."""
    value = (jurisdiction_id or "").strip()
    if not value:
        return None
    region = Region.objects.filter(code=value).first() if len(value) <= 12 else None
    if region is None:
        raise NotFound(_("没有这个辖区（jurisdiction_id）。"), field="jurisdiction_id")
    return region


# ---- POST requests -------------------------------------------------------------------------------


@dataclass
class Open311RequestInput:
    service_code: str
    description: str = ""
    jurisdiction_id: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Open311Created:
    service_request_id: str
    token: str
    service_notice: str


def _coordinate(value: str, name: str, limit: float) -> float | None:
    if not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(_("坐标须为数字。"), field=name) from None
    if not -limit <= number <= limit:
        raise InvalidInput(_("坐标超出范围。"), field=name)
    return number


def open311_request_create(integration: Integration, data: Open311RequestInput) -> Open311Created:
    """Register an online petition sent by an integration (the portal's checks and clocks).

    Raises InvalidInput / NotFound naming the parameter; nothing is written then.
    """
    category = open311_category(data.service_code)
    region = open311_jurisdiction(data.jurisdiction_id)
    lat = _coordinate(data.lat, "lat", 90)
    lng = _coordinate(data.long, "long", 180)
    if (lat is None) != (lng is None):
        raise InvalidInput(_("lat 和 long 须同时提供。"), field="lat" if lat is None else "long")
    address = data.address_string.strip()
    if lat is None and not address and not data.address_id.strip():
        raise InvalidInput(_("请提供位置：lat/long 或 address_string。"), field="address_string")
    if len(address) > 150:
        raise InvalidInput(_("地址最多150字。"), field="address_string")
    description = data.description.strip()
    if not description:
        raise InvalidInput(_("请写明请求（条例第十九条）。"), field="description")
    unknown = sorted(set(data.attributes) - {"nature", "title", "facts"})
    if unknown:
        raise InvalidInput(_("没有这个属性。"), field=f"attribute[{unknown[0]}]")
    nature = data.attributes.get("nature", "").strip() or Nature.GRIEVANCE
    if nature not in OPEN311_NATURES:
        raise InvalidInput(_("无效的信访事项性质。"), field="attribute[nature]")
    title = data.attributes.get("title", "").strip() or description.splitlines()[0][:30]
    name = f"{data.last_name.strip()}{data.first_name.strip()}"
    phone = normalise_phone(data.phone)
    if data.phone.strip() and not valid_mobile(phone):
        raise InvalidInput(_("请填写正确的手机号码。"), field="phone")
    email = data.email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(_("电子邮件地址格式不正确。"), field="email") from None
    anonymous = not (name or phone or email)
    if anonymous and not (allow_anonymous_accusations() and nature == Nature.ACCUSATION):
        raise InvalidInput(_("只有检举控告可以匿名提出；请提供姓名和手机号码。"), field="phone")
    if not anonymous and not (name and phone):
        raise InvalidInput(_("请同时提供姓名（first_name、last_name）和手机号码。"), field="phone")
    if throttle_blocked("open311_key", str(integration.pk)):
        raise InvalidInput(_("提交过于频繁，请稍后再试。"), field="api_key", code="throttled")
    bureau = online_bureau()
    if bureau is None:
        raise InvalidInput(_("网上信访暂不可用：未配置市信访局。"), field="service_code", code="unavailable")
    place = address
    if lat is not None:
        place = f"{address} ({lat:.6f},{lng:.6f})".strip()
    registration = RegistrationInput(
        channel=Channel.ONLINE,
        receiving_organ=bureau,
        title=title,
        request=description,
        facts=data.attributes.get("facts", "").strip(),
        nature=nature,
        category=category,
        region=region,
        place_text=place,
        petitioner=PetitionerInput() if anonymous else PetitionerInput(name=name, phone=phone, email=email),
        paper_requested=False,
        suggestions={"open311": {"integration": integration.name, "service_code": service_code(category)}},
    )
    with transaction.atomic():
        try:
            # As on the portal: the query password goes only to the petitioner's phone (one SMS, in
            # the petitioner's language, recorded on the timeline), never back to the integration.
            petition, _password, _sent = petition_register_with_credentials(registration, actor=None)
        except InvalidInput as exc:  # name the Open311 parameter, not the registration field
            exc.field = REGISTRATION_PARAMETERS.get(exc.field or "", exc.field)
            raise
        # The phone's own limit is told only for a request that is valid in every other respect
        # (ADR 0020): asked earlier, an invalid request would answer "this phone submitted often
        # today" for free. Refused here, the registration above is rolled back with its SMS.
        if phone and throttle_blocked("submit_phone", phone_key(phone)):
            raise InvalidInput(_("提交过于频繁，请稍后再试。"), field="phone", code="throttled")
        token = secrets.token_urlsafe(24)
        Open311Submission.objects.create(integration=integration, petition=petition, token=token)
    throttle_hit("open311_key", str(integration.pk))
    if phone:
        throttle_hit("submit_phone", phone_key(phone))
    return Open311Created(petition.tracking_code, token, _service_notice_new(petition))


def _service_notice_new(petition: Petition) -> str:
    return _("已登记，查询码 %(c)s；查询密码已通过短信发送给信访人。") % {"c": petition.tracking_code}


# ---- GET requests ----------------------------------------------------------------------------------


def public_requests() -> QuerySet[Petition]:
    """Every petition Open311 may answer about: never an accusation, never a historical import."""
    return (
        Petition.objects.exclude(nature__in=HIDDEN_NATURES)
        .exclude(is_historical=True)
        .select_related("category", "region", "current_organ")
    )


def open311_request(service_request_id: str) -> dict[str, Any]:
    code = (service_request_id or "").strip().upper()
    petition = public_requests().filter(tracking_code=code).first() if len(code) <= 20 else None
    if petition is None:
        raise NotFound(_("没有这个请求。"), field="service_request_id")
    return _request_row(petition, _open_deadlines([petition.pk]))


def open311_token(token: str) -> dict[str, Any]:
    value = (token or "").strip()
    submission = (
        Open311Submission.objects.select_related("petition").filter(token=value).first()
        if 0 < len(value) <= 40
        else None
    )
    if submission is None:
        raise NotFound(_("没有这个令牌。"), field="token")
    return {"service_request_id": submission.petition.tracking_code, "token": submission.token}


def _parse_datetime(value: str, name: str) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(_("时间须为 ISO 8601 格式。"), field=name) from None
    check_year(moment, name)  # year 1 or 9999 would overflow the window arithmetic (a 500)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@dataclass
class Open311Query:
    service_request_id: str = ""
    service_code: str = ""
    start_date: str = ""
    end_date: str = ""
    status: str = ""


def open311_requests(query: Open311Query, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The spec's list: by ids (the other filters are then ignored), else by service, status and
    date range (default the last 90 days), newest first, at most 1000."""
    qs = public_requests()
    if query.service_request_id.strip():
        codes = [c.strip().upper() for c in query.service_request_id.split(",") if c.strip()]
        if len(codes) > MAX_IDS or any(len(c) > 20 for c in codes):
            raise InvalidInput(_("请求编号过多或格式不正确。"), field="service_request_id")
        qs = qs.filter(tracking_code__in=codes)
    else:
        if query.service_code.strip():
            services = {c.strip() for c in query.service_code.split(",")}
            if len(services) > MAX_IDS:
                raise InvalidInput(_("服务代码过多。"), field="service_code")
            if not all(re.fullmatch(r"[0-9]{1,18}", c) for c in services):
                raise NotFound(_("没有这个服务。"), field="service_code")
            wanted = {int(c) for c in services}
            ids = set(Category.objects.filter(pk__in=sorted(wanted)).values_list("pk", flat=True))
            if len(ids) != len(wanted):
                raise NotFound(_("没有这个服务。"), field="service_code")
            qs = qs.filter(category_id__in=sorted(ids))
        statuses = {s.strip() for s in query.status.split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise InvalidInput(_("status 只能是 open 或 closed。"), field="status")
        if statuses == {"open"}:
            qs = qs.exclude(state__in=sorted(CLOSED_STATES))
        elif statuses == {"closed"}:
            qs = qs.filter(state__in=sorted(CLOSED_STATES))
        start = _parse_datetime(query.start_date, "start_date")
        end = _parse_datetime(query.end_date, "end_date")
        if start is None and end is None:
            start = (now or timezone.now()) - dt.timedelta(days=LIST_DEFAULT_DAYS)
        if start is not None and end is not None and end < start:
            raise InvalidInput(_("end_date 不能早于 start_date。"), field="end_date")
        if start is not None and end is not None and end - start > dt.timedelta(days=LIST_DEFAULT_DAYS):
            raise InvalidInput(_("查询时间范围不能超过90日。"), field="end_date")
        if start is not None:
            qs = qs.filter(received_at__gte=start)
        if end is not None:
            qs = qs.filter(received_at__lte=end)
    petitions = list(qs.order_by("-received_at", "-pk")[:LIST_LIMIT])
    deadlines = _open_deadlines([p.pk for p in petitions])
    return [_request_row(p, deadlines) for p in petitions]


def _open_deadlines(petition_ids: list[int]) -> dict[int, Deadline]:
    """The nearest open deadline of each petition (its statutory due is ``expected_datetime``)."""
    nearest: dict[int, Deadline] = {}
    rows = Deadline.objects.filter(petition_id__in=petition_ids, status=Deadline.Status.OPEN).order_by(
        "statutory_due", "pk"
    )
    for deadline in rows:
        nearest.setdefault(deadline.petition_id, deadline)
    return nearest


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def _request_row(petition: Petition, deadlines: dict[int, Deadline]) -> dict[str, Any]:
    closed = petition.state in CLOSED_STATES
    deadline = None if closed else deadlines.get(petition.pk)
    notice = ""
    if deadline is not None:
        notice = _("%(rule)s：%(due)s 届满") % {
            "rule": rule_name_zh(deadline.rule),
            "due": deadline.statutory_due.isoformat(),
        }
    category = petition.category
    return {
        "service_request_id": petition.tracking_code,
        "status": "closed" if closed else "open",
        "status_notes": str(State(petition.state).label),
        "service_name": category.name if category else "",
        "service_code": service_code(category) if category else "",
        "agency_responsible": petition.current_organ.name if petition.current_organ_id else "",
        "service_notice": notice,
        "requested_datetime": petition.received_at,
        "updated_datetime": max(petition.state_changed_at, petition.received_at),
        "expected_datetime": _end_of_day(deadline.statutory_due) if deadline is not None else None,
        "address": petition.region.name if petition.region_id and petition.region else "",
    }


# ---- mySociety's servicerequestupdates extension ---------------------------------------------------


def open311_updates(
    start_date: str, end_date: str, *, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Status changes of the public requests (FixMyStreet-style clients follow replies with it):
    each public timeline event that changed the state, oldest first, at most 1000; default the
    last 7 days. The description is the new state's label, never a text written by anyone."""
    from minsheng.workflow.models import PetitionEvent

    start = _parse_datetime(start_date, "start_date")
    end = _parse_datetime(end_date, "end_date")
    if start is None:
        start = (end or now or timezone.now()) - dt.timedelta(days=7)
    if end is not None and end < start:
        raise InvalidInput(_("end_date 不能早于 start_date。"), field="end_date")
    events = (
        PetitionEvent.objects.filter(petition__in=public_requests(), is_public=True, occurred_at__gte=start)
        .exclude(to_state="")
        .select_related("petition")
        .order_by("occurred_at", "pk")
    )
    if end is not None:
        events = events.filter(occurred_at__lte=end)
    rows = []
    for event in events[:LIST_LIMIT]:
        rows.append(
            {
                "update_id": str(event.pk),
                "service_request_id": event.petition.tracking_code,
                "status": "closed" if event.to_state in CLOSED_STATES else "open",
                "updated_datetime": event.occurred_at,
                "description": str(State(event.to_state).label) if event.to_state in State.values else "",
                "media_url": "",
                "external_status_code": event.to_state,
            }
        )
    return rows
