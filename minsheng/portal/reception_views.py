"""Portal pages for leader reception days (领导接访日): the public schedule (条例2022 Art. 18 para 1)
and online appointments. Thin views: reads through ``minsheng.reception.selectors``, booking through
``minsheng.portal.submission.reception_book_online`` (the order of checks the citizen API shares)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from minsheng.core.crypto import mask_phone
from minsheng.core.errors import ApplicationError
from minsheng.portal.forms import sms_code_field
from minsheng.portal.security import (
    client_ip,
    mark_phone_verified,
    phone_verified,
)
from minsheng.portal.submission import RECEPTION_OTP_PURPOSE, reception_book_online, send_code
from minsheng.reception import selectors
from minsheng.reception.services import (
    appointment_cancel_by_citizen,
    booking_phone,
)

BOOKED = "portal_reception_booked"
# What was typed before "send code" (name, phone, summary — never the code), so the page shown
# after the post/redirect/get still holds it.
TYPED = "portal_reception_typed"
OTP_PURPOSE = RECEPTION_OTP_PURPOSE


class AppointmentForm(forms.Form):
    # Name and summary are checked by the service when booking (its messages name the field), so
    # that "send code" works with only the phone typed.
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50, required=False)
    phone = forms.CharField(
        label=gettext_lazy("手机号码"),
        max_length=20,
        help_text=gettext_lazy("用于接收预约确认短信；加密保存，仅接访工作人员可见。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    summary = forms.CharField(
        label=gettext_lazy("反映事项摘要"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("简要说明您要反映的问题和请求，接访当天可详细陈述。"),
    )
    code = sms_code_field(gettext_lazy("确认手机号码归您本人使用；预约结果只告知手机号码的持有人。"))


def reception_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    days = [
        {"d": d, "leader": selectors.leader_name(d), "bookable": selectors.is_bookable(d, today)}
        for d in selectors.upcoming_days(today)
    ]
    return render(request, "portal/reception.html", {"days": days})


def _book(request: HttpRequest, day_pk: int, form: AppointmentForm, action: str) -> HttpResponse | None:
    """The booking form's two actions: send the SMS code to the phone, or book with it. The
    answer about the phone itself (already booked for this day) is given only once the phone was
    proved; the fields are checked first so a mistyped summary does not spend the code."""
    data = form.cleaned_data
    if action == "send_code" and data.get("code"):
        action = "book"  # Enter in the code field submits with the first button ("send code").
    if action == "send_code":
        # Only the phone is needed to send the code; the rest may still be typed afterwards.
        try:
            phone = booking_phone(data.get("phone", ""))
        except ApplicationError as exc:
            form.add_error("phone", exc.message)
            return None
        error = send_code(request, phone, OTP_PURPOSE)
        if error:
            form.add_error("phone", error)
            return None
        request.session[TYPED] = {
            "day": day_pk,
            "name": data.get("name", "").strip(),
            "phone": phone,
            "summary": data.get("summary", "").strip(),
        }
        messages.info(request, _("验证码已发送到 %(p)s，10分钟内有效。") % {"p": mask_phone(phone)})
        return redirect(reverse("portal:reception_book", args=[day_pk]) + "?sent=1")
    try:
        appt = reception_book_online(
            day_pk,
            name=data["name"],
            phone=data["phone"],
            summary=data["summary"],
            code=data.get("code") or "",
            ip=client_ip(request),
            language=get_language(),
            proved=lambda phone: phone_verified(request, phone),
            on_proved=lambda phone: mark_phone_verified(request, phone),
        )
    except ApplicationError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None
    request.session.pop(TYPED, None)
    request.session[BOOKED] = appt.pk
    return redirect("portal:reception_booked")


@require_http_methods(["GET", "POST"])
def reception_book(request: HttpRequest, pk: int) -> HttpResponse:
    day = selectors.public_day(pk)
    if day is None:
        raise Http404(_("接访日不存在或未发布。"))
    if request.method == "POST":
        form = AppointmentForm(request.POST)
        if form.is_valid():
            response = _book(request, day.pk, form, request.POST.get("action", "book"))
            if response is not None:
                return response
    else:
        typed = request.session.get(TYPED) or {}
        form = AppointmentForm(initial=typed if typed.get("day") == day.pk else {})
    phone = str((form.data.get("phone") if form.is_bound else form.initial.get("phone")) or "")
    context = {
        "d": day,
        "leader": selectors.leader_name(day),
        "form": form,
        "code_sent": request.GET.get("sent") == "1",
        "phone_verified": bool(phone) and phone_verified(request, phone),
    }
    return render(request, "portal/reception_book.html", context)


def reception_booked(request: HttpRequest) -> HttpResponse:
    from minsheng.reception.models import Appointment

    appt_id = request.session.get(BOOKED)
    appt = (
        Appointment.objects.select_related("day", "day__organ").filter(pk=appt_id).first()
        if appt_id
        else None
    )
    if appt is None:
        return redirect("portal:reception")
    return render(
        request,
        "portal/reception_booked.html",
        {"a": appt, "d": appt.day, "leader": selectors.leader_name(appt.day)},
    )


class CancelForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("预约码"), max_length=12)
    phone = forms.CharField(
        label=gettext_lazy("手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


@require_http_methods(["GET", "POST"])
def reception_cancel(request: HttpRequest) -> HttpResponse:
    """A citizen cancels a booking with the appointment code and the phone it was booked with."""
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appointment_cancel_by_citizen(
                client_ip(request), form.cleaned_data["code"], form.cleaned_data["phone"]
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("预约已取消，名额已释放。"))
            return redirect("portal:reception")
    return render(request, "portal/reception_cancel.html", {"form": form})
