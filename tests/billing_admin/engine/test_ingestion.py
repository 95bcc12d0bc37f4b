from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from billing_admin import schemas as s
from billing_admin.engine import metric_backlog
from billing_admin.engine.models import AuditLog, Event, UsageRollup
from billing_admin.errors import InvalidInputError
from billing_admin.service import call

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)


@pytest.fixture
def metered(service, actor, customer):
    """acc_987 (alias acme-prod) with a COUNT meter and a SUM meter on the api_requests schema."""
    call(
        "create_usage_meter",
        {"name": "api_calls", "aggregation": "COUNT", "eventSchemaName": "api_requests"},
        actor=actor,
    )
    call(
        "create_usage_meter",
        {
            "name": "api_units",
            "aggregation": "SUM",
            "eventSchemaName": "api_requests",
            "filters": [{"field": "dimension.region", "value": "eu"}],
            "computations": [{"computation": '{"var":"attribute.units"}'}],
        },
        actor=actor,
    )
    return customer


def event(units="50", *, id=None, account="acc_987", region="eu", at=NOW, schema="api_requests", **extra):
    body = {
        "schemaName": schema,
        "timestamp": at.isoformat(),
        "accountId": account,
        "attributes": [{"name": "units", "value": units}],
        "dimensions": {"region": region},
        **extra,
    }
    if id:
        body["id"] = id
    return body


def usage(meter_name: str) -> int:
    metric_backlog.fold()
    return sum(UsageRollup.objects.filter(meter__name=meter_name, grain="H").values_list("quantity_micros", flat=True))


def test_an_event_is_metered_at_ingestion_and_says_which_meters_counted(metered, actor):
    answer = call("ingest_event", {"event": event("12.5", id="e1")}, actor=actor)
    assert answer.status == "INGESTION_COMPLETED_EVENT_METERED"
    assert sorted((m.name, str(m.units)) for m in answer.meters) == [("api_calls", "1"), ("api_units", "12.5")]
    assert usage("api_units") == 12_500_000 and usage("api_calls") == 1_000_000
    assert AuditLog.objects.filter(action="ingest_events", door="page").count() == 1


def test_a_batch_is_audited_once_naming_the_first_fifty_ids_it_stored(metered, actor):
    call("ingest_event", {"event": event(id="e-000")}, actor=actor)  # stored before: the batch only replays it
    ids = [f"e-{n:03}" for n in range(60)]
    random.Random(3).shuffle(ids)
    call("ingest_batch_events", {"events": [event(id=event_id) for event_id in ids]}, actor=actor)
    record = AuditLog.objects.filter(action="ingest_events").latest("id")
    assert record.summary == "ingested 59 event(s); 0 refused"
    assert record.changes["eventIds"] == [f"e-{n:03}" for n in range(1, 51)]


def test_an_alias_names_the_account(metered, actor):
    call("ingest_event", {"event": event(id="e1", account="acme-prod")}, actor=actor)
    assert Event.objects.get(event_id="e1").account.account_id == "acc_987"


def test_a_filtered_out_event_is_stored_but_counts_only_toward_matching_meters(metered, actor):
    answer = call("ingest_event", {"event": event(id="e1", region="us")}, actor=actor)
    assert [m.name for m in answer.meters] == ["api_calls"]
    assert usage("api_units") == 0


def test_replaying_an_event_id_returns_the_first_outcome_and_counts_nothing_twice(metered, actor):
    first = call("ingest_event", {"event": event("7", id="same")}, actor=actor)
    again = call("ingest_event", {"event": event("7", id="same")}, actor=actor)
    batch = call("ingest_batch_events", {"events": [event("7", id="same"), event("7", id="same")]}, actor=actor)
    assert first.duplicate is False
    assert (again.status, again.duplicate, again.meters) == (first.status, True, first.meters)
    assert (batch.accepted, batch.duplicates, batch.failed) == (2, 2, [])
    assert usage("api_units") == 7_000_000 and Event.objects.count() == 1


def test_a_batch_of_stored_new_and_unmeterable_events_stores_and_counts_each_new_one_once(metered, actor):
    call("ingest_batch_events", {"events": [event("5", id="b"), event("5", id="d")]}, actor=actor)
    answer = call(
        "ingest_batch_events",
        {"events": [event("1", id="a"), event("5", id="b"), {**event(id="c"), "attributes": []},
                    event("5", id="d"), event("2", id="e")]},
        actor=actor,
    )  # fmt: skip
    assert (answer.accepted, answer.duplicates) == (4, 2)
    assert [(f.index, f.eventId, f.status) for f in answer.failed] == [(2, "c", "INGESTION_FAILED_UNITS_INVALID")]
    assert sorted(Event.objects.values_list("event_id", flat=True)) == ["a", "b", "d", "e"]
    assert usage("api_units") == 13_000_000 and usage("api_calls") == 4_000_000


