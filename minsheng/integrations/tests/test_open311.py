"""Open311 GeoReport v2, driven the way a third-party client does: form-encoded POSTs, and the XML
and JSON answers parsed by element name (the spec's names and nesting)."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from minsheng.integrations.models import Integration, IntegrationEvent, Open311Submission
from minsheng.notifications.models import OutboxMessage
from minsheng.orgs.models import Category
from minsheng.petitions.models import Petition

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
]


def xml(response: Any) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    body = response.content.decode("utf-8")
    assert body.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def jsn(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def leaf(category: Category | None = None) -> Category:
    return category or Category.objects.filter(level=3, path__startswith="城乡建设").order_by("pk").first()  # type: ignore[return-value]


def form(api_key: str, **extra: str) -> dict[str, str]:
    data = {
        "api_key": api_key,
        "service_code": str(leaf().pk),
        "lat": "28.194",
        "long": "112.982",
        "address_string": "幸福小区3栋旁",
        "description": "请求责令小区旁工地停止夜间施工。工地连续一个月在夜间十一点后施工。",
        "first_name": "五",
        "last_name": "王",
        "phone": "13900139000",
        "email": "wang@example.com",
        "attribute[title]": "工地夜间施工扰民",
    }
    data.update(extra)
    return data


def post(client: Client, fmt: str, data: dict[str, str]) -> Any:
    return client.post(f"{BASE}/requests.{fmt}", data)


# ---- discovery and services ------------------------------------------------------------------


def test_discovery_in_both_formats(client: Client, world: Any) -> None:
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url", "").endswith("/open311/v2")
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    body = jsn(client.get(f"{BASE}/discovery.json"))
    assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert body["endpoints"][0]["type"] == "test"


def test_services_are_the_categories(client: Client, world: Any) -> None:
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) == Category.objects.count()
    category = leaf()
    item = next(s for s in services if s.findtext("service_code") == str(category.pk))
    assert item.findtext("service_name") == category.name
    assert item.findtext("group") == "城乡建设"
    assert item.findtext("metadata") == "true"
    assert item.findtext("type") == "realtime"
    assert "施工" in item.findtext("keywords", "")
    assert item.findtext("description") == category.path
    body = jsn(client.get(f"{BASE}/services.json"))
    row = next(s for s in body if s["service_code"] == str(category.pk))
    assert row["metadata"] is True and row["group"] == "城乡建设"


def test_service_definition(client: Client, world: Any) -> None:
    code = str(leaf().pk)
    root = xml(client.get(f"{BASE}/services/{code}.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == code
    attributes = root.findall("attributes/attribute")
    nature = next(a for a in attributes if a.findtext("code") == "nature")
    assert nature.findtext("datatype") == "singlevaluelist"
    assert nature.findtext("required") == "false"
    assert nature.findtext("variable") == "true"
    keys = [v.findtext("key") for v in nature.findall("values/value")]
    assert "grievance" in keys and "suggestion" in keys
    body = jsn(client.get(f"{BASE}/services/{code}.json"))
    assert body["service_code"] == code
    assert body["attributes"][0]["values"][0] == {"key": "grievance", "name": "申诉求决类"}


@pytest.mark.parametrize("code", ["999999", "abc", "1.5", "-1", "9" * 40])
def test_unknown_service_is_404_in_the_spec_error_list(client: Client, world: Any, code: str) -> None:
    response = client.get(f"{BASE}/services/{code}.xml")
    assert response.status_code == 404
    root = xml(response)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert root.findtext("error/description")
    response = client.get(f"{BASE}/services/{code}.json")
    assert response.status_code == 404
    assert jsn(response)[0]["code"] == 404


def test_unknown_path_and_format_answer_the_spec_404(client: Client, world: Any) -> None:
    assert client.get(f"{BASE}/services.csv").status_code == 404
    response = client.get(f"{BASE}/nothing.json")
    assert response.status_code == 404 and jsn(response)[0]["code"] == 404


def test_unknown_jurisdiction_is_404(client: Client, world: Any) -> None:
    response = client.get(f"{BASE}/services.json", {"jurisdiction_id": "999999999999"})
    assert response.status_code == 404
    region = world.city
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": region.code}).status_code == 200


# ---- POST requests --------------------------------------------------------------------------


def test_post_registers_an_online_petition_like_the_portal(
    client: Client, world: Any, api_key: str, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "xml", form(api_key))
    assert response.status_code == 201, response.content
    root = xml(response)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request is not None
    code = request.findtext("service_request_id")
    token = request.findtext("token")
    assert code and token
    assert code in request.findtext("service_notice", "")
    petition = Petition.objects.get(tracking_code=code)
    assert petition.channel == "online"
    assert petition.receiving_organ.code == "a-bureau"
    assert petition.state == "registered"
    assert petition.category == leaf()
    assert petition.title == "工地夜间施工扰民"
    assert petition.request.startswith("请求责令")
    assert "幸福小区3栋旁" in petition.place_text and "28.194000" in petition.place_text
    assert petition.paper_requested is False
    assert petition.petitioner is not None
    assert petition.petitioner.name == "王五" and petition.petitioner.phone == "13900139000"
    # the same clocks as any registration at the bureau
    assert petition.deadlines.filter(rule="D-BUREAU-15").exists()
    assert petition.events.get(action="register").actor_role == "petitioner"
    submission = Open311Submission.objects.get(petition=petition)
    assert submission.integration.name == "12345热线" and submission.token == token
    # the query password goes only to the petitioner's phone
    from minsheng.notifications import sms

    texts = [t for n, t in sms.sent_messages if n == "13900139000"]
    # one text (the credentials say "registered"), in the petitioner's language, on the timeline
    assert len(texts) == 1 and code in texts[0] and texts[0].startswith("【民声】您的信访事项已登记。")
    assert petition.events.filter(action="query_credentials_sent").count() == 1
    assert b"query" not in response.content.lower()
    # tokens/{token}
    root = xml(client.get(f"{BASE}/tokens/{token}.xml"))
    assert root.findtext("request/service_request_id") == code
    assert root.findtext("request/token") == token
    assert jsn(client.get(f"{BASE}/tokens/{token}.json")) == [{"service_request_id": code, "token": token}]


def test_post_json_answer(client: Client, world: Any, api_key: str) -> None:
    response = post(client, "json", form(api_key, lat="", long=""))
    assert response.status_code == 201
    body = jsn(response)
    assert isinstance(body, list) and len(body) == 1
    assert set(body[0]) == {"service_request_id", "token", "service_notice", "account_id"}
    assert Petition.objects.filter(tracking_code=body[0]["service_request_id"]).exists()


@pytest.mark.parametrize("key", ["", "wrong", "msk_" + "x" * 43])
def test_post_without_a_valid_key_is_403_and_writes_nothing(
    client: Client, world: Any, api_key: str, key: str
) -> None:
    response = post(client, "xml", {**form(api_key), "api_key": key})
    assert response.status_code == 403
    assert xml(response).findtext("error/code") == "403"
    assert not Petition.objects.exists()


def test_revoked_key_is_refused(client: Client, world: Any, api_key: str) -> None:
    out = StringIO()
    call_command("open311-key", "12345热线", "--revoke", stdout=out)
    assert post(client, "json", form(api_key)).status_code == 403
    integration = Integration.objects.get()
    assert integration.revoked_at is not None
    assert IntegrationEvent.objects.filter(integration=integration, kind="key_revoked").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"service_code": "999999"}, "service_code"),
        ({"service_code": ""}, "service_code"),
        ({"description": "  "}, "description"),
        ({"lat": "", "long": "", "address_string": ""}, "address_string"),
        ({"lat": "abc"}, "lat"),
        ({"lat": "91"}, "lat"),
        ({"long": "nan"}, "long"),
        ({"long": ""}, "long"),
        ({"phone": "12345"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"attribute[nature]": "gossip"}, "attribute[nature]"),
        ({"attribute[colour]": "red"}, "attribute[colour]"),
        ({"first_name": "", "last_name": ""}, "phone"),
        ({"first_name": "", "last_name": "", "phone": "", "email": ""}, "phone"),
        ({"attribute[title]": "长" * 201}, "attribute[title]"),
        ({"description": "长" * 20001}, "description"),
        ({"jurisdiction_id": "nowhere"}, "jurisdiction_id"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(
    client: Client, world: Any, api_key: str, changes: dict[str, str], field: str
) -> None:
    response = post(client, "xml", form(api_key, **changes))
    expected = 404 if field == "jurisdiction_id" else 400
    assert response.status_code == expected, response.content
    root = xml(response)
    assert root.findtext("error/code") == str(expected)
    assert root.findtext("error/description", "").startswith(field)
    assert not Petition.objects.exists()
    assert not Open311Submission.objects.exists()


def test_anonymous_accusation_is_accepted_but_never_listed(client: Client, world: Any, api_key: str) -> None:
    data = form(api_key, first_name="", last_name="", phone="", email="")
    data["attribute[nature]"] = "accusation"
    response = post(client, "json", data)
    assert response.status_code == 201, response.content
    code = jsn(response)[0]["service_request_id"]
    assert Petition.objects.get(tracking_code=code).nature == "accusation"
    # no oracle: an accusation's code answers exactly as an unknown one
    hidden = client.get(f"{BASE}/requests/{code}.json")
    unknown = client.get(f"{BASE}/requests/ZZZZZZZZZZZZ.json")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.content == unknown.content
    assert jsn(client.get(f"{BASE}/requests.json")) == []
    assert jsn(client.get(f"{BASE}/requests.json", {"service_request_id": code})) == []


def test_phone_throttle_as_on_the_portal(client: Client, world: Any, api_key: str) -> None:
    for _ in range(5):
        assert post(client, "json", form(api_key)).status_code == 201
    response = post(client, "json", form(api_key))
    assert response.status_code == 400
    assert Petition.objects.count() == 5
    sms = OutboxMessage.objects.filter(channel="sms").count()
    # No oracle (ADR 0020): an otherwise invalid request answers the same for this phone and for
    # a phone that never submitted — the phone's limit is told only for a request that is valid.
    too_long = {"attribute[title]": "长" * 201}
    busy = post(client, "json", form(api_key, **too_long))
    fresh = post(client, "json", form(api_key, phone="13700137000", **too_long))
    assert (busy.status_code, busy.content) == (fresh.status_code, fresh.content)
    assert Petition.objects.count() == 5 and OutboxMessage.objects.filter(channel="sms").count() == sms


# ---- GET requests ---------------------------------------------------------------------------


def _fields(request: ET.Element) -> dict[str, str | None]:
    return {child.tag: child.text for child in request}


def test_request_detail_has_the_spec_fields_and_no_personal_data(
    client: Client, world: Any, api_key: str
) -> None:
    code = jsn(post(client, "json", form(api_key)))[0]["service_request_id"]
    root = xml(client.get(f"{BASE}/requests/{code}.xml"))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request is not None
    values = _fields(request)
    assert list(values) == REQUEST_FIELDS
    assert values["status"] == "open"
    assert values["status_notes"] == "已登记"
    assert values["service_code"] == str(leaf().pk)
    assert values["agency_responsible"] == world.bureau.name
    petition = Petition.objects.get(tracking_code=code)
    due = petition.deadlines.get(rule="D-BUREAU-15").statutory_due
    assert values["expected_datetime"] is not None and values["expected_datetime"].startswith(due.isoformat())
    assert due.isoformat() in (values["service_notice"] or "")
    for stamp in ("requested_datetime", "updated_datetime", "expected_datetime"):
        parsed = dt.datetime.fromisoformat(values[stamp] or "")
        assert parsed.tzinfo is not None
    text = client.get(f"{BASE}/requests/{code}.xml").content.decode() + client.get(
        f"{BASE}/requests/{code}.json"
    ).content.decode("utf-8")
    for secret in ("王五", "13900139000", "wang@example.com", "幸福小区", "夜间施工", "28.194"):
        assert secret not in text
    body = jsn(client.get(f"{BASE}/requests/{code.lower()}.json"))
    assert body[0]["service_request_id"] == code
    assert list(body[0]) == REQUEST_FIELDS


def test_requests_list_filters(client: Client, world: Any, api_key: str, register: Any) -> None:
    mine = jsn(post(client, "json", form(api_key)))[0]["service_request_id"]
    other_category = Category.objects.filter(level=3).exclude(path__startswith="城乡建设").first()
    assert other_category is not None
    letter = register(category=other_category)
    old = register(received_at=timezone.now() - dt.timedelta(days=200))
    register(nature="accusation", accused_person="某某", title="检举某局长受贿")
    codes = [r["service_request_id"] for r in jsn(client.get(f"{BASE}/requests.json"))]
    assert set(codes) == {mine, letter.tracking_code}  # default: the last 90 days, no accusation
    root = xml(client.get(f"{BASE}/requests.xml", {"service_code": str(leaf().pk)}))
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [mine]
    ids = f"{mine},{old.tracking_code}"
    both = jsn(client.get(f"{BASE}/requests.json", {"service_request_id": ids, "status": "closed"}))
    assert {r["service_request_id"] for r in both} == {mine, old.tracking_code}  # ids ignore the rest
    assert jsn(client.get(f"{BASE}/requests.json", {"status": "closed"})) == []
    assert len(jsn(client.get(f"{BASE}/requests.json", {"status": "open"}))) == 2
    start = (timezone.now() - dt.timedelta(days=365)).isoformat()
    ranged = jsn(client.get(f"{BASE}/requests.json", {"start_date": start}))
    assert len(ranged) == 3
    too_long = {"start_date": start, "end_date": timezone.now().isoformat()}
    response = client.get(f"{BASE}/requests.json", too_long)  # the spec: at most 90 days
    assert response.status_code == 400 and jsn(response)[0]["description"].startswith("end_date")
    end = (timezone.now() - dt.timedelta(days=100)).isoformat()
    assert [r["service_request_id"] for r in jsn(client.get(f"{BASE}/requests.json", {"end_date": end}))] == [
        old.tracking_code
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "pending"},
        {"start_date": "yesterday"},
        {"end_date": "2025-13-01"},
        {"service_code": "abc"},
        {"service_code": "1,999999"},
        {"service_code": ",".join(str(n) for n in range(1, 200))},
        {"service_request_id": ",".join(f"C{n}" for n in range(200))},
    ],
)
def test_bad_list_parameters(client: Client, world: Any, params: dict[str, str]) -> None:
    response = client.get(f"{BASE}/requests.xml", params)
    assert response.status_code in (400, 404)
    assert xml(response).findtext("error/code") == str(response.status_code)


def test_closed_status(client: Client, world: Any, register: Any) -> None:
    petition = register()
    Petition.objects.filter(pk=petition.pk).update(state="not_accepted")
    row = jsn(client.get(f"{BASE}/requests/{petition.tracking_code}.json"))[0]
    assert row["status"] == "closed" and row["status_notes"] == "不予受理"
    assert row["expected_datetime"] is None


def test_unknown_token_is_404(client: Client, world: Any) -> None:
    response = client.get(f"{BASE}/tokens/nope.xml")
    assert response.status_code == 404 and xml(response).findtext("error/code") == "404"


# ---- keys -----------------------------------------------------------------------------------


def test_open311_key_command_prints_the_key_last_and_stores_only_its_hash(world: Any) -> None:
    out = StringIO()
    call_command("open311-key", "市民热线App", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    assert key.startswith("msk_") and len(key) > 40
    integration = Integration.objects.get(name="市民热线App")
    assert key not in (integration.key_hash, integration.key_prefix)
    assert IntegrationEvent.objects.filter(integration=integration, kind="key_created").exists()
    listing = StringIO()
    call_command("open311-key", "--list", stdout=listing)
    assert key not in listing.getvalue() and "市民热线App" in listing.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("open311-key", "市民热线App", stdout=StringIO())


def test_servicerequestupdates_extension(client: Client, world: Any, register: Any) -> None:
    petition = register()
    hidden = register(nature="accusation", accused_person="某某", title="检举")
    root = xml(client.get(f"{BASE}/servicerequestupdates.xml"))
    assert root.tag == "service_request_updates"
    updates = root.findall("request_update")
    assert [u.findtext("service_request_id") for u in updates] == [petition.tracking_code]
    update = updates[0]
    assert [c.tag for c in update] == [
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
        "external_status_code",
    ]
    assert update.findtext("status") == "open" and update.findtext("description") == "已登记"
    body = jsn(client.get(f"{BASE}/servicerequestupdates.json", {"start_date": "2020-01-01T00:00:00Z"}))
    assert hidden.tracking_code not in json.dumps(body)
    later = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert jsn(client.get(f"{BASE}/servicerequestupdates.json", {"start_date": later})) == []
    assert client.get(f"{BASE}/servicerequestupdates.json", {"end_date": "x"}).status_code == 400


def test_each_key_has_an_hourly_allowance(client: Client, world: Any, api_key: str, settings: Any) -> None:
    settings.MINSHENG_PORTAL_LIMITS = {"open311_key": (2, 3600)}
    phones = ["13900139001", "13900139002", "13900139003"]
    answers = [post(client, "json", form(api_key, phone=p)).status_code for p in phones]
    assert answers == [201, 201, 400]
    assert Petition.objects.count() == 2
