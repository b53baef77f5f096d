"""The citizen portal: submit, track, rate, appeal, a citizen account, and public information.

Views stay thin: parse a form, call the service (petition_register / petition_transition /
petition_check_query), render. Everything works without JavaScript.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from minsheng.core.errors import ApplicationError, InvalidInput, NotFound
from minsheng.orgs.models import Organ, Region
from minsheng.orgs.security import CITIZEN_USERNAME_PREFIX
from minsheng.orgs.selectors import online_bureau
from minsheng.petitions.attachments import attachment_store, extension_of, petitioner_attachment
from minsheng.petitions.citizen_access import (
    Evidence,
    allow_anonymous_accusations,
    citizen_account,
    petition_add_evidence,
    petition_reset_query_password,
    phone_holder_petitions,
)
from minsheng.petitions.data_access import Refusal, data_access_request, withheld_items
from minsheng.petitions.models import DataAccessRequest, Nature, Petition, Petitioner
from minsheng.portal import queries
from minsheng.portal.forms import (
    AppealForm,
    BureauRateForm,
    CodeLoginForm,
    ConfirmForm,
    ContactForm,
    MatterForm,
    PasswordLoginForm,
    RateForm,
    SetPasswordForm,
    TrackForm,
)
from minsheng.portal.security import (
    citizen_password_sign_in,
    client_ip,
    mark_phone_verified,
    otp_check,
    phone_verified,
    throttle_blocked,
    throttle_hit,
    throttle_take,
)
from minsheng.portal.submission import (
    draft_accused,
    draft_region,
    draft_suggestion,
    draft_text,
    online_register,
    otp_error,
    send_code,
    submission_blocked,
    submission_counted,
)
from minsheng.portal.tracking import petition_track
from minsheng.workflow.notices import provisional_rule_words
from minsheng.workflow.services import petition_transition

DRAFT = "portal_submit_draft"
CONTACT = "portal_submit_contact"
# What was typed on the contact step (name, phone, address — never the ID number or the code), so
# that a reload or coming back to the step keeps it.
CONTACT_TYPED = "portal_submit_contact_typed"
DONE = "portal_submit_done"
TRACKED = "portal_tracked"
CITIZEN_PREFIX = CITIZEN_USERNAME_PREFIX


# ---- helpers ----------------------------------------------------------------------------------


def _citizen(request: HttpRequest) -> User | None:
    user = request.user
    if user.is_authenticated and user.get_username().startswith(CITIZEN_PREFIX):
        return user  # type: ignore[return-value]
    return None


def _citizen_phone_index(citizen: User) -> str:
    """The blind index of the phone the citizen proved (the account is keyed by it)."""
    return citizen.get_username()[len(CITIZEN_PREFIX) :]


def _citizen_petitions(citizen: User) -> Any:
    """Every petition registered with the citizen's phone, on any channel, before or after the
    account existed (blind index), and those linked to the account."""
    return phone_holder_petitions(_citizen_phone_index(citizen), citizen)


def _tracked_codes(request: HttpRequest) -> list[str]:
    return list(request.session.get(TRACKED, []))


def _remember(request: HttpRequest, code: str) -> None:
    codes = [c for c in _tracked_codes(request) if c != code]
    request.session[TRACKED] = [*codes[-9:], code]


def _owned_petition(request: HttpRequest, code: str) -> Petition | None:
    """The petition if this browser proved the code+password, or its citizen account owns it."""
    code = code.strip().upper()
    petition = (
        Petition.objects.select_related("petitioner", "current_organ", "receiving_organ", "region")
        .filter(tracking_code=code)
        .first()
    )
    if petition is None:
        return None
    if code in _tracked_codes(request):
        return petition
    citizen = _citizen(request)
    if citizen is not None and _citizen_petitions(citizen).filter(pk=petition.pk).exists():
        return petition
    return None


def _petition_or_redirect(request: HttpRequest, code: str) -> Petition | HttpResponse:
    petition = _owned_petition(request, code)
    if petition is None:
        return redirect(f"{reverse('portal:track')}?code={code.strip().upper()[:20]}")
    return petition


# ---- home and public information --------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"bureau": online_bureau()})


def guide(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/guide.html", {"organs": queries.reception_directory()})


def legal(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/legal.html", {"hints": list(queries.limitation_texts().values())})


def faq(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/faq.html")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/privacy.html")


def stats(request: HttpRequest) -> HttpResponse:
    data = queries.open_statistics()
    chart = {
        "months": data.months,
        "series": [{"name": name, "data": data.counts[name]} for name in data.categories[:8]],
        "title": _("每月收到的信访事项（按类别）"),
    }
    rows = [
        (month, [data.counts[c][i] for c in data.categories], data.totals[i])
        for i, month in enumerate(data.months)
    ]
    return render(request, "portal/stats.html", {"stats": data, "chart": chart, "rows": rows})


# ---- submission -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def submit_matter(request: HttpRequest) -> HttpResponse:
    initial = request.session.get(DRAFT) or None
    if request.method == "POST":
        form = MatterForm(request.POST)
        if form.is_valid():
            request.session[DRAFT] = dict(form.cleaned_data)
            request.session.pop(DONE, None)
            return redirect("portal:submit_contact")
    else:
        form = MatterForm(initial=initial)
    return render(request, "portal/submit_matter.html", {"form": form, "step": 1})


@require_http_methods(["GET", "POST"])
def submit_contact(request: HttpRequest) -> HttpResponse:
    draft = request.session.get(DRAFT)
    if not draft:
        return redirect("portal:submit")
    allow_anonymous = allow_anonymous_accusations() and draft.get("nature") == Nature.ACCUSATION
    code_sent = False
    if request.method == "POST":
        form = ContactForm(request.POST, allow_anonymous=allow_anonymous)
        action = request.POST.get("action", "continue")
        request.session[CONTACT_TYPED] = {
            key: str(request.POST.get(key, "")).strip()[:200] for key in ("name", "phone", "address")
        }
        if form.is_valid():
            data = form.cleaned_data
            phone = data.get("phone") or ""
            if data.get("anonymous"):
                request.session[CONTACT] = {"anonymous": True}
                return redirect("portal:submit_confirm")
            if action == "send_code" and data.get("code"):
                # Enter pressed in the code field submits with the first button ("send code"):
                # a typed code means the person wants to continue.
                action = "continue"
            if action == "send_code":
                error = send_code(request, phone, "submit")
                if error:
                    form.add_error("phone", error)
                else:
                    messages.info(request, _("验证码已发送到 %(p)s，10分钟内有效。") % {"p": _mask(phone)})
                    # Post/redirect/get: a reload shows the page again, never sends another code.
                    return redirect(reverse("portal:submit_contact") + "?sent=1")
            else:
                if not phone_verified(request, phone):
                    if not data.get("code"):
                        form.add_error("code", _("请先获取并填写短信验证码。"))
                    else:
                        result = otp_check(phone, "submit", data["code"], ip=client_ip(request))
                        if result.ok:
                            mark_phone_verified(request, phone)
                        else:
                            form.add_error("code", otp_error(result.reason))
                if not form.errors:
                    request.session[CONTACT] = {
                        "anonymous": False,
                        "name": data["name"].strip(),
                        "phone": phone,
                        "address": data.get("address", "").strip(),
                        "id_number": data.get("id_number", ""),
                    }
                    return redirect("portal:submit_confirm")
    else:
        initial = request.session.get(CONTACT) or request.session.get(CONTACT_TYPED) or {}
        form = ContactForm(initial=initial, allow_anonymous=allow_anonymous)
        code_sent = request.GET.get("sent") == "1"
    phone_value = str((form.data.get("phone") if form.is_bound else form.initial.get("phone")) or "")
    context = {
        "form": form,
        "step": 2,
        "code_sent": code_sent,
        "phone_verified": bool(phone_value) and phone_verified(request, phone_value),
        "allow_anonymous": allow_anonymous,
    }
    return render(request, "portal/submit_contact.html", context)


def _mask(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else phone


@require_http_methods(["GET", "POST"])
def submit_confirm(request: HttpRequest) -> HttpResponse:
    draft = request.session.get(DRAFT)
    contact = request.session.get(CONTACT)
    if not draft:
        return redirect("portal:submit")
    if not contact:
        return redirect("portal:submit_contact")
    region = draft_region(draft)
    accused = draft_accused(draft)
    suggestion = draft_suggestion(draft, region, accused)
    hints = queries.legal_channel_hints(draft_text(draft)) if draft["nature"] == Nature.GRIEVANCE else []
    bureau = online_bureau()
    form = ConfirmForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        phone = "" if contact.get("anonymous") else contact.get("phone", "")
        blocked = submission_blocked(ip, phone)
        if blocked:
            form.add_error(None, blocked)
        elif bureau is None:
            form.add_error(None, _("网上信访暂不可用：未配置市信访局。请通过来信或来访提出。"))
        else:
            try:
                petition, password, sms_queued = _register(
                    request, draft, contact, region, accused, suggestion, bureau
                )
            except InvalidInput as exc:
                form.add_error(None, exc.message)
            else:
                submission_counted(ip, phone)
                _save_attachments(petition, form, request)
                request.session.pop(DRAFT, None)
                request.session.pop(CONTACT, None)
                request.session.pop(CONTACT_TYPED, None)
                request.session[DONE] = {
                    "code": petition.tracking_code,
                    "password": password,
                    "sms": sms_queued,
                }
                _remember(request, petition.tracking_code)
                return redirect("portal:submit_done")
    context = {
        "form": form,
        "step": 3,
        "draft": draft,
        "contact": contact,
        "region": region,
        "accused": accused,
        "suggestion": suggestion,
        "hints": hints,
        "bureau": bureau,
        "nature_label": dict(MatterForm.base_fields["nature"].choices).get(draft["nature"], ""),  # type: ignore[attr-defined]
        "masked_phone": _mask(contact.get("phone", "")),
    }
    return render(request, "portal/submit_confirm.html", context)


def _register(
    request: HttpRequest,
    draft: dict[str, Any],
    contact: dict[str, Any],
    region: Region | None,
    accused: Organ | None,
    suggestion: queries.HandlingSuggestion,
    bureau: Organ,
) -> tuple[Petition, str, bool]:
    anonymous = bool(contact.get("anonymous"))
    if not anonymous and not phone_verified(request, contact["phone"]):
        raise InvalidInput(_("手机号码尚未验证，请返回上一步获取验证码。"), field="phone")
    return online_register(
        draft,
        contact,
        region,
        accused,
        suggestion,
        bureau,
        citizen=_citizen(request),
        language=get_language(),
    )


def _save_attachments(petition: Petition, form: ConfirmForm, request: HttpRequest) -> None:
    for upload in form.uploads:
        attachment_store(
            petition,
            content=upload.content,
            content_type=upload.content_type,
            original_name=upload.name,
            uploaded_by=_citizen(request),
        )


def submit_done(request: HttpRequest) -> HttpResponse:
    done = request.session.get(DONE)
    if not done:
        return redirect("portal:submit")
    petition = Petition.objects.select_related("petitioner").filter(tracking_code=done["code"]).first()
    if petition is None:
        raise Http404
    response = render(request, "portal/submit_done.html", {"done": done, "petition": petition})
    # The query password is shown once: not again on a shared computer, not kept in the session.
    request.session[DONE] = {"code": done["code"], "sms": bool(done.get("sms"))}
    return response


# ---- tracking ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = TrackForm(request.POST)
        if form.is_valid():
            try:
                petition = petition_track(
                    client_ip(request), form.cleaned_data["tracking_code"], form.cleaned_data["password"]
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                _remember(request, petition.tracking_code)
                _link_to_citizen(request, petition)
                return redirect("portal:track_detail", code=petition.tracking_code)
    else:
        form = TrackForm(initial={"tracking_code": request.GET.get("code", "")[:20]})
    recent = Petition.objects.filter(tracking_code__in=_tracked_codes(request)).order_by("-received_at")
    return render(request, "portal/track.html", {"form": form, "recent": recent})


def _link_to_citizen(request: HttpRequest, petition: Petition) -> None:
    """A logged-in citizen who proves a petition of his own verified phone gets it in 'my petitions'."""
    citizen = _citizen(request)
    if citizen is None or petition.petitioner is None or petition.petitioner.user_id is not None:
        return
    if (
        petition.petitioner.phone_index
        and CITIZEN_PREFIX + petition.petitioner.phone_index == citizen.get_username()
    ):
        Petitioner.objects.filter(pk=petition.petitioner.pk, user__isnull=True).update(user=citizen)


def _detail_context(request: HttpRequest, petition: Petition, **extra: Any) -> dict[str, Any]:
    window = queries.appeal_window(petition)
    deadlines = queries.deadline_rows(petition)
    provisional = next((d for d in deadlines if d.provisional and d.is_open), None)
    context = {
        "petition": petition,
        "timeline": queries.public_timeline(petition),
        "deadlines": deadlines,
        "provisional_note": provisional_rule_words(provisional.due.year) if provisional else "",
        "documents": queries.documents_of(petition),
        "attachments": list(petition.attachments.all()),
        "can_rate": queries.can_rate(petition),
        "can_rate_bureau": queries.can_rate(petition, "bureau"),
        "ratings": list(petition.ratings.all()),
        "window": window,
        "rate_form": RateForm(),
        "bureau_rate_form": BureauRateForm(),
        "official_documents": _official_documents(petition),
    }
    context.update(extra)
    return context


def _official_documents(petition: Petition) -> list[tuple[str, str]]:
    """(kind, label) of the official .pdf/.docx documents, when minsheng.documents provides them."""
    try:
        from minsheng.documents.services import documents_available
    except ImportError:
        return []
    return documents_available(petition)


def track_detail(request: HttpRequest, code: str) -> HttpResponse:
    found = _petition_or_redirect(request, code)
    if isinstance(found, HttpResponse):
        return found
    return render(request, "portal/track_detail.html", _detail_context(request, found))


@require_POST
def track_rate(request: HttpRequest, code: str) -> HttpResponse:
    found = _petition_or_redirect(request, code)
    if isinstance(found, HttpResponse):
        return found
    # The competent organ and the petition bureau are rated separately (two forms on the page).
    bureau = request.POST.get("rated") == "bureau"
    form: RateForm = BureauRateForm(request.POST) if bureau else RateForm(request.POST)
    if form.is_valid():
        try:
            petition_transition(
                found.pk,
                "rate",
                actor=None,
                as_petitioner=True,
                data={
                    "value": form.cleaned_data["value"],
                    "comment": form.cleaned_data["comment"],
                    "target": "bureau" if bureau else "organ",
                },
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("谢谢您的评价。"))
            return redirect("portal:track_detail", code=found.tracking_code)
    extra = {"bureau_rate_form": form} if bureau else {"rate_form": form}
    return render(request, "portal/track_detail.html", _detail_context(request, found, **extra), status=422)


@require_http_methods(["GET", "POST"])
def track_appeal(request: HttpRequest, code: str) -> HttpResponse:
    found = _petition_or_redirect(request, code)
    if isinstance(found, HttpResponse):
        return found
    window = queries.appeal_window(found)
    if window is None:
        messages.info(request, _("此事项目前不能申请复查或复核。"))
        return redirect("portal:track_detail", code=found.tracking_code)
    form = AppealForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    status = 200
    if request.method == "POST":
        if throttle_blocked("appeal_ip", client_ip(request)):
            form.add_error(None, _("操作过于频繁，请稍后再试。"))
        elif form.is_valid():
            throttle_hit("appeal_ip", client_ip(request))
            try:
                petition_transition(
                    found.pk,
                    window.action,
                    actor=None,
                    as_petitioner=True,
                    data={
                        "received_on": timezone.localdate().isoformat(),
                        "reasons": form.cleaned_data["reasons"],
                        "good_reason": form.cleaned_data["good_reason"],
                    },
                )
            except ApplicationError as exc:
                target = {
                    "received_on": "good_reason",
                    "good_reason": "good_reason",
                    "reasons": "reasons",
                }.get(exc.field or "")
                form.add_error(target, exc.message)
            else:
                petition_add_evidence(
                    found,
                    [Evidence(u.name, u.content, u.content_type) for u in form.uploads],
                    stage=window.kind,
                    uploaded_by=_citizen(request),
                )
                messages.success(request, _("您的申请已提交，请留意办理期限。"))
                return redirect("portal:track_detail", code=found.tracking_code)
        status = 422
    return render(
        request, "portal/appeal.html", {"petition": found, "window": window, "form": form}, status=status
    )


def track_document(request: HttpRequest, code: str, kind: str, pk: int) -> HttpResponse:
    found = _petition_or_redirect(request, code)
    if isinstance(found, HttpResponse):
        return found
    document = next((d for d in queries.documents_of(found) if d.kind == kind and d.pk == pk), None)
    if document is None:
        raise Http404
    if request.GET.get("format") == "txt":
        lines = [document.title, document.number, document.organ, queries.date_words(document.issued), ""]
        for label, value in document.body:
            lines += [f"{label}：", value, ""]
        lines.append(_("查询码：%(c)s") % {"c": found.tracking_code})
        response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{found.tracking_code}-{kind}-{pk}.txt"'
        return response
    return render(request, "portal/document.html", {"petition": found, "document": document})


@require_POST
def official_document(request: HttpRequest, code: str, kind: str, fmt: str) -> HttpResponse:
    """The official document (.pdf or .docx, rendered by minsheng.documents), as a download.
    POST: the first download issues (numbers and files) the document."""
    found = _petition_or_redirect(request, code)
    if isinstance(found, HttpResponse):
        return found
    try:
        from minsheng.documents.services import render_document
    except ImportError:
        raise Http404 from None
    if fmt not in ("pdf", "docx"):
        raise Http404
    try:
        data, filename, content_type = render_document(found, kind, fmt)
    except ApplicationError:
        raise Http404 from None
    from urllib.parse import quote

    response = HttpResponse(data, content_type=content_type)
    ascii_name = f"{found.tracking_code}-{kind}.{fmt}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def attachment_download(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Only to the petitioner; always as a download, never rendered on the site's origin."""
    found = _petition_or_redirect(request, code)
    if isinstance(found, HttpResponse):
        return found
    try:
        download = petitioner_attachment(found, pk)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(download.content, content_type="application/octet-stream")
    response["Content-Disposition"] = (
        f'attachment; filename="attachment-{pk}{extension_of(download.content_type)}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def track_forget(request: HttpRequest, code: str) -> HttpResponse:
    request.session[TRACKED] = [c for c in _tracked_codes(request) if c != code.upper()]
    messages.info(request, _("已从本设备移除该事项的查询记录。"))
    return redirect("portal:track")


# ---- citizen account --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def account_login(request: HttpRequest) -> HttpResponse:
    if _citizen(request):
        return redirect("portal:my_petitions")
    code_form = CodeLoginForm(prefix="otp")
    password_form = PasswordLoginForm(prefix="pw")
    code_sent = False
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        ip = client_ip(request)
        if action in ("send_code", "verify_code"):
            code_form = CodeLoginForm(request.POST, prefix="otp")
            if code_form.is_valid():
                phone = code_form.cleaned_data["phone"]
                if action == "send_code" and code_form.cleaned_data.get("code"):
                    action = "verify_code"  # Enter in the code field: the first button is "send code"
                if action == "send_code":
                    error = send_code(request, phone, "login")
                    if error:
                        code_form.add_error("phone", error)
                    else:
                        code_sent = True
                        messages.info(
                            request, _("验证码已发送到 %(p)s，10分钟内有效。") % {"p": _mask(phone)}
                        )
                elif not code_form.cleaned_data.get("code"):
                    code_form.add_error("code", _("请填写短信验证码。"))
                else:
                    result = otp_check(phone, "login", code_form.cleaned_data["code"], ip=ip)
                    if result.ok:
                        user = citizen_account(phone, create=True)
                        assert user is not None
                        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                        mark_phone_verified(request, phone)
                        return redirect("portal:my_petitions")
                    code_form.add_error("code", otp_error(result.reason))
        elif action == "password":
            password_form = PasswordLoginForm(request.POST, prefix="pw")
            if password_form.is_valid():
                phone = password_form.cleaned_data["phone"]
                try:
                    user = citizen_password_sign_in(phone, password_form.cleaned_data["password"], ip=ip)
                except ApplicationError as exc:
                    password_form.add_error(None, exc.message)
                else:
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                    mark_phone_verified(request, phone)
                    return redirect("portal:my_petitions")
        if code_form.errors or password_form.errors:
            status = 422
    return render(
        request,
        "portal/login.html",
        {"code_form": code_form, "password_form": password_form, "code_sent": code_sent},
        status=status,
    )


@require_POST
def account_logout(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:home")


def my_petitions(request: HttpRequest) -> HttpResponse:
    citizen = _citizen(request)
    if citizen is None:
        return redirect("portal:login")
    if request.method == "POST" and request.POST.get("action") == "reset_query_password":
        return _reset_query_password(request, citizen)
    form = SetPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        try:
            validate_password(form.cleaned_data["password"], citizen)
        except ValidationError as exc:
            form.add_error("password", exc)
        else:
            citizen.set_password(form.cleaned_data["password"])
            citizen.save(update_fields=["password"])
            login(request, citizen, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("密码已设置。"))
            return redirect("portal:my_petitions")
    petitions = _citizen_petitions(citizen).select_related("current_organ").order_by("-received_at")
    return render(request, "portal/my_petitions.html", {"petitions": petitions, "form": form})


def _reset_query_password(request: HttpRequest, citizen: User) -> HttpResponse:
    """A new query password for one of the citizen's petitions, sent by SMS to the phone of the
    petition (the one the citizen proved), never shown on screen."""
    code = (request.POST.get("code") or "").strip().upper()[:20]
    petition = _citizen_petitions(citizen).filter(tracking_code=code).first()
    if petition is None:
        raise Http404
    if throttle_take(("query_reset_phone", _citizen_phone_index(citizen))) is None:
        messages.warning(request, _("今天重设查询密码的次数过多，请明天再试。"))
        return redirect("portal:my_petitions")
    try:
        petition_reset_query_password(petition.pk, phone_index=_citizen_phone_index(citizen))
    except NotFound:
        # Linked to the account but registered with another phone: nowhere safe to send it.
        messages.warning(
            request,
            _("该事项登记的手机号码不是您登录所用的号码，无法通过短信重设查询密码。请联系受理机关。"),
        )
    else:
        messages.success(
            request,
            _("新的查询密码已通过短信发送到您登录所用的手机号码（查询码 %(c)s），原查询密码已失效。")
            % {"c": petition.tracking_code},
        )
    return redirect("portal:my_petitions")


@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    """我的个人信息: GET the request form; POST answers it (page or JSON download), recorded."""
    citizen = _citizen(request)
    if citizen is None:
        return redirect("portal:login")
    context: dict[str, Any] = {"scopes": DataAccessRequest.Scope.choices, "withheld": withheld_items()}
    if request.method != "POST":
        return render(request, "portal/my_data.html", context)
    output_format = "json" if request.POST.get("format") == "json" else "html"
    try:
        answer = data_access_request(
            citizen, scope=request.POST.get("scope") or "", output_format=output_format
        )
    except InvalidInput as exc:
        context["error"] = exc.message
        return render(request, "portal/my_data.html", context, status=422)
    if isinstance(answer, Refusal):
        context["refusal"] = answer
        return render(request, "portal/my_data.html", context)
    if output_format == "json":
        body = json.dumps(answer.as_json(), ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="my-data-{answer.request_id}.json"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
    context["report"] = answer
    response = render(request, "portal/my_data.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


def dev_sms_inbox(request: HttpRequest) -> HttpResponse:
    """Development only (DEBUG with the console SMS backend, else 404): the messages that left,
    newest first — one-time codes, query passwords and notices — so that `make run` shows them."""
    from minsheng.notifications.sms import dev_inbox, dev_inbox_enabled

    if not dev_inbox_enabled():
        raise Http404
    rows = [{**row, "to": _mask(str(row.get("to", "")))} for row in dev_inbox()]
    response = render(request, "portal/dev_sms.html", {"rows": rows})
    response["Cache-Control"] = "no-store"
    return response


def stats_json(request: HttpRequest) -> HttpResponse:
    data = queries.open_statistics()
    body = {
        "months": data.months,
        "categories": data.categories,
        "counts": data.counts,
        "on_time_rate": data.on_time_rate,
        "on_time_n": data.on_time_n,
        "on_time_definition": data.on_time_definition,
        "satisfaction_rate": data.satisfaction_rate,
        "satisfaction_n": data.satisfaction_n,
        "satisfaction_definition": data.satisfaction_definition,
        "from": data.date_from.isoformat(),
        "to": data.date_to.isoformat(),
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json")
