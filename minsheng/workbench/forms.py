"""Forms of the workbench: intake per channel, list filters, and the field specs of each action.

Action forms are generic: ACTION_FIELDS names each field of a transition's ``data`` (see the
handlers in minsheng.workflow.services); the view passes the posted values to
``petition_transition`` unchanged, and the service validates them (InvalidInput names the field).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.params import BadParameter, date_param, id_param
from minsheng.orgs.models import Category, Organ, Region
from minsheng.petitions.models import Channel, Nature, State
from minsheng.petitions.selectors import PetitionFilters
from minsheng.workflow.models import Decision, Delivery, Opinion, SupervisionOrder
from minsheng.workflow.services import APPEAL_OUTCOMES, HANDLING_OUTCOMES, LIMITATIONS

TEXT, AREA, SELECT, MULTI, DATE, DATETIME, BOOL, INT, ORGAN, ORGANS, USER, ORDER = (
    "text",
    "textarea",
    "select",
    "multiselect",
    "date",
    "datetime",
    "bool",
    "int",
    "organ",
    "organs",
    "user",
    "order",
)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Any
    kind: str = TEXT
    required: bool = False
    choices: tuple[tuple[str, Any], ...] = ()
    help: Any = ""
    initial: str = ""
    organ_kinds: tuple[str, ...] = ()


def _choices(values: list[str], enum: Any) -> tuple[tuple[str, Any], ...]:
    return tuple((str(v), enum(v).label) for v in values)


OUTCOME_HANDLING = _choices([str(o) for o in HANDLING_OUTCOMES], Opinion.Outcome)
OUTCOME_APPEAL = _choices([str(o) for o in APPEAL_OUTCOMES], Opinion.Outcome)
METHODS = tuple((m.value, m.label) for m in Delivery.Method)

OPINION_FIELDS = [
    FieldSpec("request", _("信访人投诉请求"), AREA, help=_("留空则使用登记的请求")),
    FieldSpec("facts_and_reasons", _("事实和理由"), AREA, True),
    FieldSpec("opinion", _("处理意见"), AREA, True),
    FieldSpec("legal_basis", _("法律法规依据"), AREA, True),
]
APPEAL_REQUEST = [
    FieldSpec("received_on", _("收到请求日期"), DATE, True, help=_("复查/复核机关收到请求之日")),
    FieldSpec("postmarked_on", _("邮戳日期"), DATE, help=_("邮寄提出的，以邮戳日期为准")),
    FieldSpec("reasons", _("请求理由"), AREA),
    FieldSpec("good_reason", _("逾期正当理由"), AREA, help=_("超过30日申请期限时必填")),
]
DELIVERY = [
    FieldSpec("method", _("送达方式"), SELECT, True, METHODS),
    FieldSpec("delivered_on", _("信访人收到日期"), DATE, True),
    FieldSpec("refused", _("拒收（留置送达）"), BOOL),
    FieldSpec(
        "method_reason",
        _("送达方式说明"),
        AREA,
        help=_("信访人要求纸质文书而以短信、电话或网络送达时必填"),
    ),
]

ACTION_FIELDS: dict[str, list[FieldSpec]] = {
    "triage": [],
    "forward": [
        FieldSpec("organ_id", _("转送机关（主办）"), ORGAN, True),
        FieldSpec("assisting_organ_ids", _("协办机关"), ORGANS),
        FieldSpec("instructions", _("转送说明"), AREA),
    ],
    "assign": [
        FieldSpec("organ_id", _("交办机关（主办）"), ORGAN, True),
        FieldSpec("due_date", _("指定办理期限"), DATE, True),
        FieldSpec("assisting_organ_ids", _("协办机关"), ORGANS),
        FieldSpec("instructions", _("交办要求"), AREA),
    ],
    "report_for_decision": [FieldSpec("note", _("报请事由"), AREA, True)],
    "record_limitation": [
        FieldSpec("limitation", _("时效"), SELECT, True, tuple((k, v[2]) for k, v in LIMITATIONS.items())),
        FieldSpec("known_date", _("知道或应当知道之日"), DATE, True),
    ],
    "split_accusation": [
        FieldSpec("accusation_title", _("检举控告部分：标题"), TEXT, True),
        FieldSpec("accusation_request", _("检举控告部分：请求"), AREA, True),
        FieldSpec("accusation_facts", _("检举控告部分：事实"), AREA),
        FieldSpec("accused_organ_id", _("被检举控告单位"), ORGAN),
        FieldSpec("accused_person", _("被检举控告人"), TEXT),
        FieldSpec("discipline_organ_id", _("纪检监察机关"), ORGAN, help=_("留空则自动选择")),
        FieldSpec("grievance_title", _("申诉求决部分：标题"), TEXT, True),
        FieldSpec(
            "grievance_request",
            _("申诉求决部分：请求"),
            AREA,
            True,
            help=_("不得含有检举控告的内容（条例第三十条第三款）"),
        ),
        FieldSpec("grievance_facts", _("申诉求决部分：事实"), AREA),
        FieldSpec("grievance_reasons", _("申诉求决部分：理由"), AREA),
    ],
    "route_political_legal": [
        FieldSpec(
            "organ_id",
            _("政法部门"),
            ORGAN,
            True,
            organ_kinds=(Organ.Kind.POLITICAL_LEGAL, Organ.Kind.COURT, Organ.Kind.PROCURATORATE),
        )
    ],
    "route_discipline": [
        FieldSpec("organ_id", _("纪检监察机关"), ORGAN, True, organ_kinds=(Organ.Kind.DISCIPLINE,))
    ],
    "not_accept": [
        FieldSpec(
            "reason", _("不予受理理由"), SELECT, True, tuple((r.value, r.label) for r in Decision.Reason)
        ),
        FieldSpec("explanation", _("说明"), AREA),
        FieldSpec(
            "guidance_organ_id", _("告知向其提出的有权机关"), ORGAN, help=_("越级走访、不属于受理范围时必填")
        ),
        FieldSpec("related_petition_id", _("关联信访事项查询码"), TEXT, help=_("重复信访、复核终结时必填")),
    ],
    "refer_elsewhere": [
        FieldSpec("guidance_organ_id", _("有权处理的机关"), ORGAN, True),
        FieldSpec("explanation", _("说明"), AREA),
    ],
    "receive": [FieldSpec("received_at", _("收到时间"), DATETIME, help=_("留空为现在"))],
    "object": [
        FieldSpec("reasons", _("异议理由"), AREA, True, help=_("收到之日起5个工作日内提出")),
        FieldSpec("suggested_organ_id", _("建议的有权机关"), ORGAN),
    ],
    "approve_objection": [FieldSpec("note", _("意见"), AREA)],
    "reject_objection": [FieldSpec("note", _("不同意的理由"), AREA, True)],
    "dispute_jurisdiction": [
        FieldSpec("reasons", _("争议事由"), AREA, True),
        FieldSpec("other_organ_ids", _("涉及的其他机关"), ORGANS),
    ],
    "resolve_jurisdiction": [
        FieldSpec("organ_id", _("确定的受理机关"), ORGAN, True),
        FieldSpec("note", _("说明"), AREA),
    ],
    "accept": [
        FieldSpec("notice_given_at", _("书面告知时间"), DATETIME, help=_("留空为现在")),
        FieldSpec("on_the_spot", _("当场告知"), BOOL),
    ],
    "redirect": [
        FieldSpec(
            "route",
            _("法定途径"),
            SELECT,
            True,
            tuple(
                (r, label)
                for r, label in (
                    ("litigation_etc", _("诉讼、复议、刑事立案、法律监督、公安程序")),
                    ("arbitration", _("仲裁")),
                    ("party_appeal", _("党员申诉、申请复审")),
                    ("admin_procedure", _("行政复议、裁决、确认、许可、处罚等行政程序")),
                )
            ),
        ),
        FieldSpec("target_procedure", _("具体程序及受理机关"), TEXT, True),
        FieldSpec("limitation", _("时效"), SELECT, choices=tuple((k, v[2]) for k, v in LIMITATIONS.items())),
        FieldSpec("known_date", _("知道或应当知道之日"), DATE),
    ],
    "perform_duty": [
        FieldSpec("outcome", _("结果"), SELECT, True, OUTCOME_HANDLING[:1] + OUTCOME_HANDLING[2:]),
        FieldSpec("facts_and_reasons", _("事实和理由"), AREA),
        FieldSpec("reply", _("答复内容"), AREA, True),
    ],
    "reply_suggestion": [
        FieldSpec(
            "outcome",
            _("采纳情况"),
            SELECT,
            True,
            _choices(["adopted", "partly_adopted", "not_adopted"], Opinion.Outcome),
        ),
        FieldSpec("reply", _("回复内容"), AREA, True),
    ],
    "start_handling": [
        FieldSpec(
            "no_conflict_of_interest", _("本人与信访事项或信访人无直接利害关系（第二十八条）"), BOOL, True
        )
    ],
    "simplify": [
        FieldSpec("likely_supported", _("事实清楚、诉求可能予以支持"), BOOL, True),
        FieldSpec("no_statutory_procedure", _("不属于应通过法定途径解决的事项"), BOOL, True),
        FieldSpec("single_responsible_body", _("责任主体单一"), BOOL, True),
        FieldSpec("no_conflict_of_interest", _("本人无直接利害关系"), BOOL, True),
        FieldSpec("paper_requested", _("信访人要求纸质答复"), BOOL),
    ],
    "convert_to_ordinary": [FieldSpec("reason", _("转为普通程序的理由"), AREA, True)],
    "start_hearing": [
        FieldSpec("start", _("听证日期"), DATE, True),
        FieldSpec("participants", _("参加人"), AREA),
    ],
    "end_hearing": [FieldSpec("end", _("结束日期"), DATE, True), FieldSpec("summary", _("听证情况"), AREA)],
    "start_mediation": [FieldSpec("both_parties_consent", _("双方当事人同意调解"), BOOL, True)],
    "settle": [FieldSpec("agreement", _("调解和解协议内容"), AREA, True)],
    "end_mediation": [FieldSpec("note", _("说明"), AREA)],
    "extend": [
        FieldSpec("days", _("延长天数（累计不超过30日）"), INT, True),
        FieldSpec("reason", _("延期理由"), AREA, True),
        FieldSpec("notified_at", _("已告知信访人的时间"), DATETIME, help=_("告知后延期才生效；可稍后登记")),
    ],
    "notify_extension": [FieldSpec("notified_at", _("告知时间"), DATETIME, help=_("留空为现在"))],
    "draft_opinion": [
        FieldSpec("outcome", _("拟处理结果"), SELECT, False, OUTCOME_HANDLING),
        FieldSpec("facts_and_reasons", _("事实和理由"), AREA),
        FieldSpec("opinion", _("处理意见"), AREA),
        FieldSpec("legal_basis", _("法律法规依据"), AREA),
        FieldSpec(
            "submit",
            _("报送机关负责人签发"),
            BOOL,
            initial="on",
            help=_("不勾选则仅保存草稿；报送时须填齐各项"),
        ),
    ],
    "sign_opinion": [FieldSpec("comment", _("签发意见"), AREA)],
    "return_draft": [FieldSpec("comment", _("退回意见"), AREA, True)],
    "declare_conflict": [
        FieldSpec(
            "reason",
            _("回避理由"),
            AREA,
            True,
            help=_("与信访事项或信访人有直接利害关系的情形（条例第二十八条第三款）；声明后不能再办理本事项"),
        )
    ],
    "conclude": [FieldSpec("outcome", _("处理结果"), SELECT, True, OUTCOME_HANDLING), *OPINION_FIELDS],
    "deliver": DELIVERY,
    "report_completion": [FieldSpec("report", _("办结报告"), AREA, True)],
    "request_review": APPEAL_REQUEST,
    "conclude_review": [
        FieldSpec("outcome", _("复查结果"), SELECT, True, OUTCOME_APPEAL),
        *OPINION_FIELDS,
        *DELIVERY,
    ],
    "request_recheck": APPEAL_REQUEST,
    "start_recheck_hearing": [
        FieldSpec("hearing_start", _("听证开始日期"), DATE, True),
        FieldSpec("participants", _("参加人"), AREA),
    ],
    "end_recheck_hearing": [FieldSpec("hearing_end", _("听证结束日期"), DATE, True)],
    "conclude_recheck": [
        FieldSpec("outcome", _("复核结果"), SELECT, True, OUTCOME_APPEAL),
        *OPINION_FIELDS,
        *DELIVERY,
    ],
    "supervise": [
        FieldSpec(
            "kind", _("督办类型"), SELECT, True, tuple((k.value, k.label) for k in SupervisionOrder.Kind)
        ),
        FieldSpec("suggestion", _("督办意见"), AREA, True),
        FieldSpec(
            "feedback_due",
            _("反馈期限"),
            DATE,
            help=_("留空则按“对改进建议书面反馈”时限自动计算；不得早于督办日期"),
        ),
    ],
    "supervision_feedback": [
        FieldSpec("order_id", _("督办单"), ORDER, True),
        FieldSpec("feedback", _("书面反馈"), AREA, True),
    ],
    "note": [FieldSpec("text", _("备注（仅内部可见）"), AREA, True)],
    "assign_caseworker": [FieldSpec("user_id", _("承办人"), USER, True)],
    "take_charge": [],
    "report_urgent": [FieldSpec("note", _("情况说明"), AREA)],
    "archive": [],
}

# Back-dated entry (workflow engine ``act_moment``): every action form may record when the act
# really happened and, when entered more than a day later, why it is entered late.
COMMON_FIELDS = [
    FieldSpec(
        "occurred_at",
        _("办理时间"),
        DATETIME,
        help=_("补录已办理的环节时填写实际办理时间；留空为现在。不能晚于现在，不能早于上一环节"),
    ),
    FieldSpec("late_reason", _("补录原因"), AREA, help=_("办理时间早于录入时间一日以上时必填")),
]
ACTION_FIELDS = {action: [*specs, *COMMON_FIELDS] for action, specs in ACTION_FIELDS.items()}

# Actions whose button is shown as the main step; the rest are grouped as secondary.
PRIMARY_ACTIONS = frozenset(
    {
        "forward",
        "assign",
        "receive",
        "accept",
        "start_handling",
        "conclude",
        "sign_opinion",
        "deliver",
        "conclude_review",
        "conclude_recheck",
        "request_review",
        "request_recheck",
        "extend",
        "supervise",
        "take_charge",
        "supervision_feedback",
    }
)
DANGER_ACTIONS = frozenset(
    {"not_accept", "object", "dispute_jurisdiction", "report_urgent", "declare_conflict", "return_draft"}
)


def action_data(specs: list[FieldSpec], post: QueryDict) -> dict[str, Any]:
    """The posted values as the transition's data: lists for multi-selects, booleans for checkboxes;
    empty values are left out so that the service applies its defaults."""
    data: dict[str, Any] = {}
    for spec in specs:
        if spec.kind in (ORGANS, MULTI):
            values = [v for v in post.getlist(spec.name) if v]
            if values:
                data[spec.name] = values
        elif spec.kind == BOOL:
            data[spec.name] = post.get(spec.name) in ("on", "true", "1")
        else:
            value = (post.get(spec.name) or "").strip()
            if value:
                data[spec.name] = value
    return data


# ---- registration (intake per channel)

INTAKE_CHANNELS = [Channel.LETTER, Channel.PHONE, Channel.FAX, Channel.VISIT]


def _organ_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [
        (str(o.pk), o.name) for o in Organ.objects.filter(is_active=True).order_by("level", "code")
    ]


class RegistrationForm(forms.Form):
    received_at = forms.DateTimeField(
        label=_("收到时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("来信以收到信件之日为准，可早于录入时间"),
    )
    title = forms.CharField(label=_("标题"), max_length=200)
    request = forms.CharField(label=_("信访请求"), widget=forms.Textarea(attrs={"rows": 3}))
    facts = forms.CharField(label=_("事实"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    reasons = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    oral_record = forms.CharField(
        label=_("口头信访记录"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("来电、来访口头提出的，如实记录信访人所述（条例第二十一条）"),
    )
    nature = forms.ChoiceField(label=_("性质"), choices=Nature.choices, initial=Nature.GRIEVANCE)
    category = forms.ChoiceField(label=_("内容分类"), required=False)
    region = forms.ChoiceField(label=_("问题属地"), required=False)
    place_text = forms.CharField(label=_("地点"), max_length=200, required=False)
    name = forms.CharField(label=_("信访人姓名（名称）"), max_length=100, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    id_number = forms.CharField(label=_("身份证件号码"), max_length=30, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    is_collective = forms.BooleanField(label=_("集体访/联名信访"), required=False)
    persons_involved = forms.IntegerField(label=_("涉及人数"), min_value=1, initial=1)
    representatives = forms.CharField(
        label=_("代表（每行一人：姓名 电话）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("集体访应推选不超过5名代表"),
    )
    is_urgent = forms.BooleanField(label=_("重大紧急（立即报告）"), required=False)
    accused_organ = forms.ChoiceField(label=_("被检举控告单位"), required=False)
    accused_person = forms.CharField(label=_("被检举控告人"), max_length=100, required=False)
    paper_requested = forms.BooleanField(label=_("要求纸质文书"), required=False, initial=True)

    def __init__(self, *args: Any, channel: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel = channel
        cast(forms.ChoiceField, self.fields["category"]).choices = [("", "—")] + [
            (str(c.pk), c.path) for c in Category.objects.filter(level__lte=2).order_by("path")
        ]
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", "—")] + [
            (str(r.pk), r.full_name() if r.level > 2 else r.name)
            for r in Region.objects.filter(level__in=[2, 3]).select_related("parent").order_by("code")
        ]
        cast(forms.ChoiceField, self.fields["accused_organ"]).choices = _organ_choices()
        self.fields["received_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        if channel not in (Channel.PHONE, Channel.VISIT):
            del self.fields["oral_record"]

    def clean_representatives(self) -> list[dict[str, str]]:
        rows = []
        for line in (self.cleaned_data.get("representatives") or "").splitlines():
            parts = line.strip().split()
            if parts:
                rows.append({"name": parts[0], "phone": parts[1] if len(parts) > 1 else ""})
        return rows


# ---- list filters


DUE_WINDOWS = ("3", "7", "15", "30")


def _flag(value: str | None) -> bool | None:
    return True if value in ("1", "on", "true") else None


def parse_filters(params: QueryDict) -> PetitionFilters:
    """PetitionFilters from the list page's query string. Unknown states, channels and natures are
    ignored; an impossible date, id or due window raises BadParameter (the page answers 400)."""
    states = [s for s in params.getlist("state") if s in State.values]
    due_window = (params.get("due") or "").strip()
    due_before = None
    today = timezone.localdate()
    if due_window:
        if due_window not in DUE_WINDOWS:
            raise BadParameter(
                _("参数 due 只能是 %(choices)s（天）。") % {"choices": "、".join(DUE_WINDOWS)}, field="due"
            )
        due_before = today + dt.timedelta(days=int(due_window))
    return PetitionFilters(
        state=states or None,
        channel=params.get("channel") if params.get("channel") in Channel.values else None,
        nature=params.get("nature") if params.get("nature") in Nature.values else None,
        organ_id=id_param(params.get("organ"), "organ"),
        category_id=id_param(params.get("category"), "category"),
        region_id=id_param(params.get("region"), "region"),
        overdue=_flag(params.get("overdue")),
        due_soon=_flag(params.get("due_soon")),
        urgent=_flag(params.get("urgent")),
        collective=_flag(params.get("collective")),
        supervised=_flag(params.get("supervised")),
        received_from=date_param(params.get("from"), "from"),
        received_to=date_param(params.get("to"), "to"),
        due_before=due_before,
        q=(params.get("q") or "").strip()[:200] or None,
    )


@dataclass
class FilterOptions:
    organs: list[Organ] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)


def filter_options() -> FilterOptions:
    return FilterOptions(
        organs=list(Organ.objects.filter(is_active=True).order_by("level", "code")),
        categories=list(Category.objects.filter(level=1).order_by("path")),
        regions=list(Region.objects.filter(level__in=[2, 3]).order_by("code")),
    )


MAX_REPRESENTATIVES = settings.MINSHENG_MAX_REPRESENTATIVES