def test_a_batch_keeps_good_events_and_names_each_bad_one(metered, actor):
    future = timezone.now() + timedelta(hours=2)
    answer = call(
        "ingest_batch_events",
        {"events": [
            event("1", id="ok1"),
            event("1", id="b1", account="acc_nope"),
            event("1", id="b2", schema="no_such_schema"),
            event("ten", id="b3"),
            {"schemaName": "api_requests", "accountId": "acc_987", "attributes": []},
            event("1", id="b5", at=future),
            event("2", id="ok2"),
        ]},
        actor=actor,
    )  # fmt: skip
    assert answer.accepted == 2 and answer.duplicates == 0 and not answer.success
    failed = {f.index: (f.status, f.message) for f in answer.failed}
    assert failed[1][0] == "INGESTION_FAILED_ACCOUNT_NOT_FOUND" and "acc_nope" in failed[1][1]
    assert failed[2][0] == "INGESTION_FAILED_SCHEMA_NOT_DEFINED"
    assert failed[3][0] == "INGESTION_FAILED_UNITS_INVALID" and "'units'" in failed[3][1]
    assert failed[4][1] == "timestamp: required field is missing"
    assert "future" in failed[5][1]
    assert sorted(Event.objects.values_list("event_id", flat=True)) == ["ok1", "ok2"]
    assert usage("api_units") == 3_000_000


def test_a_sum_meter_missing_its_attribute_refuses_the_event_instead_of_guessing(metered, actor):
    with pytest.raises(InvalidInputError, match="api_units") as info:
        call("ingest_event", {"event": {**event(id="e1"), "attributes": []}}, actor=actor)
    assert info.value.details["status"] == "INGESTION_FAILED_UNITS_INVALID"
    assert not Event.objects.exists()


def test_a_single_bad_event_is_a_field_error_and_writes_nothing(metered, actor):
    with pytest.raises(InvalidInputError) as info:
        call("ingest_event", {"event": event(id="e1", account="ghost")}, actor=actor)
    assert info.value.details["fields"] == {
        "event.accountId": "account 'ghost' not found; call list_accounts to find ids or aliases"
    }
    assert not Event.objects.exists() and not AuditLog.objects.filter(action="ingest_events").exists()


def test_an_event_without_meters_for_its_schema_is_stored_as_not_metered(service, actor, customer):
    call(
        "create_usage_meter",
        {
            "name": "logins",
            "aggregation": "COUNT",
            "eventSchemaName": "login",
            "filters": [{"field": "dimension.kind", "value": "sso"}],
        },
        actor=actor,
    )
    answer = call("ingest_event", {"event": event(id="e1", schema="login")}, actor=actor)
    assert answer.status == "INGESTION_COMPLETED_EVENT_NOT_METERED" and answer.meters == []


def test_timestamps_without_offset_are_taken_as_utc(metered, actor):
    call("ingest_event", {"event": {**event(id="e1"), "timestamp": "2026-11-20T07:30:35.123"}}, actor=actor)
    assert Event.objects.get().timestamp == datetime(2026, 11, 20, 7, 30, 35, 123000, tzinfo=UTC)


def test_a_batch_over_1000_events_is_refused_whole(metered, actor):
    with pytest.raises(InvalidInputError, match="events"):
        call("ingest_batch_events", {"events": [event(id=str(i)) for i in range(1001)]}, actor=actor)


def test_events_are_listed_newest_first_with_status_and_meters(metered, service, actor):
    call(
        "ingest_batch_events",
        {"events": [event(id="a", at=NOW), event(id="b", at=NOW + timedelta(minutes=1))]},
        actor=actor,
    )
    page = service.list_events(s.ListEventsRequest(accountId="acme-prod", pageSize=1), actor=actor)
    assert page.data[0].eventPayload.id == "b"
    assert page.data[0].ingestionStatus.status == "INGESTION_COMPLETED_EVENT_METERED"
    rest = service.list_events(s.ListEventsRequest(accountId="acme-prod", nextToken=page.nextToken), actor=actor)
    assert [e.eventPayload.id for e in rest.data] == ["a"]


def test_text_that_copy_would_escape_is_stored_and_read_back_as_sent(metered, service, actor):
    awkward = 'a\tb\nc\\d \\N "q" déjà'
    body = event(id=f"id {awkward}", region=awkward)
    body["attributes"][0]["unit"] = awkward
    answer = call("ingest_batch_events", {"events": [body, event(id="plain")]}, actor=actor)
    assert answer.accepted == 2 and not answer.failed
    page = service.list_events(s.ListEventsRequest(accountId="acc_987"), actor=actor)
    stored = next(e.eventPayload for e in page.data if e.eventPayload.id != "plain")
    assert stored.id == f"id {awkward}"
    assert stored.dimensions == {"region": awkward}
    assert stored.attributes[0].unit == awkward
