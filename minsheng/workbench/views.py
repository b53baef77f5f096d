"""The staff workbench: thin views (parse → call service/selector → render).

Every petition page goes through ``access_petition`` (404 for missing and not-visible); every
action goes through ``petition_transition`` (which re-checks state, role and organ).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.core.errors import ApplicationError, Forbidden, InvalidInput, NotFound, TransitionNotAllowed
from minsheng.core.params import int_param
from minsheng.intelligence.replies import Advice, reply_advice
from minsheng.orgs.models import Organ, Role, StaffMembership
from minsheng.orgs.selectors import is_admin, memberships_of
from minsheng.petitions.access_log import can_read_access_log
from minsheng.petitions.attachments import attachments_for
from minsheng.petitions.models import Channel, Nature, Petition, State, flag_condition
from minsheng.petitions.selectors import (
    PagedRows,
    PetitionFilters,
    access_petition,
    can_see_identity,
    can_see_masked_identity,
    is_analyst_only,
    listed_titles,
    petition_list,
    petition_texts,
    petitioner_reveal,
    petitioner_view,
    petitions_visible_to,
    registered_petition_for,
    same_person_petitions,
)
from minsheng.workbench import forms as wf
from minsheng.workbench import queries
from minsheng.workflow import inputs as wi
from minsheng.workflow.labels import action_label, actor_words, data_key_label, data_value_words, rule_name
from minsheng.workflow.models import Assignment, OpinionDraft, SupervisionOrder
from minsheng.workflow.selectors import (
    GUIDANCE_ACTIONS,
    appeal_views,
    follow_up_views,
    hidden_event_ids,
    limitation_for,
    notes_for,
    split_links_for,
    visible_events,
)
from minsheng.workflow.services import TRANSITIONS, available_actions, petition_transition
from minsheng.workflow.services.handling import SIGNOFF_ACTIONS, pending_draft

PAGE_SIZE = 25

View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Logged in, and holding a post in some organ (or an administrator)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not memberships_of(request.user) and not is_admin(request.user):
            return HttpResponseForbidden(_("您没有工作台岗位。"))
        return view(request, *args, **kwargs)

    return wrapper


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _user(request: HttpRequest) -> AbstractBaseUser:
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    return user


def _analyst_only(user: Any) -> bool:
    """Analysts see de-identified data only (the analytics pages), never case texts."""
    return is_analyst_only(user)


def _petition_or_404(request: HttpRequest, pk: int) -> Petition:
    if _analyst_only(request.user):
        raise Http404(_("信访事项不存在。"))
    try:
        return access_petition(request.user, pk)
    except NotFound:
        raise Http404(_("信访事项不存在。")) from None


def _nav(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    inboxes = []
    for inbox in queries.user_inboxes(user):
        count = queries.inbox_queryset(user, inbox, PetitionFilters()).count()
        inboxes.append({"inbox": inbox, "count": count})
    roles = sorted({m.get_role_display() for m in memberships_of(user)})
    organs = sorted({m.organ.short_name or m.organ.name for m in memberships_of(user)})
    can_register = any(m.role == Role.REGISTRAR for m in memberships_of(user))
    can_analyse = is_admin(user) or any(
        m.role in (Role.ANALYST, Role.LEADER, Role.SUPERVISOR) for m in memberships_of(user)
    )
    return {
        "can_decide_proposals": is_admin(user)
        or any(m.role in (Role.LEADER, Role.SUPERVISOR) for m in memberships_of(user)),
        "can_analyse": can_analyse,
        "can_read_access_log": can_read_access_log(user),
        "can_read_cases": not _analyst_only(user),
        "nav_inboxes": inboxes,
        "nav_roles": roles,
        "nav_organs": organs,
        "can_register": can_register,
        "intake_channels": [(c.value, c.label) for c in wf.INTAKE_CHANNELS],
    }


class LoginView(auth_views.LoginView):
    template_name = "workbench/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    next_page = "workbench:login"


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    inboxes = queries.user_inboxes(user)
    if inboxes:
        return redirect("workbench:inbox", key=inboxes[0].key)
    if _analyst_only(user):
        return redirect("workbench:analytics")
    return redirect("workbench:petitions")


def _page(request: HttpRequest, qs: QuerySet[Petition]) -> Any:
    qs = qs.select_related("caseworker", "leader_in_charge")
    paginator: Paginator[Petition] = Paginator(PagedRows(qs), PAGE_SIZE)  # type: ignore[arg-type]
    # "abc" or "-1" is a bad link (400); a number past the end shows the last page
    return paginator.get_page(int_param(request.GET.get("page"), "page", minimum=1, maximum=1_000_000))


def _querystring(request: HttpRequest, drop: tuple[str, ...] = ("page",)) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


def _list_context(request: HttpRequest, qs: QuerySet[Petition]) -> dict[str, Any]:
    page = _page(request, qs)
    today = timezone.localdate()
    rows = []
    titles = listed_titles(request.user, page.object_list)
    for petition in page.object_list:
        next_due = getattr(petition, "next_due", None)
        left, tone = queries.due_tone(next_due, today)
        rows.append(
            {"p": petition, "title": titles[petition.pk], "due": next_due, "left": left, "tone": tone}
        )
    return {"page": page, "rows": rows, "qs": _querystring(request)}


@staff_required
def inbox(request: HttpRequest, key: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    box = queries.INBOX_BY_KEY.get(key)
    if box is None or box not in queries.user_inboxes(user):
        raise Http404
    filters = wf.parse_filters(request.GET)
    qs = queries.inbox_queryset(user, box, filters)
    context = {**_nav(request), **_list_context(request, qs), "box": box, "active": key}
    context["caseworkers"] = _caseworkers_for(user) if key in ("organ_head",) else []
    if _is_htmx(request) and request.GET.get("partial"):
        return render(request, "workbench/_table.html", context)
    return render(request, "workbench/inbox.html", context)


def _caseworkers_for(user: AbstractBaseUser) -> list[StaffMembership]:
    organs = queries.role_organ_ids(user, Role.ORGAN_HEAD)
    return list(
        StaffMembership.objects.filter(organ_id__in=organs, role=Role.CASEWORKER)
        .select_related("user", "organ")
        .order_by("organ__code", "user__username")
    )


@staff_required
def petitions(request: HttpRequest) -> HttpResponse:
    """Search and filters over every visible petition, with saved filters and export."""
    from minsheng.search.models import SavedFilter

    if _analyst_only(request.user):
        return HttpResponseForbidden(_("研判岗位只能查看脱敏的研判分析数据。"))
    filters = wf.parse_filters(request.GET)
    qs = petition_list(request.user, filters)
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    context = {
        **_nav(request),
        **_list_context(request, qs),
        "active": "petitions",
        "f": filters,
        "params": request.GET,
        "options": wf.filter_options(),
        "states": State.choices,
        "channels": Channel.choices,
        "natures": Nature.choices,
        "saved": SavedFilter.objects.filter(user=user),
        "caseworkers": _caseworkers_for(user),
        "bulk_remind": any(m.role in (Role.SUPERVISOR, Role.LEADER) for m in memberships_of(user)),
        "export_qs": _querystring(request),
    }
    if _is_htmx(request) and request.GET.get("partial"):
        return render(request, "workbench/_table.html", context)
    return render(request, "workbench/petitions.html", context)


@staff_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The filtered list as .xlsx; personal data masked (names only, masked). Columns and masking:
    ``petitions.export`` (shared with the API export)."""
    from minsheng.petitions.export import export_petitions
    from minsheng.petitions.export import export_xlsx as xlsx_bytes

    try:
        rows = export_petitions(_user(request), wf.parse_filters(request.GET))
    except Forbidden as exc:
        return HttpResponseForbidden(exc.message)
    response = HttpResponse(
        xlsx_bytes(rows), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="petitions-{stamp}.xlsx"'
    return response


@staff_required
@require_POST
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    from minsheng.search.models import SavedFilter

    name = (request.POST.get("name") or "").strip()[:60]
    query = (request.POST.get("query") or "").strip()[:1000]
    if not name:
        messages.error(request, _("请为筛选命名。"))
    else:
        SavedFilter.objects.update_or_create(
            user=_user(request),  # type: ignore[misc]
            name=name,
            defaults={"query": query},
        )
        messages.success(request, _("已保存筛选“%(n)s”。") % {"n": name})
    return redirect(reverse("workbench:petitions") + (f"?{query}" if query else ""))


@staff_required
@require_POST
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    from minsheng.search.models import SavedFilter

    SavedFilter.objects.filter(user=_user(request), pk=pk).delete()  # type: ignore[misc]
    return redirect("workbench:petitions")


@staff_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Bulk actions where the law allows: reassign a caseworker; remind (催办). Each item goes
    through petition_transition; items the user may not act on are reported, not changed."""
    action = request.POST.get("action")
    back = request.POST.get("next") or reverse("workbench:petitions")
    if not back.startswith("/workbench/"):
        back = reverse("workbench:petitions")
    if action == "assign_caseworker":
        data: dict[str, Any] = {"user_id": request.POST.get("user_id")}
    elif action == "remind":
        action = "supervise"
        data = {
            "kind": "reminder",
            "suggestion": request.POST.get("suggestion") or _("请抓紧办理，按期办结。"),
        }
    else:
        messages.error(request, _("不支持的批量操作。"))
        return redirect(back)
    ids = [int(i) for i in request.POST.getlist("ids") if i.isascii() and i.isdigit() and len(i) <= 18]
    if request.POST.get("all_overdue") and action == "supervise":
        ids = list(
            petitions_visible_to(request.user)
            .filter(flag_condition("has_overdue"), state__in=queries.OPEN_STATES)
            .values_list("pk", flat=True)[:500]
        )
    done, failed = 0, []
    visible = set(petitions_visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True))
    for pk in ids:
        if pk not in visible:
            failed.append(f"#{pk}: {_('信访事项不存在。')}")
            continue
        try:
            petition_transition(pk, action, actor=_user(request), data=data)
            done += 1
        except ApplicationError as exc:
            failed.append(f"#{pk}: {exc.message}")
    if done:
        messages.success(request, _("已处理 %(n)d 件。") % {"n": done})
    if failed:
        messages.warning(request, _("%(n)d 件未处理：") % {"n": len(failed)} + "；".join(failed[:5]))
    if not ids:
        messages.warning(request, _("请先勾选信访事项。"))
    return redirect(back)


# ---- intake


@staff_required
def register(request: HttpRequest, channel: str) -> HttpResponse:
    from minsheng.orgs.models import Category, Region
    from minsheng.petitions.citizen_access import canonical_phone, petition_register_with_credentials
    from minsheng.workflow.services import PetitionerInput, RegistrationInput

    if channel not in [c.value for c in wf.INTAKE_CHANNELS]:
        raise Http404
    posts = [m for m in memberships_of(request.user) if m.role == Role.REGISTRAR]
    if not posts:
        raise Http404
    organ_choices = [m.organ for m in posts]
    organ_id = request.POST.get("receiving_organ") or str(organ_choices[0].pk)
    if request.method == "POST" and request.POST.get("action") == "check":
        return _register_check(request, channel, organ_choices, organ_id)
    form = wf.RegistrationForm(request.POST or None, channel=channel)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organ = next((o for o in organ_choices if str(o.pk) == organ_id), organ_choices[0])
        oral = data.get("oral_record") or ""
        facts = _facts_with_oral_record(data["facts"], oral)
        received = data["received_at"]
        if timezone.is_naive(received):
            received = timezone.make_aware(received)
        registration = RegistrationInput(
            channel=channel,
            receiving_organ=organ,
            title=data["title"],
            request=data["request"],
            received_at=received,
            facts=facts,
            reasons=data["reasons"],
            nature=data["nature"],
            category=Category.objects.filter(pk=data["category"]).first() if data["category"] else None,
            region=Region.objects.filter(pk=data["region"]).first() if data["region"] else None,
            place_text=data["place_text"],
            petitioner=PetitionerInput(
                name=data["name"],
                phone=canonical_phone(data["phone"]),
                id_number=data["id_number"],
                address=data["address"],
                language=data["language"],
            ),
            is_oral=bool(oral) if channel in (Channel.PHONE, Channel.VISIT) else False,
            is_collective=data["is_collective"],
            persons_involved=data["persons_involved"],
            representatives=data["representatives"],
            is_urgent=data["is_urgent"],
            accused_organ=Organ.objects.filter(pk=data["accused_organ"]).first()
            if data["accused_organ"]
            else None,
            accused_person=data["accused_person"],
            paper_requested=data["paper_requested"],
        )
        try:
            # The registration and the SMS with the query credentials: one transaction.
            petition, password, sent = petition_register_with_credentials(registration, actor=_user(request))
        except InvalidInput as exc:
            target = exc.field if exc.field in form.fields else None
            mapping = {"phone": "phone", "id_number": "id_number"}
            target = mapping.get(exc.field or "", target)
            form.add_error(target, exc.message)
            status = 422
        else:
            try:
                # The visibility filter only where it can refuse (an accusation), as the API does.
                registered_petition_for(request.user, petition)
            except NotFound:
                # An accusation against the registrar's own unit: registered and routed away from
                # it, not his to open, so the register page shows the receipt instead of a 404
                # that would hide it. The query password opens the accusation's progress on the
                # portal: the accused unit does not see it when the SMS gave it to the petitioner.
                receipt = (
                    _("已登记，查询码 %(code)s；查询密码已短信发送给信访人。")
                    if sent
                    else _("已登记，查询码 %(code)s，查询密码 %(pw)s（仅显示一次，请告知信访人）。")
                )
                messages.success(request, receipt % {"code": petition.tracking_code, "pw": password})
                messages.info(request, _("该检举控告涉及本单位，依规定由其他机关办理，本单位不能查看。"))
                return redirect(request.get_full_path())
            text = (
                _(
                    "已登记，查询码 %(code)s，查询密码 %(pw)s（仅显示一次，请告知信访人；已同时短信发送到信访人手机）。"
                )
                if sent
                else _("已登记，查询码 %(code)s，查询密码 %(pw)s（仅显示一次，请告知信访人）。")
            )
            messages.success(request, text % {"code": petition.tracking_code, "pw": password})
            return redirect("workbench:petition", pk=petition.pk)
    elif request.method == "POST":
        status = 422
    context = _register_context(request, channel, organ_choices, organ_id, form)
    return render(request, "workbench/register.html", context, status=status)


def _register_context(
    request: HttpRequest, channel: str, organ_choices: list[Organ], organ_id: str, form: Any
) -> dict[str, Any]:
    return {
        **_nav(request),
        "form": form,
        "channel": channel,
        "channel_label": Channel(channel).label,
        "organs": organ_choices,
        "organ_id": organ_id,
        "active": f"register-{channel}",
        "max_reps": wf.MAX_REPRESENTATIVES,
    }


def _facts_with_oral_record(facts: str, oral: str) -> str:
    """The facts as registered: a call's or visit's oral record is appended, marked as such."""
    if not oral:
        return facts
    return (facts + "\n\n" if facts else "") + _("【口头信访记录】") + oral


def _post_int(request: HttpRequest, name: str) -> int | None:
    value = (request.POST.get(name) or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _register_check(
    request: HttpRequest, channel: str, organ_choices: list[Organ], organ_id: str
) -> HttpResponse:
    """预检: what registration would suggest for the text typed so far (similar and repeat
    petitions, category, organ, urgency). Nothing is written; the form comes back as typed."""
    from minsheng.intelligence.services import DraftPetition, draft_analyse

    post = request.POST
    organ = next((o for o in organ_choices if str(o.pk) == organ_id), organ_choices[0])
    oral = post.get("oral_record") or ""
    draft = DraftPetition(
        title=post.get("title") or "",
        request=post.get("request") or "",
        facts=_facts_with_oral_record(post.get("facts") or "", oral),
        reasons=post.get("reasons") or "",
        nature=post.get("nature") or "",
        region_id=_post_int(request, "region"),
        place_text=post.get("place_text") or "",
        accused_organ_id=_post_int(request, "accused_organ"),
        accused_person=post.get("accused_person") or "",
        receiving_organ_id=organ.pk,
        petitioner_id_number=post.get("id_number") or "",
        petitioner_phone=post.get("phone") or "",
    )
    has_text = any((draft.title.strip(), draft.request.strip(), draft.facts.strip()))
    analysis = draft_analyse(draft, viewer=_user(request)) if has_text else {}
    initial = {k: v for k, v in post.items() if k not in ("csrfmiddlewaretoken", "action")}
    form = wf.RegistrationForm(initial=initial, channel=channel)
    context = {
        **_register_context(request, channel, organ_choices, organ_id, form),
        "checked": True,
        "check_empty": not has_text,
        "draft": {"suggestions": analysis},
        "suggested_similar": analysis.get("similar") or [],
        "identity_unchecked": analysis.get("identity_checked") is False,
    }
    return render(request, "workbench/register.html", context)


# ---- the case page


def _detail_choices() -> dict[str, Any]:
    from minsheng.petitions.models import Route
    from minsheng.workflow.models import Decision, Delivery, Opinion, Rating

    return {
        "outcome": Opinion.Outcome,
        "method": Delivery.Method,
        "kind": SupervisionOrder.Kind,
        "value": Rating.Value,
        "route": Route,
        "reason": Decision.Reason,  # not_accept; the reason of an extension is free text
    }


_DETAIL_CHOICES = _detail_choices()
_DETAIL_KEYS = (
    "rule",
    "statutory_due",
    "organ",
    "assisting",
    "assigned_due",
    "reason_label",
    "explanation",
    "guidance_organ",
    "notice_number",
    "number",
    "outcome",
    "days",
    "reason",
    "method",
    "delivered_on",
    "method_reason",
    "received_on",
    "kind",
    "suggestion",
    "caseworker",
    "leader",
    "text",
    "note",
    "work",
    "reasons",
    "route",
    "target_procedure",
    "limitation_due",
    "returned_to",
    "reported_to",
    "agreement",
    "value",
)
_USER_KEYS = ("caseworker", "leader")  # stored as usernames


def _timeline(
    petition: Petition, user: AbstractBaseUser | None = None, hidden: frozenset[int] | None = None
) -> list[dict[str, Any]]:
    from django.contrib.auth import get_user_model

    events = visible_events(
        user,
        petition.pk,
        petition.events.select_related("actor", "actor_organ").order_by("occurred_at", "pk"),
        hidden,
    )
    usernames = {str((e.data or {}).get(k)) for e in events for k in _USER_KEYS if (e.data or {}).get(k)}
    names: dict[str, str] = {}
    if usernames:
        for user in get_user_model().objects.filter(username__in=usernames):
            names[user.get_username()] = user.get_full_name() or user.get_username()
    rows = []
    for event in events:
        data = event.data or {}
        details = []
        for key in _DETAIL_KEYS:
            value = data.get(key)
            if key == "reason_label" and data.get("reason") in _DETAIL_CHOICES["reason"].values:
                continue  # the stored label of a code: shown (translated) with "reason"
            choices = _DETAIL_CHOICES.get(key)
            if choices is not None and isinstance(value, str) and value in choices.values:
                value = choices(value).label
            elif key == "rule" and isinstance(value, str):
                value = rule_name(value)
            elif key in _USER_KEYS and value:
                value = names.get(str(value), str(value))
            else:
                value = data_value_words(value)
            if value not in (None, "", [], False):
                shown = ", ".join(str(v) for v in value) if isinstance(value, list) else value
                details.append((data_key_label(key), shown))
        rows.append(
            {
                "e": event,
                "label": action_label(event.action),
                "who": actor_words(event),
                "from": State(event.from_state).label if event.from_state in State.values else "",
                "to": State(event.to_state).label if event.to_state in State.values else "",
                "changed": event.from_state != event.to_state,
                "details": details,
                "late_entry": data.get("late_entry"),
                "deadlines": data.get("deadlines") or [],
            }
        )
    return rows


def _delistable(petition: Petition) -> bool:
    """A listed supervision (挂牌督办) answered in writing and not yet delisted (摘牌)."""
    return petition.supervision_orders.filter(
        kind=SupervisionOrder.Kind.LISTED, feedback_at__isnull=False, delisted_at__isnull=True
    ).exists()


def _action_buttons(petition: Petition, user: AbstractBaseUser) -> list[dict[str, Any]]:
    buttons = []
    pending_orders = petition.supervision_orders.filter(feedback_at__isnull=True).exists()
    pending_extension = petition.extensions.filter(is_effective=False).exists()
    for t in available_actions(petition, user):
        if (
            (t.action == "supervision_feedback" and not pending_orders)
            or (t.action == "delist" and not _delistable(petition))
            or (t.action == "notify_extension" and not pending_extension)
        ):
            continue
        tone = (
            "primary" if t.action in wf.PRIMARY_ACTIONS else "danger" if t.action in wf.DANGER_ACTIONS else ""
        )
        buttons.append({"action": t.action, "label": t.label, "tone": tone})
    buttons.sort(key=lambda b: (b["tone"] != "primary", b["tone"] == "danger"))
    limitation = limitation_for(petition)
    if limitation and limitation["closing"]:
        # the external window closes first — the guidance comes before anything else.
        buttons.sort(key=lambda b: b["action"] not in GUIDANCE_ACTIONS)
    return buttons


@staff_required
def petition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from minsheng.accountability.selectors import petition_accountability
    from minsheng.documents.services import documents_available
    from minsheng.workflow.selectors import supervision_ladder

    petition = _petition_or_404(request, pk)
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    # Art. 30(3): whoever may not see the petitioner (the accused organ, analysts) must not be
    # able to link him to his other petitions either, nor to his fellow representatives.
    identity_visible = can_see_masked_identity(user, petition)
    related = same_person_petitions(user, petition)
    hidden = hidden_event_ids(user, petition.pk)  # the timeline and the notes: read once
    working_draft = (petition.suggestions or {}).get("draft_opinion")
    pending = (
        OpinionDraft.objects.filter(petition=petition, status=OpinionDraft.Status.PENDING)
        .select_related("drafted_by")
        .first()
    )
    assignments = list(
        Assignment.objects.filter(petition=petition)
        .select_related("organ", "from_organ")
        .order_by("created_at")
    )
    extensions = list(petition.extensions.all())
    orders = list(
        SupervisionOrder.objects.filter(petition=petition).select_related("target_organ", "issued_by")
    )
    can_reveal = can_see_identity(user, petition)
    similar = queries.similar_petitions(user, petition)
    context = {
        **_nav(request),
        "p": petition,
        "text": petition_texts(user, petition, identity=can_reveal),
        "who": petitioner_view(user, petition),
        "can_reveal": can_reveal,
        "representatives": list(petition.representatives.all()) if identity_visible else [],
        "suggested_similar": queries.suggested_similar(user, petition),
        "attachments": attachments_for(user, petition),
        "deadlines": queries.deadline_views(petition),
        "timeline": _timeline(petition, user, hidden),
        "split_links": split_links_for(user, petition),
        "limitation": limitation_for(petition),
        "actions": _action_buttons(petition, user),
        "documents": documents_available(petition),
        "related": related,
        "related_visible": bool(
            petition.related_petition_id
            and petitions_visible_to(user).filter(pk=petition.related_petition_id).exists()
        ),
        "similar": similar,
        "listed": listed_titles(user, [*related, *(p for p, _score in similar)]),
        "notes": notes_for(user, petition.pk, hidden),
        "assignments": assignments,
        "assisting": [a for a in assignments if a.role == Assignment.Role.ASSISTING],
        "orders": orders,
        "opinions": list(petition.opinions.select_related("organ", "issued_by", "signed_by")),
        "decisions": list(petition.decisions.select_related("organ", "guidance_organ")),
        "appeals": appeal_views(user, petition),
        "extensions": extensions,
        "pending_extensions": [x for x in extensions if not x.is_effective],
        # execution or guidance after an opinion (Art. 32(2)); counselling after finality (Art. 37(3))
        "follow_up_tasks": follow_up_views(petition),
        "ratings": list(petition.ratings.select_related("organ")),
        "suggested": queries.suggested_organs(petition)
        if petition.state in (State.REGISTERED, State.BUREAU_TRIAGE, State.RETURNED)
        else [],
        "draft": working_draft,
        "draft_advice": reply_advice(petition, working_draft) if working_draft and not pending else None,
        "pending_draft": pending,
        "pending_advice": reply_advice(petition, pending) if pending is not None else None,
        "returned_draft": OpinionDraft.objects.filter(petition=petition, status=OpinionDraft.Status.RETURNED)
        .select_related("decided_by")
        .last(),
        "recusals": list(petition.recusals.select_related("user", "organ")),
        "accountability": petition_accountability(petition),
        "ladder": supervision_ladder(petition) if orders else [],
        "recused": petition.recusals.filter(user_id=user.pk).exists(),
        "active": "",
    }
    return render(request, "workbench/petition.html", context)


def _field_options(spec: wf.FieldSpec, petition: Petition, action: str = "") -> list[tuple[str, str]]:
    if spec.kind in (wi.ORGAN, wf.ORGANS):
        organs = Organ.objects.filter(is_active=True).order_by("level", "code")
        if spec.organ_kinds:
            organs = organs.filter(kind__in=spec.organ_kinds)
        options = [(str(o.pk), o.name) for o in organs if o.pk != petition.current_organ_id]
        if spec.name == "organ_id" and not spec.organ_kinds:
            suggested = queries.suggested_organs(petition)
            top = [(str(s.organ.pk), f"★ {s.organ.name}（{_('建议')}）") for s in suggested]
            top_ids = {value for value, _label in top}
            options = top + [o for o in options if o[0] not in top_ids]
        return options
    if spec.kind == wi.USER:
        return [
            (str(m.user_id), m.user.get_full_name() or m.user.get_username())
            for m in StaffMembership.objects.filter(organ=petition.current_organ, role=Role.CASEWORKER)
            .exclude(user_id__in=petition.recusals.values("user_id"))  # the service refuses them too
            .select_related("user")
        ]
    if spec.kind == wi.ORDER:
        orders = petition.supervision_orders.filter(feedback_at__isnull=True)
        if action == "delist":  # 摘牌: listed orders answered and still listed
            orders = petition.supervision_orders.filter(
                kind=SupervisionOrder.Kind.LISTED, feedback_at__isnull=False, delisted_at__isnull=True
            )
        return [
            (
                str(o.pk),
                f"{o.get_kind_display()} · {timezone.localtime(o.issued_at):%Y-%m-%d} · {o.suggestion[:30]}",
            )
            for o in orders
        ]
    return [(str(value), str(label)) for value, label in spec.choices]


def _initial(spec: wf.FieldSpec, petition: Petition) -> str:
    draft = (petition.suggestions or {}).get("draft_opinion") or {}
    if draft.get(spec.name):
        return str(draft[spec.name])
    if spec.kind == wi.DATE and spec.required:
        return timezone.localdate().isoformat()
    if spec.name == "request":
        return petition.request
    return spec.initial


# 复查/复核 opinions go through the same sign-off (draft_opinion → sign_opinion): at those stages the
# draft offers 维持/变更/撤销 only, and signing also records the delivery (出具并送达, Arts. 35–36).
def _action_form_context(
    petition: Petition, action: str, values: QueryDict | None, error: ApplicationError | None
) -> dict[str, Any]:
    transition = TRANSITIONS[action]
    specs = wf.fields_for(action, petition.state)
    fields = []
    for spec in specs:
        if values is not None:
            value: Any = (
                values.getlist(spec.name) if spec.kind in (wf.ORGANS, wf.MULTI) else values.get(spec.name, "")
            )
        else:
            value = _initial(spec, petition)
        fields.append(
            {
                "spec": spec,
                "value": value,
                "options": _field_options(spec, petition, action)
                if spec.kind in (wi.SELECT, wi.ORGAN, wf.ORGANS, wi.USER, wi.ORDER)
                else [],
                "error": error.message if error is not None and error.field == spec.name else "",
            }
        )
    general = ""
    if error is not None and error.field not in {s.name for s in specs}:
        general = error.message
    return {
        "p": petition,
        "action": action,
        "label": transition.label,
        "fields": fields,
        "general_error": general,
        "advice": _action_advice(petition, action, {f["spec"].name: f["value"] for f in fields}),
    }


def _action_advice(petition: Petition, action: str, values: dict[str, Any]) -> Advice | None:
    """Reply quality advice on the draft an action works on: the form's text when drafting, the
    pending draft when signing or returning it. Advice only: the action goes ahead either way."""
    if action == "draft_opinion":
        return reply_advice(petition, values)
    if action in SIGNOFF_ACTIONS:
        draft = pending_draft(petition.pk)
        return reply_advice(petition, draft) if draft is not None else None
    return None


@staff_required
@require_POST
def reply_check(request: HttpRequest, pk: int) -> HttpResponse:
    """The advice on the draft form's current text (HTMX partial); reads and writes nothing else."""
    petition = _petition_or_404(request, pk)
    fields = {k: request.POST.get(k, "") for k in ("facts_and_reasons", "opinion", "legal_basis")}
    return render(
        request, "workbench/_reply_advice.html", {"p": petition, "advice": reply_advice(petition, fields)}
    )


@staff_required
def petition_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """GET: the action's form (HTMX partial, or a full page without JS). POST: perform it through
    petition_transition; errors are shown next to the named field and nothing changes."""
    petition = _petition_or_404(request, pk)
    if action not in TRANSITIONS or action not in wf.ACTION_FIELDS:
        raise Http404
    template = "workbench/_action_form.html" if _is_htmx(request) else "workbench/action_page.html"
    base = {} if _is_htmx(request) else _nav(request)
    if request.method != "POST":
        return render(request, template, {**base, **_action_form_context(petition, action, None, None)})
    data = wf.action_data(wf.fields_for(action, petition.state), request.POST)
    try:
        petition_transition(petition.pk, action, actor=_user(request), data=data)
    except (InvalidInput, TransitionNotAllowed, Forbidden) as exc:
        context = {**base, **_action_form_context(petition, action, request.POST, exc)}
        return render(request, template, context, status=200 if _is_htmx(request) else 422)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("已完成：%(a)s") % {"a": TRANSITIONS[action].label})
    url = reverse("workbench:petition", kwargs={"pk": petition.pk})
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@staff_required
def petitioner_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the reveal form; POST: unmask with a logged reason (petitioner_reveal)."""
    petition = _petition_or_404(request, pk)
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    context: dict[str, Any] = {"p": petition, "can_reveal": can_see_identity(user, petition)}
    if request.method == "POST":
        try:
            context["who"] = petitioner_reveal(user, petition, reason=request.POST.get("reason") or "")
            context["revealed"] = True
        except InvalidInput as exc:
            context.update({"who": petitioner_view(user, petition), "ask": True, "error": exc.message})
        except NotFound:
            raise Http404 from None
    else:
        context.update({"who": petitioner_view(user, petition), "ask": request.GET.get("ask") == "1"})
    if not _is_htmx(request):
        return redirect("workbench:petition", pk=petition.pk)
    return render(request, "workbench/_petitioner.html", context)


@staff_required
@require_POST
def document_download(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    """Issue (numbered and filed on first use) and download a document: POST, as it writes."""
    from minsheng.documents.services import render_document

    petition = _petition_or_404(request, pk)
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    try:
        data, filename, content_type = render_document(
            petition,
            kind,
            fmt,
            actor=user,
            masked=not can_see_identity(user, petition),
            hidden=not can_see_masked_identity(user, petition),
        )
    except NotFound:
        raise Http404 from None
    from django.utils.http import content_disposition_header

    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


# ---- dashboard


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    organs = queries.dashboard_organs(user)
    organ_id = request.GET.get("organ")
    selected = next((o for o in organs if str(o.pk) == organ_id), None)
    area_default = organ_id is None and queries.dashboard_default_is_area(user)
    if selected is None and organs and organ_id != "all" and not area_default:
        selected = organs[0]
    data = queries.dashboard_data(user, selected.pk if selected else None)
    context = {
        **_nav(request),
        "organs": organs,
        "selected": selected,
        "d": data,
        "chart_json": {
            "by_state": data["by_state"],
            "by_channel": data["by_channel"],
            "weekly": data["weekly"],
            "ratings": data["ratings"],
        },
        "active": "dashboard",
        "due_week_qs": urlencode({"due": "7"}) + (f"&organ={selected.pk}" if selected else ""),
        "overdue_qs": "overdue=1" + (f"&organ={selected.pk}" if selected else ""),
    }
    return render(request, "workbench/dashboard.html", context)


def today_iso() -> str:
    return (timezone.localdate() + dt.timedelta(days=0)).isoformat()


__all__ = ["LoginView", "LogoutView", "Prefetch"]
