"""The citizen API's leader reception days (领导接访日): the portal's public schedule, booking and
cancelling, with the portal's rules and limits — and nothing changed by a refusal."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from minsheng.notifications.models import OutboxMessage
from minsheng.portal.security import otp_issue
from minsheng.reception.models import Appointment, ReceptionDay
from minsheng.reception.services import DayInput, day_create

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # a Monday
PHONE = "13900001111"


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


def published(world: Any, *, on: dt.date, capacity: int = 2, publish: bool = True) -> ReceptionDay:
    data = DayInput(
        organ=world.organs["a-gov"],
        leader=world.users["leader"],
        leader_post="副市长",
        portfolio="住房和城乡建设",
        date=on,
        start_time=dt.time(9),
        end_time=dt.time(12),
        place="A市人民来访接待中心",
        topics="住房、物业",
        capacity=capacity,
        joint_organs=[world.organs["a-housing"]],
    )
    return day_create(data, actor=world.users["registrar"], publish=publish)


def post(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(f"/api/v1/citizen/{path}", body, content_type="application/json", headers=headers)


def book(client: Client, day: ReceptionDay, phone: str = PHONE, code: str | None = None, **extra: str) -> Any:
    """Book with a phone proved by a fresh SMS code (issued directly: sending it through the API
    is tested on its own below), or with the ``code`` given."""
    proof = otp_issue(phone, "reception") if code is None else code
    body = {"name": "张三", "phone": phone, "summary": "小区停车位被强制捆绑销售", "code": proof}
    return post(client, f"reception-days/{day.pk}/appointments", body, **extra)


def test_the_schedule_lists_published_days_from_today_with_places_left(client: Client, world: Any) -> None:
    day = published(world, on=dt.date(2026, 3, 6))
    published(world, on=dt.date(2026, 3, 9), publish=False)  # a draft is not public
    days = client.get("/api/v1/citizen/reception-days").json()
    assert [d["id"] for d in days] == [day.pk]
    (shown,) = days
    assert shown["date"] == "2026-03-06" and shown["start_time"] == "09:00:00"
    assert shown["organ"] == world.organs["a-gov"].name
    assert shown["joint_organs"] == [world.organs["a-housing"].name] and shown["form"] == "joint"
    assert (shown["capacity"], shown["remaining"], shown["bookable"]) == (2, 2, True)
    assert shown["leader_post"] == "副市长" and shown["leader"]
    with time_machine.travel(dt.datetime(2026, 3, 6, 8, 0, tzinfo=TZ), tick=False):
        (today,) = client.get("/api/v1/citizen/reception-days").json()
        assert today["bookable"] is False and today["remaining"] == 2  # walk-ins only on the day
    with time_machine.travel(dt.datetime(2026, 3, 7, 8, 0, tzinfo=TZ), tick=False):
        assert client.get("/api/v1/citizen/reception-days").json() == []


def test_book_then_cancel_gives_the_place_back(client: Client, world: Any) -> None:
    day = published(world, on=dt.date(2026, 3, 6), capacity=1)
    booked = book(client, day)
    assert booked.status_code == 201, booked.content
    data = booked.json()
    appointment = Appointment.objects.get()
    assert data["code"] == appointment.code and data["status"] == "booked" and data["sms_sent"] is True
    assert (data["day"]["remaining"], data["day"]["bookable"]) == (0, False)
    assert appointment.phone == PHONE and appointment.kind == "online"
    sms = OutboxMessage.objects.get(kind="reception_booked")
    assert appointment.code in sms.body
    full = book(client, day, phone="13900002222")
    assert full.status_code == 422 and full.json()["code"] == "full"
    assert Appointment.objects.count() == 1

    wrong_phone = post(client, "appointments/cancel", {"code": appointment.code, "phone": "13900002222"})
    wrong_code = post(client, "appointments/cancel", {"code": "JF00000000", "phone": PHONE})
    assert wrong_phone.status_code == wrong_code.status_code == 404
    assert wrong_phone.json() == wrong_code.json()  # no oracle: which half was wrong is not told
    cancelled = post(client, "appointments/cancel", {"code": appointment.code.lower(), "phone": PHONE})
    assert cancelled.status_code == 200 and cancelled.json() == {
        "code": appointment.code,
        "status": "cancelled",
    }
    day.refresh_from_db()
    assert day.booked == 0
    again = post(client, "appointments/cancel", {"code": appointment.code, "phone": PHONE})
    assert again.status_code == 422
    assert book(client, day, phone="13900002222").status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "张三", "phone": "123", "summary": "小区停车位被强制捆绑销售"}, "phone"),
        ({"name": "张三", "phone": PHONE, "summary": "停车"}, "summary"),
        ({"name": " ", "phone": PHONE, "summary": "小区停车位被强制捆绑销售"}, "name"),
        ({"name": "张三", "phone": PHONE, "summary": "小区停车位被强制捆绑销售"}, "code"),
        ({"name": "张三", "phone": PHONE, "summary": "小区停车位被强制捆绑销售", "code": "000000"}, "code"),
    ],
)
def test_bad_bookings_are_refused_and_change_nothing(
    client: Client, world: Any, body: dict[str, str], field: str
) -> None:
    day = published(world, on=dt.date(2026, 3, 6))
    refused = post(client, f"reception-days/{day.pk}/appointments", body)
    assert refused.status_code == 422 and refused.json()["field"] == field, refused.content
    day.refresh_from_db()
    assert day.booked == 0 and not Appointment.objects.exists() and not OutboxMessage.objects.exists()


def test_one_booking_per_phone_and_none_on_the_day_or_for_a_draft(client: Client, world: Any) -> None:
    day = published(world, on=dt.date(2026, 3, 6))
    draft = published(world, on=dt.date(2026, 3, 9), publish=False)
    assert book(client, day).status_code == 201
    twice = book(client, day)
    assert twice.status_code == 422 and twice.json()["field"] == "phone"
    missing = book(client, draft, phone="13900003333")
    assert missing.status_code == 404 and missing.json()["code"] == "reception_day_not_found"
    with time_machine.travel(dt.datetime(2026, 3, 6, 8, 0, tzinfo=TZ), tick=False):
        late = book(client, day, phone="13900004444")
        assert late.status_code == 422 and late.json()["field"] == "day"
    assert Appointment.objects.count() == 1


def test_the_portals_limits_apply(client: Client, world: Any, settings: Any) -> None:
    day = published(world, on=dt.date(2026, 3, 6), capacity=50)
    for i in range(10):  # submit_ip: 10 an hour per address, shared with the portal's forms
        assert book(client, day, phone=f"1390000{i:04d}").status_code == 201
    throttled = book(client, day, phone="13900009999")
    assert throttled.status_code == 429 and Appointment.objects.count() == 10
    for i in range(10):  # track_fail_ip: 10 tries per 15 minutes
        post(client, "appointments/cancel", {"code": f"JF0000000{i}", "phone": PHONE})
    appointment = Appointment.objects.first()
    assert appointment is not None
    blocked = post(client, "appointments/cancel", {"code": appointment.code, "phone": appointment.phone})
    assert blocked.status_code == 429
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_a_replayed_booking_answers_once_and_books_once(client: Client, world: Any) -> None:
    day = published(world, on=dt.date(2026, 3, 6))
    key = "reception-booking-key-0001"
    code = otp_issue(PHONE, "reception")
    first = book(client, day, code=code, **{"Idempotency-Key": key})
    replay = book(client, day, code=code, **{"Idempotency-Key": key})
    assert first.status_code == replay.status_code == 201
    assert first.json() == replay.json() and Appointment.objects.count() == 1


def test_the_code_is_sent_for_the_booking_and_serves_only_it(client: Client, world: Any) -> None:
    from minsheng.notifications import sms

    day = published(world, on=dt.date(2026, 3, 6))
    sms.sent_messages.clear()
    sent = post(client, "verification-codes", {"phone": PHONE, "purpose": "reception"})
    assert sent.status_code == 202, sent.content
    text = next(t for p, t in reversed(sms.sent_messages) if p == PHONE)
    code = re.search(r"\d{6}", text).group(0)  # type: ignore[union-attr]
    submit_code = otp_issue(PHONE, "submit")
    assert book(client, day, code=submit_code).json()["field"] == "code"  # another purpose's code
    assert post(client, "verification-codes", {"phone": PHONE, "purpose": "other"}).status_code == 422
    assert book(client, day, code=code).status_code == 201
    assert book(client, day, code=code, phone=PHONE).json()["field"] == "code"  # single use


def test_no_oracle_whether_a_phone_has_booked(client: Client, world: Any) -> None:
    """Someone who types a phone number without its SMS code gets the same answer whether or not
    that phone has booked the day (the accuser or complainant coming to see a leader stays
    unknown); the holder of the phone, once proved, is told."""
    day = published(world, on=dt.date(2026, 3, 6), capacity=5)
    assert book(client, day, phone=PHONE).status_code == 201
    for code in ("", "123456"):
        booked = book(client, day, phone=PHONE, code=code)
        not_booked = book(client, day, phone="13900005555", code=code)
        assert booked.status_code == not_booked.status_code == 422
        assert booked.json() == not_booked.json()
        assert booked.json()["code"] == "phone_unverified"
    day.refresh_from_db()
    assert day.booked == 1 and Appointment.objects.count() == 1
    told = book(client, day, phone=PHONE)
    assert told.status_code == 422 and told.json()["field"] == "phone"


def test_a_seen_code_cannot_be_cancelled_by_trying_phones_from_many_addresses(
    client: Client, world: Any
) -> None:
    """The 预约码 is shown on the day and printed on slips; the phone is the second half. Failed
    tries count per code whatever the address (5 per 15 minutes, 10 a day), not only per address."""
    day = published(world, on=dt.date(2026, 3, 6))
    assert book(client, day).status_code == 201
    appointment = Appointment.objects.get()

    def cancel_from(address: str, phone: str) -> Any:
        return client.post(
            "/api/v1/citizen/appointments/cancel",
            {"code": appointment.code, "phone": phone},
            content_type="application/json",
            REMOTE_ADDR=address,
        )

    for i in range(5):
        assert cancel_from(f"10.0.0.{i + 1}", f"1390000{i + 2000:04d}").status_code == 404
    right = cancel_from("10.0.0.99", PHONE)
    assert right.status_code == 429 and right.json()["code"] == "throttled"
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    # Another booking's code is not affected, and a success is not counted as a failure.
    cache.clear()
    for _ in range(2):
        assert (
            post(
                client, "appointments/cancel", {"code": appointment.code, "phone": "13900002999"}
            ).status_code
            == 404
        )
    assert post(client, "appointments/cancel", {"code": appointment.code, "phone": PHONE}).status_code == 200
