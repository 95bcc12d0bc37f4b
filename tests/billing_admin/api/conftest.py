"""REST API fixtures: tokens made through the token service, and a client that speaks JSON."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.http import HttpResponse
from django.test import Client

from billing_admin.actors import Actor
from billing_admin.engine.tokens import token_create


class Api:
    def __init__(self, client: Client, raw_token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {raw_token}"} if raw_token else {}

    def _send(self, method: str, path: str, body: object = None, **headers: str) -> HttpResponse:
        data = body if isinstance(body, str | bytes) else json.dumps(body) if body is not None else None
        return getattr(self.client, method)(
            f"/api/{path}", data=data, content_type="application/json", headers={**self.headers, **headers}
        )

    def get(self, path: str, **query: object) -> HttpResponse:
        return self.client.get(f"/api/{path}", query, headers=self.headers)

    def post(self, path: str, body: object = None, **headers: str) -> HttpResponse:
        return self._send("post", path, body, **headers)

    def patch(self, path: str, body: object = None, **headers: str) -> HttpResponse:
        return self._send("patch", path, body, **headers)


@pytest.fixture
def write_token(db):
    return token_create(name="backend", scope="write", actor=Actor.cli("test"))


@pytest.fixture
def read_token(db):
    return token_create(name="reporting", scope="read", actor=Actor.cli("test"))


@pytest.fixture
def api(client, write_token) -> Api:
    return Api(client, write_token.raw)


@pytest.fixture
def reader(client, read_token) -> Api:
    return Api(client, read_token.raw)


@pytest.fixture
def anonymous(client) -> Api:
    return Api(client, None)


ACME = {
    "id": "cust_123",
    "name": "Acme Corp",
    "primaryEmail": "billing@acme.example",
    "address": {"line1": "1 Main St", "city": "Florence", "country": "US"},
    "account": {"id": "acc_987", "name": "Acme Production", "invoiceCurrency": "USD", "aliases": ["acme-prod"]},
}


@pytest.fixture
def acme(api):
    response = api.post("customers", ACME)
    assert response.status_code == 201, response.content
    return response.json()


def start_of_month() -> datetime:
    from django.utils import timezone

    return timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def usage_event(units: str = "5", *, id: str | None = None, account: str = "acc_987", schema: str = "api_requests",
                attribute: str = "units") -> dict:  # fmt: skip
    """An event a minute ago: inside the open cycle."""
    from datetime import timedelta

    from django.utils import timezone

    when = max(start_of_month(), timezone.now() - timedelta(minutes=1))
    body = {"schemaName": schema, "timestamp": when.isoformat(), "accountId": account,
            "attributes": [{"name": attribute, "value": units}]}  # fmt: skip
    return body | ({"id": id} if id else {})


def plan_body(meter_id: str, name: str = "Pro") -> dict:
    """A plan in Togai's v2 create shape plus rateCards: 0.10 per unit, and 100 AI queries a month."""
    return {
        "name": name,
        "type": "BILLING",
        "supportedCurrencies": ["USD"],
        "pricingCycleConfig": {"interval": "MONTHLY", "startOffset": {"dayOffset": "1", "monthOffset": "NIL"},
                               "gracePeriod": 0, "anniversaryCycle": False},  # fmt: skip
        "deferredRevenue": False,
        "rateCards": [
            {"type": "USAGE", "displayName": "API units", "invoiceTiming": "IN_ARREARS", "rateCardDetails": {
                "usageRateCard": {"usageMeterId": meter_id,
                                  "ratePlan": {"pricingModel": "TIERED", "slabs": [{"order": 1, "startAfter": 0}]},
                                  "rateValues": [{"currency": "USD", "slabRates": [{"order": 1, "rate": 0.10}]}]}}},
            {"type": "BILLING_ENTITLEMENT", "displayName": "AI queries", "rateCardDetails": {
                "billingEntitlementRateCard": {
                    "featureId": "ai_queries",
                    "schemaAssociations": [{"schemaName": "ai_queries", "attributeName": "queries"}],
                    "featureConfigs": [{"featureCreditLimit": 100}]}}},
        ],
    }  # fmt: skip


@pytest.fixture
def meter(api, acme):
    response = api.post(
        "usage_meters",
        {
            "name": "api_units",
            "type": "COUNTER",
            "aggregation": "SUM",
            "eventSchemaName": "api_requests",
            "computations": [{"computation": '{"var":"attribute.units"}', "order": 1}],
        },
    )
    assert response.status_code == 201, response.content
    queries = api.post(
        "usage_meters",
        {
            "name": "ai_queries",
            "aggregation": "SUM",
            "eventSchemaName": "ai_queries",
            "computations": [{"computation": '{"var":"attribute.queries"}'}],
        },
    )
    assert queries.status_code == 201, queries.content
    return response.json()


@pytest.fixture
def pro(api, meter):
    response = api.post("v2/price_plans", plan_body(meter["id"]))
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def on_pro(api, pro):
    """acc_987 on the Pro plan since the start of this month."""
    response = api.patch("accounts/acc_987", {"pricePlanId": pro["id"], "effectiveFrom": start_of_month().isoformat()})
    assert response.status_code == 200, response.content
    return pro
