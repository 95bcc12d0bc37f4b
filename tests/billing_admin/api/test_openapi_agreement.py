"""The OpenAPI document and the API's behaviour agree: what the document allows is served, what it
forbids is refused (the CI runs schemathesis for the rest; these pin the cases it once found)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from billing_admin.api.openapi import openapi_document

pytestmark = pytest.mark.django_db


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in openapi_document()["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_path_parameter_is_declared():
    for path, method, operation in operations():
        declared = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
        assert declared == set(re.findall(r"\{(\w+)\}", path)), f"{method.upper()} {path}"


def test_the_events_list_is_documented_under_events_as_it_is_served(api, acme):
    schema = openapi_document()["paths"]["/api/events"]["get"]["responses"]["200"]["content"]["application/json"]
    model = schema["schema"]["$ref"].rsplit("/", 1)[1]
    assert "events" in openapi_document()["components"]["schemas"][model]["properties"]
    assert "events" in api.get("events").json()


def test_page_size_is_documented_with_its_bounds_and_refused_outside_them(api, acme):
    [page_size] = [
        p for p in openapi_document()["paths"]["/api/customers"]["get"]["parameters"] if p["name"] == "pageSize"
    ]
    assert (page_size["schema"]["minimum"], page_size["schema"]["maximum"]) == (1, 200)
    assert api.get("customers", pageSize=0).status_code == 400
    assert api.get("customers", pageSize=200).status_code == 200


@pytest.mark.parametrize(("path", "query"), [("customers", {"pageSize": ""}), ("events", {"start_time": -1})])
def test_a_query_value_the_document_forbids_is_a_400_naming_it(api, acme, path, query):
    response = api.get(path, **query)
    assert response.status_code == 400 and next(iter(query)) in response.json()["details"]["fields"]


def test_a_schedule_mode_outside_the_documented_two_is_a_400(api, acme):
    assert api.get("v2/accounts/acc_987/schedules", mode="LIVE").status_code == 400
    assert api.get("v2/accounts/acc_987/schedules", mode="DRAFT").status_code == 200


def test_a_body_is_required_only_where_an_empty_one_is_refused():
    paths = openapi_document()["paths"]
    assert paths["/api/invoices/generate"]["post"]["requestBody"]["required"] is True
    assert paths["/api/customers/{customer_id}"]["patch"]["requestBody"]["required"] is False
    assert paths["/api/customers"]["post"]["requestBody"]["required"] is True


def test_a_decimal_string_is_documented_by_a_pattern_the_api_keeps(api, acme):
    body = openapi_document()["components"]["schemas"]["TopUpWalletRequestBody"]
    [text] = [o for o in body["properties"]["topupAmount"]["anyOf"] if o["type"] == "string"]
    for value, allowed in (("", False), ("0", False), ("lots", False), ("0.5", True), ("12", True)):
        assert bool(re.match(text["pattern"], value)) == allowed, value
        response = api.post("accounts/acc_987/wallet_topup", {"topupAmount": value})
        assert (response.status_code == 200) == allowed, (value, response.content)


def test_a_number_sent_for_a_date_is_refused_rather_than_read_as_an_epoch(api, acme):
    body = {"accountId": "acc_987", "purpose": "Goodwill", "creditAmount": 5, "effectiveFrom": 0}
    response = api.post("credits", {"creditRequests": [body]})
    assert response.status_code == 400 and "not a number" in response.json()["message"]
    closing = api.post("invoices/generate", {"all": True, "asOf": 1700000000})
    assert closing.status_code == 400 and "asOf" in closing.json()["details"]["fields"]
