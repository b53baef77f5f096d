"""Portal pages for leader reception days (领导接访日): the public schedule (条例2022 Art. 18 para 1)
and online appointments. Thin views: reads through ``minsheng.reception.selectors``, booking through
``minsheng.reception.services.appointment_book``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from minsheng.core.errors import ApplicationError
from minsheng.portal.security import client_ip, throttle_take
from minsheng.reception import selectors
from minsheng.reception.services import appointment_book, appointment_cancel

BOOKED = "portal_reception_booked"


class AppointmentForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    phone = forms.CharField(
        label=gettext_lazy("手机号码"),
        max_length=20,
        help_text=gettext_lazy("用于接收预约确认短信；加密保存，仅接访工作人员可见。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    summary = forms.CharField(
        label=gettext_lazy("反映事项摘要"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("简要说明您要反映的问题和请求，接访当天可详细陈述。"),
    )


def reception_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    days = [
        {"d": d, "leader": selectors.leader_name(d), "bookable": selectors.is_bookable(d, today)}
        for d in selectors.upcoming_days(today)
    ]
    return render(request, "portal/reception.html", {"days": days})


@require_http_methods(["GET", "POST"])
def reception_book(request: HttpRequest, pk: int) -> HttpResponse:
    day = selectors.public_day(pk)
    if day is None:
        raise Http404(_("接访日不存在或未发布。"))
    form = AppointmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if throttle_take(("submit_ip", client_ip(request))) is None:
            form.add_error(None, _("提交过于频繁，请稍后再试。"))
        else:
            try:
                appt = appointment_book(day.pk, **form.cleaned_data)
            except ApplicationError as exc:
                if exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                else:
                    form.add_error(None, exc.message)
            else:
                request.session[BOOKED] = appt.pk
                return redirect("portal:reception_booked")
    context = {"d": day, "leader": selectors.leader_name(day), "form": form}
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
        if throttle_take(("track_fail_ip", client_ip(request))) is None:
            form.add_error(None, _("尝试次数过多，请15分钟后再试。"))
        else:
            try:
                appointment_cancel(form.cleaned_data["code"], form.cleaned_data["phone"])
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("预约已取消，名额已释放。"))
                return redirect("portal:reception")
    return render(request, "portal/reception_cancel.html", {"form": form})
