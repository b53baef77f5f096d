"""/open311/v2/ through a real HTTP server, driven by a third-party Open311 client from PyPI
(``georeport``, which parses the XML with xmltodict and the JSON as is) in both formats."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import xmltodict
from georeport import GeoReport

from minsheng.orgs.models import Category


@pytest.fixture
def key(transactional_db: Any, world: Any) -> str:
    from minsheng.integrations.keys import integration_create

    return integration_create("第三方客户端")[1]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_third_party_client_reads_and_files(live_server: Any, key: str, fmt: str) -> None:
    root = f"{live_server.url}/open311/v2"
    client = GeoReport(root, api_key=key, output_format=fmt)
    services = client.get_service_list()
    category = Category.objects.filter(level=3, path__startswith="城乡建设").order_by("pk").first()
    assert category is not None
    code = str(category.pk)
    service = next(s for s in services if s["service_code"] == code)
    assert service["service_name"] == category.name and service["group"] == "城乡建设"
    definition = client.get_service_definition(code)
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    assert [a["code"] for a in attributes] == ["nature", "title", "facts"]

    # The client has no create method: a form-encoded POST as the spec describes.
    response = requests.post(
        f"{root}/requests.{fmt}",
        data={
            "api_key": key,
            "service_code": code,
            "address_string": "幸福小区3栋旁",
            "description": "请求责令小区旁工地停止夜间施工。",
            "first_name": "五",
            "last_name": "王",
            "phone": "13900139000",
        },
        timeout=30,
    )
    assert response.status_code == 201, response.text
    created = (
        response.json()[0]
        if fmt == "json"
        else xmltodict.parse(response.content)["service_requests"]["request"]
    )
    request_id = created["service_request_id"]

    detail = client.get_service_request(request_id)
    assert detail["service_request_id"] == request_id
    assert detail["status"] == "open" and detail["service_code"] == code
    assert detail["expected_datetime"]
    listed = client.get_service_requests(service_request_id=request_id, status="open")
    rows = listed if isinstance(listed, list) else [listed]  # xmltodict: one element is a dict
    assert [r["service_request_id"] for r in rows] == [request_id]
    assert "13900139000" not in str(rows) and "王五" not in str(rows)

    refused = requests.post(f"{root}/requests.{fmt}", data={"api_key": "nope"}, timeout=30)
    assert refused.status_code == 403
