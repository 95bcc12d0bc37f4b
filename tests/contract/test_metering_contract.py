"""Meters, ingestion, events and metrics: the same answers from both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.errors import InvalidInputError
from billing_admin.service import BillingService

from .conftest import recent, usage


def batch(*events: dict) -> s.IngestBatchRequest:
    return s.IngestBatchRequest.model_validate({"events": list(events)})


def test_a_meter_is_created_active_and_listed(backend, actor, meter):
    assert meter.status == "ACTIVE" and meter.id.startswith("um.") and meter.eventSchema.name == "api_requests"
    page = backend.list_usage_meters(s.ListUsageMetersRequest(aggregation="SUM", pageSize=1), actor=actor)
    assert len(page.data) == 1 and page.nextToken
    rest = backend.list_usage_meters(s.ListUsageMetersRequest(pageSize=1, nextToken=page.nextToken), actor=actor)
    assert {page.data[0].id, rest.data[0].id} == {meter.id, backend_meter_id(backend, actor, "ai_queries")}


def backend_meter_id(backend: BillingService, actor: Actor, name: str) -> str:
    meters = backend.list_usage_meters(s.ListUsageMetersRequest(), actor=actor).data
    return next(m.id for m in meters if m.name == name)


def test_an_event_is_metered_at_once_and_a_repeat_is_not_counted_twice(backend, actor, meter):
    first = backend.ingest_event(s.IngestEventRequest(event=usage("7", id="e-1")), actor=actor)
    assert first.success and first.eventId == "e-1" and first.status == "INGESTION_COMPLETED_EVENT_METERED"
    assert [(m.usageMeterId, m.units) for m in first.meters] == [(meter.id, 7)]
    again = backend.ingest_event(s.IngestEventRequest(event=usage("7", id="e-1")), actor=actor)
    assert again.duplicate and again.success


def test_an_event_for_an_unknown_account_is_refused_naming_it(backend, actor, meter):
    with pytest.raises(InvalidInputError, match="acc_nobody"):
        backend.ingest_event(s.IngestEventRequest(event=usage(account="acc_nobody")), actor=actor)


def test_a_batch_keeps_good_events_and_names_bad_ones_by_their_index(backend, actor, meter):
    request = batch(usage(id="ok-1"), {"schemaName": "api_requests"}, usage(id="bad-2", account="acc_nobody"),
                    usage("lots", id="bad-3"), usage(id="ok-4"))  # fmt: skip
    answer = backend.ingest_batch_events(request, actor=actor)
    assert answer.accepted == 2 and not answer.success
    assert [(f.index, f.eventId) for f in answer.failed] == [(1, None), (2, "bad-2"), (3, "bad-3")]
    assert "acc_nobody" in answer.failed[1].message


def test_a_repeated_batch_reports_duplicates(backend, actor, meter):
    backend.ingest_batch_events(batch(usage(id="d-1"), usage(id="d-2")), actor=actor)
    again = backend.ingest_batch_events(batch(usage(id="d-1"), usage(id="d-2")), actor=actor)
    assert again.success and again.accepted == 2 and again.duplicates == 2


def test_events_are_listed_newest_first_and_filtered(backend, actor, meter):
    backend.ingest_batch_events(batch(usage(id="old", at=recent() - timedelta(seconds=30))), actor=actor)
    backend.ingest_batch_events(batch(usage(id="new")), actor=actor)
    page = backend.list_events(s.ListEventsRequest(accountId="acme-prod"), actor=actor)
    assert [e.eventPayload.id for e in page.data] == ["new", "old"]
    assert page.data[0].ingestionStatus.status == "INGESTION_COMPLETED_EVENT_METERED"
    late = backend.list_events(s.ListEventsRequest(startTime=recent() - timedelta(seconds=1)), actor=actor)
    assert [e.eventPayload.id for e in late.data] == ["new"]


def test_metrics_count_events_and_usage(backend, actor, meter):
    backend.ingest_batch_events(batch(usage("2"), usage("3")), actor=actor)
    request = s.GetMetricsRequest(
        startTime=recent() - timedelta(days=1),
        endTime=recent() + timedelta(hours=1),
        metricQueries=[
            {"id": "events", "name": "EVENTS", "aggregationPeriod": "DAY"},
            {"id": "usage", "name": "METER_USAGE", "aggregationPeriod": "DAY", "groupBy": "USAGE_METER_ID"},
        ],
    )
    events, used = backend.get_metrics(request, actor=actor).results
    assert sum(sum(d.metricValues) for d in events.data) == 2
    [series] = used.data
    assert series.groupedBy.fieldValue == meter.id and sum(series.metricValues) == 5
