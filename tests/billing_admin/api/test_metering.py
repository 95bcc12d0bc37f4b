from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def metered(api, acme):
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
    return response.json()


def event(units: str = "5", *, id: str | None = None, account: str = "acc_987") -> dict:
    body = {
        "schemaName": "api_requests",
        "timestamp": (timezone.now() - timedelta(minutes=1)).isoformat(),
        "accountId": account,
        "attributes": [{"name": "units", "value": units}],
        "dimensions": {"region": "eu"},
    }
    return body | ({"id": id} if id else {})


def test_a_meter_is_created_active_and_listed(api, metered):
    assert metered["status"] == "ACTIVE" and metered["id"].startswith("um.")
    body = api.get("usage_meters", aggregations="SUM").json()
    assert [m["id"] for m in body["data"]] == [metered["id"]]


def test_one_event_is_accepted_with_202(api, metered):
    response = api.post("ingest", {"event": event(id="e-1")})
    assert response.status_code == 202
    assert response.json()["success"] is True and response.json()["eventId"] == "e-1"


def test_an_event_for_an_unknown_account_is_a_400_that_names_it(api, metered):
    response = api.post("ingest", {"event": event(account="acc_nobody")})
    assert response.status_code == 400
    assert "acc_nobody" in response.json()["message"]


def test_a_clean_batch_is_a_202_with_success(api, metered):
    response = api.post("ingestBatch", {"events": [event(id=f"b-{n}") for n in range(3)]})
    assert response.status_code == 202
    assert response.json()["success"] is True and response.json()["accepted"] == 3


def test_a_batch_with_bad_events_is_a_207_naming_each_one(api, metered):
    events = [event(id="ok-1"), event(id="bad-1", account="acc_nobody"), event(id="bad-2", units="lots")]
    response = api.post("ingestBatch", {"events": events})
    assert response.status_code == 207
    body = response.json()
    assert body["success"] is False and body["accepted"] == 1
    assert [f["index"] for f in body["failed"]] == [1, 2]
    assert body["details"]["failed"] == body["failed"]
    assert "2 of 3" in body["message"]


def test_a_batch_of_more_than_1000_events_is_a_400(api, metered):
    response = api.post("ingestBatch", {"events": [event()] * 1001})
    assert response.status_code == 400
    assert "events" in response.json()["message"]


def test_an_empty_ingest_body_is_a_400_naming_the_event(api, metered):
    response = api.post("ingest", "")
    assert response.status_code == 400
    assert "event" in response.json()["message"]


def test_events_are_listed_in_togais_envelope(api, metered):
    api.post("ingest", {"event": event(id="e-1")})
    body = api.get("events", account_id="acc_987").json()
    assert [e["eventPayload"]["id"] for e in body["events"]] == ["e-1"]


def test_metrics_answer_in_togais_shape_with_numbers(api, metered):
    api.post("ingestBatch", {"events": [event("2"), event("3")]})
    now = timezone.now()
    response = api.post(
        "metrics",
        {
            "startTime": (now - timedelta(days=1)).isoformat(),
            "endTime": (now + timedelta(hours=1)).isoformat(),
            "metricQueries": [{"id": "m1", "name": "EVENTS", "aggregationPeriod": "DAY"}],
        },
    )
    assert response.status_code == 200, response.content
    result = response.json()["results"][0]
    assert result["id"] == "m1" and sum(sum(d["metricValues"]) for d in result["data"]) == 2
