"""Over MCP a batch refuses each out-of-bounds event with its own reason and stores the rest, as the
REST API does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import anyio
import pytest
from django.utils import timezone

from billing_admin import schemas as s
from billing_admin.engine.models import Event

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_batch_over_mcp_refuses_only_the_out_of_bounds_events(connect_http, write_token, customer, service, actor):
    service.create_usage_meter(
        s.CreateUsageMeterRequest(name="api_units", aggregation="SUM", eventSchemaName="api_requests",
                                  computations=[{"computation": '{"var":"attribute.units"}'}]),
        actor=actor,
    )  # fmt: skip
    when = (timezone.now() - timedelta(minutes=1)).isoformat()

    def event(event_id: str, units: str = "5", **overrides: Any) -> dict[str, Any]:
        return {"id": event_id, "schemaName": "api_requests", "accountId": "acc_987", "timestamp": when,
                "attributes": [{"name": "units", "value": units}]} | overrides  # fmt: skip

    batch = [
        event("negative", "-1000000"),
        event("ok-1"),
        event("huge", "1" * 19),
        event("far", timestamp="9999-12-31T23:59:59-14:00"),
        event("epoch", timestamp=1_700_000_000_000),
        event("wide", dimensions={"region": "x" * 1_000_000}),
        event("ok-2", "7"),
    ]

    async def scenario():
        async with connect_http(write_token.raw) as client:
            return await client.call_tool("ingest_batch_events", {"events": batch})

    result = anyio.run(scenario)
    assert not result.is_error, result.content
    answer = result.structured_content
    assert answer["accepted"] == 2 and answer["success"] is False
    reasons = {f["eventId"]: f for f in answer["failed"]}
    assert [f["index"] for f in answer["failed"]] == [0, 2, 3, 4, 5]
    assert reasons["negative"]["status"] == "INGESTION_FAILED_UNITS_INVALID"
    assert "0 or more" in reasons["negative"]["message"]
    assert "1,000,000,000" in reasons["huge"]["message"]
    assert "timestamp" in reasons["far"]["message"] and "1970-01-01 to 9999-01-01" in reasons["far"]["message"]
    assert "epoch numbers" in reasons["epoch"]["message"]
    assert "dimensions.region" in reasons["wide"]["message"] and "200" in reasons["wide"]["message"]
    stored = dict(Event.objects.values_list("event_id", "meters"))
    assert sorted(stored) == ["ok-1", "ok-2"]
    assert [m["units"] for m in stored["ok-2"]] == ["7"]


def test_one_out_of_bounds_event_over_mcp_is_a_tool_error_naming_its_field(
    connect_http, write_token, customer, service, actor
):
    service.create_usage_meter(
        s.CreateUsageMeterRequest(name="api_calls", aggregation="COUNT", eventSchemaName="api_requests"), actor=actor
    )
    event = {"id": "e-1", "schemaName": "api_requests", "accountId": "acc_987",
             "timestamp": "0001-01-01T00:00:00+14:00", "attributes": [{"name": "units", "value": "-5"}]}  # fmt: skip

    async def scenario():
        async with connect_http(write_token.raw) as client:
            early = await client.call_tool("ingest_event", {"event": event})
            negative = await client.call_tool("ingest_event", {"event": event | {"timestamp": "2026-11-20T12:00:00Z"}})
            return early, negative

    early, negative = anyio.run(scenario)
    assert early.is_error and "event.timestamp" in early.content[0].text and "1970" in early.content[0].text
    assert negative.is_error and "attributes[0].value: value of 'units'" in negative.content[0].text
    assert "0 or more" in negative.content[0].text
    assert not Event.objects.exists()
