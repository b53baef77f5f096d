"""The input of every action of the transition table, as one pydantic model per action.

One declaration serves three readers (issue 16, ADR 0007 "Inputs"):

* the engine validates ``data`` against it before any handler runs (``parse_input``): unknown
  fields, wrong types, missing required fields and choices outside the law's list are refused with
  ``InvalidInput`` naming the field and a code (``required``, ``unknown_field``, ``invalid``);
* the workbench builds each action's form from it (``minsheng.workbench.forms.fields_for``);
* the API documents each action's request body from it (``schema_for``; docs/api/openapi.json).

The models check shape only: what a value must look like. Rules that depend on the petition (a
date not before the act it follows, a reason required only when late, an organ that must not be
the accused unit) stay in the handlers, which name the field the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, cast

from annotated_types import Interval, MaxLen
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from minsheng.core.errors import InvalidInput
from minsheng.core.text import CONTROL_CHARACTERS, has_control_characters
from minsheng.orgs.models import POLITICAL_LEGAL_KINDS
from minsheng.workflow.models import Decision, Delivery, Opinion, Rating, SupervisionOrder
from minsheng.workflow.rulesets import limitations

# Largest primary key any supported database stores (signed 64-bit); larger numbers are never ids.
MAX_ID = 2**63 - 1

# ---------------------------------------------------------------------------------------------
# Widgets: how the workbench shows a field (the model says what the value must be)

TEXT, AREA, SELECT, DATE, DATETIME, BOOL, INT, ORGAN, ORGANS, USER, ORDER, PETITION, HIDDEN = (
    "text",
    "textarea",
    "select",
    "date",
    "datetime",
    "bool",
    "int",
    "organ",
    "organs",
    "user",
    "order",
    "petition",
    "hidden",
)


@dataclass(frozen=True)
class Widget:
    """Form metadata of a field: its label, help, widget kind, and for a checkbox the law requires
    to be ticked, ``affirm`` (the handler refuses an unticked box; the form marks it required)."""

    label: Any
    kind: str = TEXT
    help: Any = ""
    initial: str = ""
    organ_kinds: tuple[str, ...] = ()
    affirm: bool = False
    states: tuple[str, ...] = ()  # shown only in these states (empty: always)
    required_in: tuple[str, ...] = ()  # the handler requires it in these states
    choices_in: tuple[tuple[str, Choices], ...] = ()  # the choices the form offers in a state
    label_in: tuple[tuple[str, Any], ...] = ()  # another label in a state


@dataclass(frozen=True)
class Choices:
    """The allowed values of a select field and their labels (both from the models' enums).
    As metadata of ``Annotated[str, ...]`` it validates the value and adds ``enum`` to the schema."""

    values: tuple[tuple[str, Any], ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _label in self.values)

    def check(self, value: Any) -> str:
        if not isinstance(value, str) or value not in self.keys:
            raise PydanticCustomError("invalid", _("无效的选项；可选：%(c)s") % {"c": ", ".join(self.keys)})
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        json_schema = dict(handler(schema))
        json_schema["enum"] = list(self.keys)
        return json_schema


# ---------------------------------------------------------------------------------------------
# Value types. Each before-validator accepts what JSON or an HTML form sends and nothing else.


def _text(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("invalid", _("应为文本。"))
    # Control characters (NUL, vertical tab …) are dropped, not refused: texts stored before they
    # were refused at intake are pre-filled into forms (the request of a conclusion), and nobody can
    # see, let alone remove, them. PostgreSQL refuses NUL in text.
    return CONTROL_CHARACTERS.sub("", value) if has_control_characters(value) else value


# Validation context key: the data is a JSON body (the API), not an HTML form. JSON has types, so a
# flag must be true/false and a number a number: "30" or "on" is a client's mistake (422), while
# a form sends every value as text.
JSON_TYPES = "json_types"


def _json(info: ValidationInfo | None) -> bool:
    return bool(info is not None and info.context and info.context.get(JSON_TYPES))


def _flag(value: Any, info: ValidationInfo) -> bool:
    if isinstance(value, bool):
        return value
    if _json(info):
        raise PydanticCustomError("invalid", _("应为 true 或 false。"))
    if value in ("true", "1", "on", 1):
        return True
    if value in ("false", "0", "off", 0):
        return False
    raise PydanticCustomError("invalid", _("应为是或否。"))


def _count(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("invalid", _("应为整数。"))
    if isinstance(value, int):
        return value
    if (
        not _json(info)
        and isinstance(value, str)
        and value.isascii()
        and value.lstrip("-").isdigit()
        and len(value) <= 20
    ):
        return int(value)
    raise PydanticCustomError("invalid", _("应为整数。"))


def _identifier(value: Any, info: ValidationInfo | None) -> int:
    """A positive database id, at most 64-bit: a JSON integer (a form's string of ASCII digits)."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif (
        not _json(info)
        and isinstance(value, str)
        and value.isascii()
        and value.isdigit()
        and len(value) <= 19
    ):
        number = int(value)
    if number is None or not 1 <= number <= MAX_ID:
        raise PydanticCustomError("invalid", _("应为正整数编号。"))
    return number


def _reference(value: Any, info: ValidationInfo) -> int | str:
    """An id or a code (机关代码, 查询码): digits are an id, other short text a code."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        if not value.strip() or len(value) > 100:
            raise PydanticCustomError("invalid", _("应为编号或代码。"))
        return value.strip()
    if isinstance(value, str):  # digits: an id, also in JSON (the field documents "id or code")
        return _identifier(value, None)
    return _identifier(value, info)


def _identifiers(value: Any, info: ValidationInfo) -> list[int]:
    if not isinstance(value, list):
        raise PydanticCustomError("invalid", _("应为编号列表。"))
    return [_identifier(item, info) for item in value]


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    parsed = None
    if isinstance(value, str) and len(value) <= 10:
        try:  # well formed but impossible dates (2025-02-30) raise ValueError
            parsed = parse_date(value)
        except ValueError:
            parsed = None
    if parsed is None:
        raise PydanticCustomError("invalid", _("日期格式应为 YYYY-MM-DD。"))
    return parsed


DATE_ONLY_TIME = dt.time(9, 0)  # a date without a time means the start of office hours that day


def moment_of_day(day: dt.date) -> dt.datetime:
    """When an act given by its date alone happened: 09:00 local that day (office hours), or now
    when that is still to come — today's date entered before nine is today, not the future (an
    external client's review: "received_at": today was refused before 09:00)."""
    moment = timezone.make_aware(dt.datetime.combine(day, DATE_ONLY_TIME))
    now = timezone.now()
    # Only today's nine o'clock gives way to now; a later date stays in the future (refused there).
    return now if day == timezone.localdate(now) and moment > now else moment


def _moment(value: Any) -> dt.datetime:
    parsed: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = moment_of_day(value)
    elif isinstance(value, str) and len(value) <= 40:
        try:
            # The date-only form first: Python 3.11's fromisoformat reads "2025-03-03" as midnight.
            day = parse_date(value) if len(value) == 10 else None
            parsed = moment_of_day(day) if day else parse_datetime(value)
        except ValueError:  # 2025-02-30, 25:00
            parsed = None
    if parsed is None:
        raise PydanticCustomError(
            "invalid", _("时间格式应为 ISO 8601（如 2025-09-30 或 2025-09-30T10:00+08:00）。")
        )
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


Line = Annotated[str, MaxLen(200), BeforeValidator(_text)]
Name = Annotated[str, MaxLen(100), BeforeValidator(_text)]
Para = Annotated[str, MaxLen(20000), BeforeValidator(_text)]
Comment = Annotated[str, MaxLen(2000), BeforeValidator(_text)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Day = Annotated[dt.date, BeforeValidator(_day)]
Moment = Annotated[dt.datetime, BeforeValidator(_moment)]
Id = Annotated[int, Interval(ge=1, le=MAX_ID), BeforeValidator(_identifier)]
Ids = Annotated[list[Id], BeforeValidator(_identifiers)]
Ref = Annotated[int | str, BeforeValidator(_reference)]
Days30 = Annotated[int, Interval(ge=1, le=30), BeforeValidator(_count)]
Days90 = Annotated[int, Interval(ge=1, le=90), BeforeValidator(_count)]


def _labels(enum: Any, values: list[str] | None = None) -> Choices:
    members = list(enum) if values is None else [enum(v) for v in values]
    return Choices(tuple((str(m.value), m.label) for m in members))


# Outcome lists: the law's words for each stage (Art. 32 handling; Art. 35 review/recheck).
HANDLING_OUTCOMES = [
    Opinion.Outcome.SUPPORT,
    Opinion.Outcome.PARTIAL_SUPPORT,
    Opinion.Outcome.EXPLAIN,
    Opinion.Outcome.NOT_SUPPORT,
]
APPEAL_OUTCOMES = [Opinion.Outcome.UPHELD, Opinion.Outcome.CHANGED, Opinion.Outcome.REVOKED]
SUGGESTION_OUTCOMES = [Opinion.Outcome.ADOPTED, Opinion.Outcome.PARTLY_ADOPTED, Opinion.Outcome.NOT_ADOPTED]
DUTY_OUTCOMES = [Opinion.Outcome.SUPPORT, Opinion.Outcome.EXPLAIN, Opinion.Outcome.NOT_SUPPORT]

HANDLING = _labels(Opinion.Outcome, [str(o) for o in HANDLING_OUTCOMES])
APPEAL = _labels(Opinion.Outcome, [str(o) for o in APPEAL_OUTCOMES])
HANDLING_OR_APPEAL = Choices(HANDLING.values + APPEAL.values)
# 复查/复核 opinions are drafted and signed in these states (Arts. 35-36; handling.APPEAL_DRAFT_STAGES).
REVIEW_REQUESTED, RECHECK_REQUESTED = "review_requested", "recheck_requested"
APPEAL_SIGNOFF_STATES = (REVIEW_REQUESTED, RECHECK_REQUESTED)
SUGGESTION = _labels(Opinion.Outcome, [str(o) for o in SUGGESTION_OUTCOMES])
DUTY = _labels(Opinion.Outcome, [str(o) for o in DUTY_OUTCOMES])
METHODS = _labels(Delivery.Method)
REFUSAL_REASONS = _labels(Decision.Reason)
ORDER_KINDS = _labels(SupervisionOrder.Kind)
RATINGS = _labels(Rating.Value)
RATING_TARGETS = _labels(Rating.Target)
REDIRECT_ROUTES = Choices(
    (
        ("litigation_etc", gettext_lazy("诉讼、复议、刑事立案、法律监督、公安程序")),
        ("arbitration", gettext_lazy("仲裁")),
        ("party_appeal", gettext_lazy("党员申诉、申请复审")),
        ("admin_procedure", gettext_lazy("行政复议、裁决、确认、许可、处罚等行政程序")),
    )
)
LIMITATION_KINDS = Choices(tuple((key, period.label) for key, period in limitations().items()))

DISCIPLINE_KINDS = ("discipline",)


def _w(label: Any, kind: str = TEXT, **options: Any) -> Widget:
    return Widget(label, kind, **options)


# ---------------------------------------------------------------------------------------------
# The base model: what every action may carry (back-dated entry, workflow engine ``act_moment``)


class ActionInput(BaseModel):
    """Fields every action takes: when the act really happened, and why it is entered late."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # Fields the form shows first (the decision before its reasons); the rest in model order.
    lead_fields: ClassVar[tuple[str, ...]] = ()
    # The action's own field that says when it happened (used when ``occurred_at`` is not given).
    act_time_alias: ClassVar[str | None] = None

    occurred_at: Annotated[
        Moment | None,
        _w(
            gettext_lazy("办理时间"),
            DATETIME,
            help=gettext_lazy(
                "补录已办理的环节时填写实际办理时间；留空为现在。不能晚于现在，不能早于上一环节"
            ),
        ),
    ] = None
    late_reason: Annotated[
        Comment | None,
        _w(gettext_lazy("补录原因"), AREA, help=gettext_lazy("办理时间早于录入时间一日以上时必填")),
    ] = None

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        # An empty form field or a JSON null means "not given": the handler applies its default.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None and v != "" and v != []}
        return data


COMMON_FIELDS = tuple(ActionInput.model_fields)


class NoInput(ActionInput):
    pass


class OpinionText(ActionInput):
    """The parts of a written opinion (Art. 32): request, facts and reasons, opinion, legal basis."""

    request: Annotated[
        Para | None, _w(gettext_lazy("信访人投诉请求"), AREA, help=gettext_lazy("留空则使用登记的请求"))
    ] = None
    facts_and_reasons: Annotated[Para, _w(gettext_lazy("事实和理由"), AREA)]
    opinion: Annotated[Para, _w(gettext_lazy("处理意见"), AREA)]
    legal_basis: Annotated[
        Para | None, _w(gettext_lazy("法律法规依据"), AREA, help=gettext_lazy("普通程序必填；简易程序可不填"))
    ] = None


class DeliveryFields(ActionInput):
    method: Annotated[Annotated[str, METHODS], _w(gettext_lazy("送达方式"), SELECT)]
    delivered_on: Annotated[
        Day | None, _w(gettext_lazy("信访人收到日期"), DATE, help=gettext_lazy("留空为今天"))
    ] = None
    refused: Annotated[Flag, _w(gettext_lazy("拒收（留置送达）"), BOOL)] = False
    method_reason: Annotated[
        Comment | None,
        _w(
            gettext_lazy("送达方式说明"),
            AREA,
            help=gettext_lazy("信访人要求纸质文书而以短信、电话或网络送达时必填"),
        ),
    ] = None


class AppealRequest(ActionInput):
    received_on: Annotated[
        Day | None,
        _w(gettext_lazy("收到请求日期"), DATE, help=gettext_lazy("复查/复核机关收到请求之日；留空为今天")),
    ] = None
    postmarked_on: Annotated[
        Day | None, _w(gettext_lazy("邮戳日期"), DATE, help=gettext_lazy("邮寄提出的，以邮戳日期为准"))
    ] = None
    reasons: Annotated[Para | None, _w(gettext_lazy("请求理由"), AREA)] = None
    good_reason: Annotated[
        Para | None, _w(gettext_lazy("逾期正当理由"), AREA, help=gettext_lazy("超过30日申请期限时必填"))
    ] = None


# ---- intake: the bureau's 15 days (Arts. 17-24)


class ForwardInput(ActionInput):
    organ_id: Annotated[Ref, _w(gettext_lazy("转送机关（主办）"), ORGAN)]
    assisting_organ_ids: Annotated[Ids | None, _w(gettext_lazy("协办机关"), ORGANS)] = None
    instructions: Annotated[Para | None, _w(gettext_lazy("转送说明"), AREA)] = None


class AssignInput(ActionInput):
    organ_id: Annotated[Ref, _w(gettext_lazy("交办机关（主办）"), ORGAN)]
    due_date: Annotated[
        Day | None,
        _w(gettext_lazy("指定办理期限"), DATE, help=gettext_lazy("自交办之日起计算；与“期限天数”二选一")),
    ] = None
    due_days: Annotated[
        Days90 | None, _w(gettext_lazy("期限天数"), INT, help=gettext_lazy("自交办之日起的天数（1–90）"))
    ] = None
    assisting_organ_ids: Annotated[Ids | None, _w(gettext_lazy("协办机关"), ORGANS)] = None
    instructions: Annotated[Para | None, _w(gettext_lazy("交办要求"), AREA)] = None

    @model_validator(mode="after")
    def _one_period(self) -> AssignInput:
        # Either a date or a number of days: with both, one of them would be ignored silently.
        if self.due_date is not None and self.due_days is not None:
            raise PydanticCustomError(
                "invalid", _("“指定办理期限”与“期限天数”只能填写一项。"), {"field": "due_date"}
            )
        return self


class NoteRequired(ActionInput):
    note: Annotated[Para, _w(gettext_lazy("说明"), AREA)]


class ReportForDecisionInput(ActionInput):
    note: Annotated[Para, _w(gettext_lazy("报请事由"), AREA)]


class RecordLimitationInput(ActionInput):
    limitation: Annotated[Annotated[str, LIMITATION_KINDS], _w(gettext_lazy("时效"), SELECT)]
    known_date: Annotated[Day, _w(gettext_lazy("知道或应当知道之日"), DATE)]


class SplitAccusationInput(ActionInput):
    accusation_title: Annotated[Line, _w(gettext_lazy("检举控告部分：标题"))]
    accusation_request: Annotated[Para, _w(gettext_lazy("检举控告部分：请求"), AREA)]
    accusation_facts: Annotated[Para | None, _w(gettext_lazy("检举控告部分：事实"), AREA)] = None
    accused_organ_id: Annotated[Ref | None, _w(gettext_lazy("被检举控告单位"), ORGAN)] = None
    accused_person: Annotated[Name | None, _w(gettext_lazy("被检举控告人"))] = None
    discipline_organ_id: Annotated[
        Ref | None,
        _w(
            gettext_lazy("纪检监察机关"),
            ORGAN,
            help=gettext_lazy("留空则自动选择"),
            organ_kinds=DISCIPLINE_KINDS,
        ),
    ] = None
    grievance_title: Annotated[Line, _w(gettext_lazy("申诉求决部分：标题"))]
    grievance_request: Annotated[
        Para,
        _w(
            gettext_lazy("申诉求决部分：请求"),
            AREA,
            help=gettext_lazy("不得含有检举控告的内容（条例第三十条第三款）"),
        ),
    ]
    grievance_facts: Annotated[Para | None, _w(gettext_lazy("申诉求决部分：事实"), AREA)] = None
    grievance_reasons: Annotated[Para | None, _w(gettext_lazy("申诉求决部分：理由"), AREA)] = None


class RoutePoliticalLegalInput(ActionInput):
    organ_id: Annotated[Ref, _w(gettext_lazy("政法部门"), ORGAN, organ_kinds=POLITICAL_LEGAL_KINDS)]


class RouteDisciplineInput(ActionInput):
    organ_id: Annotated[Ref, _w(gettext_lazy("纪检监察机关"), ORGAN, organ_kinds=DISCIPLINE_KINDS)]


class NotAcceptInput(ActionInput):
    reason: Annotated[Annotated[str, REFUSAL_REASONS], _w(gettext_lazy("不予受理理由"), SELECT)]
    explanation: Annotated[
        Para | None, _w(gettext_lazy("说明"), AREA, help=gettext_lazy("理由为“其他”时必填"))
    ] = None
    guidance_organ_id: Annotated[
        Ref | None,
        _w(
            gettext_lazy("告知向其提出的有权机关"), ORGAN, help=gettext_lazy("越级走访、不属于受理范围时必填")
        ),
    ] = None
    related_petition_id: Annotated[
        Ref | None,
        _w(gettext_lazy("关联信访事项查询码"), PETITION, help=gettext_lazy("重复信访、复核终结时必填")),
    ] = None


class ReferElsewhereInput(ActionInput):
    guidance_organ_id: Annotated[Ref, _w(gettext_lazy("有权处理的机关"), ORGAN)]
    explanation: Annotated[Para | None, _w(gettext_lazy("说明"), AREA)] = None


class ReceiveInput(ActionInput):
    act_time_alias = "received_at"

    received_at: Annotated[
        Moment | None, _w(gettext_lazy("收到时间"), DATETIME, help=gettext_lazy("留空为现在"))
    ] = None


class ObjectInput(ActionInput):
    reasons: Annotated[
        Para, _w(gettext_lazy("异议理由"), AREA, help=gettext_lazy("收到之日起5个工作日内提出"))
    ]
    suggested_organ_id: Annotated[Ref | None, _w(gettext_lazy("建议的有权机关"), ORGAN)] = None


class ApproveObjectionInput(ActionInput):
    note: Annotated[Para | None, _w(gettext_lazy("意见"), AREA)] = None


class RejectObjectionInput(ActionInput):
    note: Annotated[Para, _w(gettext_lazy("不同意的理由"), AREA)]


class DisputeInput(ActionInput):
    reasons: Annotated[Para, _w(gettext_lazy("争议事由"), AREA)]
    other_organ_ids: Annotated[Ids, _w(gettext_lazy("涉及的其他机关"), ORGANS)]


class ResolveDisputeInput(ActionInput):
    organ_id: Annotated[Ref, _w(gettext_lazy("确定的受理机关"), ORGAN)]
    note: Annotated[Para | None, _w(gettext_lazy("说明"), AREA)] = None


# ---- handling (Arts. 31-34)


class AcceptInput(ActionInput):
    notice_given_at: Annotated[
        Moment | None, _w(gettext_lazy("书面告知时间"), DATETIME, help=gettext_lazy("留空为现在"))
    ] = None
    on_the_spot: Annotated[Flag, _w(gettext_lazy("当场告知"), BOOL)] = False


class RedirectInput(ActionInput):
    route: Annotated[Annotated[str, REDIRECT_ROUTES], _w(gettext_lazy("法定途径"), SELECT)]
    target_procedure: Annotated[Para, _w(gettext_lazy("具体程序及受理机关"))]
    limitation: Annotated[Annotated[str, LIMITATION_KINDS] | None, _w(gettext_lazy("时效"), SELECT)] = None
    known_date: Annotated[Day | None, _w(gettext_lazy("知道或应当知道之日"), DATE)] = None


class PerformDutyInput(ActionInput):
    outcome: Annotated[Annotated[str, DUTY], _w(gettext_lazy("结果"), SELECT)]
    facts_and_reasons: Annotated[Para | None, _w(gettext_lazy("事实和理由"), AREA)] = None
    reply: Annotated[Para, _w(gettext_lazy("答复内容"), AREA)]


class ReplySuggestionInput(ActionInput):
    outcome: Annotated[Annotated[str, SUGGESTION], _w(gettext_lazy("采纳情况"), SELECT)]
    reply: Annotated[Para, _w(gettext_lazy("回复内容"), AREA)]


class StartHandlingInput(ActionInput):
    no_conflict_of_interest: Annotated[
        Flag, _w(gettext_lazy("本人与信访事项或信访人无直接利害关系（第二十八条）"), BOOL, affirm=True)
    ] = False


class SimplifyInput(ActionInput):
    likely_supported: Annotated[Flag, _w(gettext_lazy("事实清楚、诉求可能予以支持"), BOOL, affirm=True)] = (
        False
    )
    no_statutory_procedure: Annotated[
        Flag, _w(gettext_lazy("不属于应通过法定途径解决的事项"), BOOL, affirm=True)
    ] = False
    single_responsible_body: Annotated[Flag, _w(gettext_lazy("责任主体单一"), BOOL, affirm=True)] = False
    no_conflict_of_interest: Annotated[Flag, _w(gettext_lazy("本人无直接利害关系"), BOOL, affirm=True)] = (
        False
    )
    paper_requested: Annotated[Flag, _w(gettext_lazy("信访人要求纸质答复"), BOOL)] = False


class ConvertInput(ActionInput):
    reason: Annotated[Para, _w(gettext_lazy("转为普通程序的理由"), AREA)]


class StartHearingInput(ActionInput):
    start: Annotated[Day | None, _w(gettext_lazy("听证日期"), DATE, help=gettext_lazy("留空为今天"))] = None
    participants: Annotated[Para | None, _w(gettext_lazy("参加人"), AREA)] = None


class EndHearingInput(ActionInput):
    end: Annotated[Day | None, _w(gettext_lazy("结束日期"), DATE, help=gettext_lazy("留空为今天"))] = None
    summary: Annotated[Para | None, _w(gettext_lazy("听证情况"), AREA)] = None


class StartMediationInput(ActionInput):
    both_parties_consent: Annotated[Flag, _w(gettext_lazy("双方当事人同意调解"), BOOL, affirm=True)] = False


class SettleInput(ActionInput):
    agreement: Annotated[Para, _w(gettext_lazy("调解和解协议内容"), AREA)]


class OptionalNote(ActionInput):
    note: Annotated[Para | None, _w(gettext_lazy("说明"), AREA)] = None


class ExtendInput(ActionInput):
    days: Annotated[Days30, _w(gettext_lazy("延长天数（累计不超过30日）"), INT)]
    reason: Annotated[Para, _w(gettext_lazy("延期理由"), AREA)]
    notified_at: Annotated[
        Moment | None,
        _w(gettext_lazy("已告知信访人的时间"), DATETIME, help=gettext_lazy("告知后延期才生效；可稍后登记")),
    ] = None


class NotifyExtensionInput(ActionInput):
    notified_at: Annotated[
        Moment | None, _w(gettext_lazy("告知时间"), DATETIME, help=gettext_lazy("留空为现在"))
    ] = None


class DraftOpinionInput(ActionInput):
    """A draft may be incomplete while it is only saved; submitted, it needs every part. At
    复查/复核 the outcome is one of 维持/变更/撤销 (the handler checks the stage's list)."""

    outcome: Annotated[
        Annotated[str, HANDLING_OR_APPEAL] | None,
        _w(
            gettext_lazy("拟处理结果"),
            SELECT,
            choices_in=((REVIEW_REQUESTED, APPEAL), (RECHECK_REQUESTED, APPEAL), ("*", HANDLING)),
            label_in=(
                (REVIEW_REQUESTED, gettext_lazy("拟复查复核结果")),
                (RECHECK_REQUESTED, gettext_lazy("拟复查复核结果")),
            ),
        ),
    ] = None
    facts_and_reasons: Annotated[Para | None, _w(gettext_lazy("事实和理由"), AREA)] = None
    opinion: Annotated[Para | None, _w(gettext_lazy("处理意见"), AREA)] = None
    legal_basis: Annotated[Para | None, _w(gettext_lazy("法律法规依据"), AREA)] = None
    submit: Annotated[
        Flag,
        _w(
            gettext_lazy("报送机关负责人签发"),
            BOOL,
            initial="on",
            help=gettext_lazy("不勾选则仅保存草稿；报送时须填齐各项"),
        ),
    ] = True


class SignOpinionInput(ActionInput):
    """At 复查/复核 signing issues and delivers the opinion in one act: the delivery fields."""

    comment: Annotated[Comment | None, _w(gettext_lazy("签发意见"), AREA)] = None
    draft_id: Annotated[Id | None, _w(gettext_lazy("草稿编号"), HIDDEN)] = None
    method: Annotated[
        Annotated[str, METHODS] | None,
        _w(gettext_lazy("送达方式"), SELECT, states=APPEAL_SIGNOFF_STATES, required_in=APPEAL_SIGNOFF_STATES),
    ] = None
    delivered_on: Annotated[
        Day | None,
        _w(
            gettext_lazy("信访人收到日期"),
            DATE,
            help=gettext_lazy("留空为今天"),
            states=APPEAL_SIGNOFF_STATES,
        ),
    ] = None
    refused: Annotated[Flag, _w(gettext_lazy("拒收（留置送达）"), BOOL, states=APPEAL_SIGNOFF_STATES)] = False
    method_reason: Annotated[
        Comment | None,
        _w(
            gettext_lazy("送达方式说明"),
            AREA,
            help=gettext_lazy("信访人要求纸质文书而以短信、电话或网络送达时必填"),
            states=APPEAL_SIGNOFF_STATES,
        ),
    ] = None


class ReturnDraftInput(ActionInput):
    comment: Annotated[Comment, _w(gettext_lazy("退回意见"), AREA)]
    draft_id: Annotated[Id | None, _w(gettext_lazy("草稿编号"), HIDDEN)] = None


class DeclareConflictInput(ActionInput):
    reason: Annotated[
        Comment,
        _w(
            gettext_lazy("回避理由"),
            AREA,
            help=gettext_lazy(
                "与信访事项或信访人有直接利害关系的情形（条例第二十八条第三款）；声明后不能再办理本事项"
            ),
        ),
    ]


class ConcludeInput(OpinionText):
    lead_fields = ("outcome",)
    outcome: Annotated[Annotated[str, HANDLING], _w(gettext_lazy("处理结果"), SELECT)]


class ReportCompletionInput(ActionInput):
    report: Annotated[Para, _w(gettext_lazy("办结报告"), AREA)]


class ImportReplyInput(ActionInput):
    reply: Annotated[Para, _w(gettext_lazy("答复内容"), AREA)]


# ---- 复查 / 复核 (Arts. 35-36)


class ConcludeAppealInput(OpinionText, DeliveryFields):
    lead_fields = ("outcome", "request", "facts_and_reasons", "opinion", "legal_basis")
    outcome: Annotated[Annotated[str, APPEAL], _w(gettext_lazy("复查/复核结果"), SELECT)]
    # A 复查/复核 opinion always states its legal basis (no simplified procedure at review): the
    # handler required it while the schema said optional (external client review, 2026-12-08).
    legal_basis: Annotated[Para, _w(gettext_lazy("法律法规依据"), AREA)]


class RecheckHearingStartInput(ActionInput):
    hearing_start: Annotated[
        Day | None, _w(gettext_lazy("听证开始日期"), DATE, help=gettext_lazy("留空为今天"))
    ] = None
    participants: Annotated[Para | None, _w(gettext_lazy("参加人"), AREA)] = None


class RecheckHearingEndInput(ActionInput):
    hearing_end: Annotated[
        Day | None, _w(gettext_lazy("听证结束日期"), DATE, help=gettext_lazy("留空为今天"))
    ] = None


# ---- oversight (Arts. 39-44)


class SuperviseInput(ActionInput):
    kind: Annotated[Annotated[str, ORDER_KINDS], _w(gettext_lazy("督办类型"), SELECT)]
    suggestion: Annotated[Para, _w(gettext_lazy("督办意见"), AREA)]
    feedback_due: Annotated[
        Day | None,
        _w(
            gettext_lazy("反馈期限"),
            DATE,
            help=gettext_lazy("留空则按“对改进建议书面反馈”时限自动计算；不得早于督办日期"),
        ),
    ] = None


class SupervisionFeedbackInput(ActionInput):
    order_id: Annotated[Id, _w(gettext_lazy("督办单"), ORDER)]
    feedback: Annotated[Para, _w(gettext_lazy("书面反馈"), AREA)]


class DelistInput(ActionInput):
    order_id: Annotated[Id, _w(gettext_lazy("挂牌督办单"), ORDER)]
    evidence: Annotated[Para, _w(gettext_lazy("整改到位的依据"), AREA)]


class NoteInput(ActionInput):
    text: Annotated[
        Annotated[str, MaxLen(5000), BeforeValidator(_text)], _w(gettext_lazy("备注（仅内部可见）"), AREA)
    ]


class RecordFollowUpInput(ActionInput):
    """What the organ did on a task it owes after its answer: supervising the execution of a
    supporting opinion (Art. 32(2)), or counselling, resolving the dispute and helping after the
    matter was final (Art. 37(3)). ``task_id`` names the task; without it, the organ's oldest open one."""

    work: Annotated[
        Annotated[str, MaxLen(5000), BeforeValidator(_text)],
        _w(gettext_lazy("工作情况（督促执行的落实情况，或疏导教育、矛盾化解、帮扶救助）"), AREA),
    ]
    done: Annotated[Flag, _w(gettext_lazy("后续工作已完成"), BOOL)] = False
    task_id: Annotated[Id | None, _w(gettext_lazy("后续工作编号"), HIDDEN)] = None


class AssignCaseworkerInput(ActionInput):
    user_id: Annotated[Id, _w(gettext_lazy("承办人"), USER)]


class RateInput(ActionInput):
    """The petitioner rates the competent organ (default) or, separately, the petition bureau."""

    value: Annotated[Annotated[str, RATINGS], _w(gettext_lazy("评价"), SELECT)]
    target: Annotated[Annotated[str, RATING_TARGETS] | None, _w(gettext_lazy("评价对象"), SELECT)] = None
    comment: Annotated[Comment | None, _w(gettext_lazy("评价意见"), AREA)] = None


# ---------------------------------------------------------------------------------------------
# The table of inputs: one model per action of the transition table (a test checks both agree)

INPUTS: dict[str, type[ActionInput]] = {
    # Registration creates the petition (registration.petition_register with its RegistrationInput;
    # POST /api/v1/petitions): the row is never performed as an action on a stored petition.
    "register": NoInput,
    "triage": NoInput,
    "forward": ForwardInput,
    "assign": AssignInput,
    "report_for_decision": ReportForDecisionInput,
    "route_political_legal": RoutePoliticalLegalInput,
    "route_discipline": RouteDisciplineInput,
    "record_limitation": RecordLimitationInput,
    "split_accusation": SplitAccusationInput,
    "not_accept": NotAcceptInput,
    "refer_elsewhere": ReferElsewhereInput,
    "receive": ReceiveInput,
    "object": ObjectInput,
    "approve_objection": ApproveObjectionInput,
    "reject_objection": RejectObjectionInput,
    "dispute_jurisdiction": DisputeInput,
    "resolve_jurisdiction": ResolveDisputeInput,
    "accept": AcceptInput,
    "redirect": RedirectInput,
    "perform_duty": PerformDutyInput,
    "reply_suggestion": ReplySuggestionInput,
    "start_handling": StartHandlingInput,
    "simplify": SimplifyInput,
    "convert_to_ordinary": ConvertInput,
    "start_hearing": StartHearingInput,
    "end_hearing": EndHearingInput,
    "start_mediation": StartMediationInput,
    "settle": SettleInput,
    "end_mediation": OptionalNote,
    "extend": ExtendInput,
    "notify_extension": NotifyExtensionInput,
    "draft_opinion": DraftOpinionInput,
    "conclude": ConcludeInput,
    "sign_opinion": SignOpinionInput,
    "return_draft": ReturnDraftInput,
    "deliver": DeliveryFields,
    "report_completion": ReportCompletionInput,
    "request_review": AppealRequest,
    "conclude_review": ConcludeAppealInput,
    "request_recheck": AppealRequest,
    "start_recheck_hearing": RecheckHearingStartInput,
    "end_recheck_hearing": RecheckHearingEndInput,
    "conclude_recheck": ConcludeAppealInput,
    "close_no_review": NoInput,
    "import_reply": ImportReplyInput,
    "archive": NoInput,
    "supervise": SuperviseInput,
    "supervision_feedback": SupervisionFeedbackInput,
    "delist": DelistInput,
    "note": NoteInput,
    "record_follow_up": RecordFollowUpInput,
    "declare_conflict": DeclareConflictInput,
    "assign_caseworker": AssignCaseworkerInput,
    "take_charge": NoInput,
    "report_urgent": OptionalNote,
    "rate": RateInput,
}


# Rows of the table that are not actions on a stored petition (no form, no action path).
NOT_ACTIONS = frozenset({"register"})

# ---------------------------------------------------------------------------------------------
# Parsing


def _message(error: Any) -> tuple[str, str]:
    """(code, message in the active language) for one pydantic error."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "required", _("此项必填。")
    if kind == "extra_forbidden":
        return "unknown_field", _("此操作没有这一项。")
    if kind in ("greater_than_equal", "greater_than"):
        return "invalid", _("不能小于 %(n)s。") % {"n": ctx.get("ge", ctx.get("gt"))}
    if kind in ("less_than_equal", "less_than"):
        return "invalid", _("不能大于 %(n)s。") % {"n": ctx.get("le", ctx.get("lt"))}
    if kind in ("too_long", "string_too_long"):
        return "invalid", _("内容过长（最多 %(n)s 字）。") % {"n": ctx.get("max_length")}
    if kind == "invalid":  # ours: the message is already in the active language
        return "invalid", str(error["msg"])
    return "invalid", _("格式不正确。")


def parse_input(action: str, data: dict[str, Any], *, json_types: bool = False) -> dict[str, Any]:
    """``data`` checked against the action's model: the given fields, normalised to JSON values
    (dates ``YYYY-MM-DD``, times ISO 8601 with offset). InvalidInput names the first bad field.

    ``json_types``: ``data`` is a decoded JSON body, so ids, counts and flags must be JSON numbers
    and booleans (a form's text "30" / "on" is refused); dates and times stay strings."""
    model = INPUTS[action]
    try:
        parsed = model.model_validate(data, context={JSON_TYPES: json_types})
    except ValidationError as exc:
        errors = exc.errors()
        # A misspelt field also leaves the intended one missing: naming the stray one helps more.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        location = first.get("loc") or ()
        # A rule across fields (model validator) names its field in the error's context.
        field = str(location[0]) if location else str((first.get("ctx") or {}).get("field", "body"))
        code, message = _message(first)
        raise InvalidInput(message, field=field, code=code) from None
    return cast(dict[str, Any], parsed.model_dump(mode="json", exclude_unset=True))


# ---------------------------------------------------------------------------------------------
# Introspection: for forms and the OpenAPI document


@dataclass(frozen=True)
class InputField:
    name: str
    widget: Widget
    required: bool
    choices: tuple[tuple[str, Any], ...]
    minimum: int | None = None
    maximum: int | None = None


def input_fields(action: str) -> list[InputField]:
    """The action's own fields first, then the common ones (back-dated entry), in model order."""
    model = INPUTS[action]
    own = [n for n in model.model_fields if n not in COMMON_FIELDS]
    own = [*model.lead_fields, *(n for n in own if n not in model.lead_fields)]
    result = []
    for name in [*own, *COMMON_FIELDS]:
        info = model.model_fields[name]
        widget = next((m for m in info.metadata if isinstance(m, Widget)), None)
        if widget is None:
            widget = _find(info.annotation, Widget) or Widget(name)
        choices = _find(info.annotation, Choices) or next(
            (m for m in info.metadata if isinstance(m, Choices)), None
        )
        result.append(
            InputField(
                name=name,
                widget=widget,
                required=info.is_required() or widget.affirm,
                choices=choices.values if choices else (),
            )
        )
    return result


def _find(annotation: Any, kind: type[Any]) -> Any:
    """Metadata of ``kind`` nested in an Annotated/Optional annotation."""
    stack = [annotation]
    while stack:
        item = stack.pop()
        for meta in getattr(item, "__metadata__", ()):
            if isinstance(meta, kind):
                return meta
        stack.extend(getattr(item, "__args__", ()))
        origin = getattr(item, "__origin__", None)
        if origin is not None and origin is not item:
            stack.append(origin)
    return None


def schema_for(action: str) -> dict[str, Any]:
    """The JSON schema of the action's request body, with labels and help in the active language."""
    model = INPUTS[action]
    schema = model.model_json_schema(mode="validation")
    schema["title"] = model.__name__
    properties = schema.get("properties", {})
    for spec in input_fields(action):
        prop = properties.get(spec.name)
        if prop is None:
            continue
        prop["title"] = str(spec.widget.label)
        if spec.widget.help:
            prop["description"] = str(spec.widget.help)
    return schema
