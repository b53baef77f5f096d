"""Forms of the workbench: intake per channel, list filters, and the field specs of each action.

Action forms are generated: each action's fields come from its input model in
minsheng.workflow.inputs (the same model validates the API body and documents it in OpenAPI); the
view passes the posted values to ``petition_transition``, which validates them (InvalidInput names
the field).
"""

from __future__ import annotations

import dataclasses
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
from minsheng.workflow.inputs import BOOL, HIDDEN, INPUTS, NOT_ACTIONS, ORGANS, TEXT, InputField, input_fields

MULTI = "multiselect"


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
    states: tuple[str, ...] = ()


def _spec(field: InputField) -> FieldSpec:
    widget = field.widget
    return FieldSpec(
        name=field.name,
        label=widget.label,
        kind=widget.kind,
        required=field.required,
        choices=field.choices,
        help=widget.help,
        initial=widget.initial,
        organ_kinds=widget.organ_kinds,
        states=widget.states,
    )


def action_fields(action: str) -> list[FieldSpec]:
    """The form of an action, generated from its input model (minsheng.workflow.inputs): the
    action's own fields, then when the act happened and why it is entered late."""
    return [_spec(f) for f in input_fields(action) if f.widget.kind != HIDDEN]


ACTION_FIELDS: dict[str, list[FieldSpec]] = {
    action: action_fields(action) for action in INPUTS if action not in NOT_ACTIONS
}


def fields_for(action: str, state: str) -> list[FieldSpec]:
    """The fields shown for ``action`` on a petition in ``state``: some apply to one stage only,
    some are required or offer other choices there (the input model's ``Widget`` says which)."""
    widgets = {f.name: f.widget for f in input_fields(action)} if action in INPUTS else {}
    result = []
    for spec in ACTION_FIELDS.get(action, []):
        if spec.states and state not in spec.states:
            continue
        widget = widgets[spec.name]
        if state in widget.required_in:
            spec = dataclasses.replace(spec, required=True)
        by_state = dict(widget.choices_in)
        choices = by_state.get(state, by_state.get("*"))
        if choices is not None:
            spec = dataclasses.replace(spec, choices=choices.values)
        label = dict(widget.label_in).get(state)
        if label is not None:
            spec = dataclasses.replace(spec, label=label)
        result.append(spec)
    return result


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
    language = forms.ChoiceField(
        label=_("通知语言"),
        required=False,
        help_text=_("发给信访人的短信、邮件使用的语言"),
    )
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
        default = dict(settings.LANGUAGES).get(settings.LANGUAGE_CODE, settings.LANGUAGE_CODE)
        cast(forms.ChoiceField, self.fields["language"]).choices = [
            ("", _("本系统默认（%(lang)s）") % {"lang": default})
        ] + [(code, name) for code, name in settings.LANGUAGES]
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
