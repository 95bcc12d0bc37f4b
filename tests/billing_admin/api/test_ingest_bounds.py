"""Each event is bounded at the door: a value, a time or dimensions the engine cannot bill are refused as
that event's own reason, and the rest of the batch is stored and billed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing_admin.engine.models import Event
from billing_admin.schemas.event_bounds import MAX_EVENT_UNITS, MAX_TOTAL_UNITS
from tests.dashboard.factories import finance_admin

from .conftest import Api, plan_body, start_of_month, usage_event

pytestmark = pytest.mark.django_db


def with_attributes(*values: str, **overrides: object) -> dict[str, object]:
    return usage_event() | {"attributes": [{"name": "units", "value": v} for v in values]} | overrides


BAD_EVENTS = [
    # (what is wrong, the event, words its reason must hold)
    ("negative", with_attributes("-5"), ["attributes[0].value", "'units'", "-5", "0 or more"]),
    ("negative million", with_attributes("-1000000"), ["0 or more"]),
    ("19 digits", with_attributes("1" * 19), ["more than 1,000,000,000", "split it"]),
    ("512 digits", with_attributes("9" * 512), ["more than 1,000,000,000"]),
    ("fraction past the column", with_attributes("12345678901234.5"), ["more than 1,000,000,000"]),
    ("second value negative", with_attributes("3", "-0.5"), ["attributes[1].value", "0 or more"]),
    ("year 9999 west of UTC", usage_event() | {"timestamp": "9999-12-31T23:59:59-14:00"}, ["timestamp", "1970"]),
    ("year 1 east of UTC", usage_event() | {"timestamp": "0001-01-01T00:00:00+14:00"}, ["timestamp", "9999"]),
    ("1900", usage_event() | {"timestamp": "1900-01-01T00:00:00Z"}, ["timestamp", "outside 1970-01-01"]),
    ("1969", usage_event() | {"timestamp": "1969-12-31T23:59:59Z"}, ["timestamp", "outside 1970-01-01"]),
    ("epoch seconds", usage_event() | {"timestamp": 1_700_000_000}, ["timestamp", "epoch numbers"]),
    ("epoch ms as text", usage_event() | {"timestamp": "1700000000000"}, ["timestamp", "ISO-8601"]),
    ("before the plan", usage_event() | {"timestamp": "2001-01-01T00:00:00Z"}, ["timestamp", "no billing cycle"]),
    ("51 dimensions", usage_event() | {"dimensions": {f"d{n}": "x" for n in range(51)}}, ["dimensions", "50"]),
    ("long dimension value", usage_event() | {"dimensions": {"region": "x" * 201}}, ["dimensions.region", "200"]),
    ("long dimension name", usage_event() | {"dimensions": {"k" * 51: "eu"}}, ["dimensions", "50 characters"]),
    ("11 attributes", with_attributes(*["1"] * 11), ["attributes", "10"]),
]


def draft_total(api: Api) -> Decimal:
    [draft] = api.get("invoices", status="DRAFT", owner_id="acc_987").json()["data"]
    return Decimal(str(draft["totalAmount"]))


def test_a_batch_refuses_each_out_of_bounds_event_with_its_own_reason_and_bills_the_rest(api, on_pro):
    events = [usage_event("5", id="good-1")]
    events += [event | {"id": f"bad-{n}"} for n, (_, event, _) in enumerate(BAD_EVENTS)]
    events += [usage_event("7", id="good-2")]
    response = api.post("ingestBatch", {"events": events})
    assert response.status_code == 207, response.content
    body = response.json()
    assert body["accepted"] == 2
    reasons = {f["index"]: f for f in body["failed"]}
    assert sorted(reasons) == list(range(1, len(BAD_EVENTS) + 1))
    for n, (what, _, words) in enumerate(BAD_EVENTS):
        refused = reasons[n + 1]
        assert refused["eventId"] == f"bad-{n}", what
        for word in words:
            assert word in refused["message"], (what, refused["message"])
    assert sorted(Event.objects.values_list("event_id", flat=True)) == ["good-1", "good-2"]
    assert draft_total(api) == Decimal("1.2")  # 12 units at 0.10: nothing refused lowered or raised it


@pytest.mark.parametrize(("what", "event", "words"), BAD_EVENTS, ids=[b[0] for b in BAD_EVENTS])
def test_one_out_of_bounds_event_is_a_400_naming_its_field_and_writes_nothing(api, on_pro, what, event, words):
    response = api.post("ingest", {"event": event})
    assert response.status_code == 400, response.content
    body = response.json()
    field = words[0] if words[0].startswith(("attributes", "timestamp", "dimensions")) else None
    if field is not None:
        assert any(name.startswith(f"event.{field}") for name in body["details"]["fields"]), body
    for word in words:
        assert word in body["message"], body["message"]
    assert not Event.objects.exists()


def test_a_value_of_zero_and_the_largest_value_are_taken(api, on_pro):
    response = api.post("ingestBatch", {"events": [usage_event("0"), usage_event(str(MAX_EVENT_UNITS)),
                                                   usage_event("-0"), usage_event("0.000001")]})  # fmt: skip
    assert response.status_code == 202, response.content
    assert draft_total(api) == Decimal("100000000.00")


def test_a_refused_negative_value_leaves_the_invoices_and_the_account_answering(api, on_pro, client):
    response = api.post("ingestBatch", {"events": [usage_event("-1000000"), usage_event("5")]})
    assert response.status_code == 207 and response.json()["accepted"] == 1
    assert api.get("invoices").status_code == 200
    assert api.get("accounts/acc_987").status_code == 200
    client.force_login(finance_admin())
    assert client.get("/invoices/").status_code == 200
    assert client.get("/accounts/acc_987/").status_code == 200
    assert draft_total(api) == Decimal("0.5")


def test_a_meter_computing_negative_or_too_many_units_refuses_the_event(api, on_pro):
    for name, computation in [("refunds", '{"-":[0,{"var":"attribute.units"}]}'),
                              ("bytes", '{"*":[{"var":"attribute.units"},1000000]}')]:  # fmt: skip
        created = api.post("usage_meters", {"name": name, "aggregation": "SUM", "eventSchemaName": name,
                                            "computations": [{"computation": computation}]})  # fmt: skip
        assert created.status_code == 201, created.content
    response = api.post("ingestBatch", {"events": [usage_event("5", schema="refunds"),
                                                   usage_event("5000", schema="bytes"),
                                                   usage_event("5", schema="bytes")]})  # fmt: skip
    assert response.status_code == 207, response.content
    failed = {f["index"]: f for f in response.json()["failed"]}
    assert sorted(failed) == [0, 1]
    assert failed[0]["status"] == "INGESTION_FAILED_UNITS_INVALID" and "computed -5 units" in failed[0]["message"]
    assert "computed 5000000000 units" in failed[1]["message"]


def test_a_cycle_counter_refuses_the_event_that_would_pass_its_ceiling(api, on_pro):
    full = str(MAX_EVENT_UNITS)
    for batch in range(MAX_TOTAL_UNITS // MAX_EVENT_UNITS // 1000):
        events = [usage_event(full, id=f"full-{batch}-{n}") for n in range(1000)]
        assert api.post("ingestBatch", {"events": events}).status_code == 202
    response = api.post("ingestBatch", {"events": [usage_event("1", id="over"), usage_event("0", id="nothing")]})
    assert response.status_code == 207, response.content
    [refused] = response.json()["failed"]
    assert refused["eventId"] == "over" and refused["status"] == "INGESTION_FAILED_UNITS_INVALID"
    assert "meter 'api_units'" in refused["message"] and "4,000,000,000,000 units" in refused["message"]
    assert Event.objects.filter(event_id="nothing").exists() and not Event.objects.filter(event_id="over").exists()
    assert draft_total(api) == Decimal(MAX_TOTAL_UNITS) / 10


def test_an_account_without_a_plan_keeps_its_usage_for_a_plan_assigned_from_before_it(api, pro):
    response = api.post("ingest", {"event": usage_event("5", id="early")})
    assert response.status_code == 202, response.content
    assigned = api.patch("accounts/acc_987", {"pricePlanId": pro["id"], "effectiveFrom": start_of_month().isoformat()})
    assert assigned.status_code == 200, assigned.content
    assert draft_total(api) == Decimal("0.5")


def test_a_feature_counter_refuses_the_event_that_would_pass_its_ceiling(api, meter):
    plan = plan_body(meter["id"], name="Metered AI")
    entitlement = plan["rateCards"][1]["rateCardDetails"]["billingEntitlementRateCard"]
    entitlement["schemaAssociations"] = [{"schemaName": "api_requests", "attributeName": "queries"}]
    created = api.post("v2/price_plans", plan)
    assert created.status_code == 200, created.content
    assigned = api.patch("accounts/acc_987", {"pricePlanId": created.json()["id"],
                                              "effectiveFrom": start_of_month().isoformat()})  # fmt: skip
    assert assigned.status_code == 200, assigned.content

    def queries(amount: str, id: str) -> dict:
        return usage_event("0", id=id) | {"attributes": [{"name": "units", "value": "0"},
                                                         {"name": "queries", "value": amount}]}  # fmt: skip

    for batch in range(MAX_TOTAL_UNITS // MAX_EVENT_UNITS // 1000):
        events = [queries(str(MAX_EVENT_UNITS), f"full-{batch}-{n}") for n in range(1000)]
        assert api.post("ingestBatch", {"events": events}).status_code == 202
    response = api.post("ingestBatch", {"events": [queries("1", "over"), queries("0", "nothing")]})
    assert response.status_code == 207, response.content
    [refused] = response.json()["failed"]
    assert refused["eventId"] == "over" and "the feature counted from attribute 'queries'" in refused["message"]
