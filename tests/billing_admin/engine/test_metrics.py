from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from billing_admin import schemas as s
from billing_admin.errors import InvalidInputError
from billing_admin.service import call

pytestmark = pytest.mark.django_db

DAY0 = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday


@pytest.fixture
def usage(service, actor, customer):
    call("create_account", {"id": "acc_2", "name": "Acme Staging", "customerId": "cust_123"}, actor=actor)
    call(
        "create_customer",
        {
            "id": "cust_456",
            "name": "Globex",
            "primaryEmail": "ap@globex.example",
            "account": {"id": "acc_vink_01", "name": "Globex main"},
        },
        actor=actor,
    )
    meter = call(
        "create_usage_meter",
        {
            "name": "api_units",
            "aggregation": "SUM",
            "eventSchemaName": "api_requests",
            "computations": [{"computation": '{"var":"attribute.units"}'}],
        },
        actor=actor,
    )
    events = []
    for day in range(3):
        for hour, account, units in ((1, "acc_987", "10"), (5, "acc_2", "2.5"), (23, "acc_vink_01", "1")):
            events.append(
                {
                    "id": f"{day}-{hour}",
                    "schemaName": "api_requests",
                    "accountId": account,
                    "timestamp": (DAY0 + timedelta(days=day, hours=hour, minutes=7)).isoformat(),
                    "attributes": [{"name": "units", "value": units}],
                }
            )
    assert call("ingest_batch_events", {"events": events}, actor=actor).accepted == 9
    return meter


def metrics(actor, *queries, start=DAY0, end=DAY0 + timedelta(days=3)):
    return call(
        "get_metrics",
        {"startTime": start.isoformat(), "endTime": end.isoformat(), "metricQueries": list(queries)},
        actor=actor,
    ).results


def test_events_are_counted_in_daily_buckets_with_empty_days_as_zero(usage, actor):
    (result,) = metrics(actor, {"id": "m1", "name": "EVENTS", "aggregationPeriod": "DAY"}, end=DAY0 + timedelta(days=4))
    (series,) = result.data
    assert series.groupedBy is None
    assert series.timestamps == [DAY0 + timedelta(days=d) for d in range(4)]
    assert series.metricValues == [3, 3, 3, 0]


def test_meter_usage_groups_by_account_and_sums_exactly(usage, actor):
    (result,) = metrics(actor, {"id": "u", "name": "METER_USAGE", "aggregationPeriod": "WEEK", "groupBy": "ACCOUNT_ID"})
    got = {d.groupedBy.fieldValue: d.metricValues for d in result.data}
    assert got == {"acc_2": [Decimal("7.5")], "acc_987": [Decimal("30")], "acc_vink_01": [Decimal("3")]}
    assert result.data[0].timestamps == [DAY0]


def test_usage_filters_by_customer_and_groups_by_meter(usage, actor):
    (result,) = metrics(
        actor,
        {
            "id": "u",
            "name": "METER_USAGE",
            "aggregationPeriod": "MONTH",
            "groupBy": "USAGE_METER_ID",
            "filters": [{"fieldName": "CUSTOMER_ID", "fieldValues": ["cust_123"]}],
        },
    )
    (series,) = result.data
    assert series.groupedBy.fieldValue == usage.id
    assert series.timestamps == [datetime(2026, 11, 1, tzinfo=UTC)]
    assert series.metricValues == [Decimal("37.5")]


def test_hourly_buckets_place_each_event_in_its_hour(usage, actor):
    (result,) = metrics(
        actor,
        {
            "id": "h",
            "name": "EVENTS",
            "aggregationPeriod": "HOUR",
            "filters": [{"fieldName": "ACCOUNT_ID", "fieldValues": ["acc_2"]}],
        },
        end=DAY0 + timedelta(hours=8),
    )
    assert result.data[0].metricValues == [0, 0, 0, 0, 0, 1, 0, 0]


def test_several_queries_answer_in_order_with_their_ids(usage, actor):
    results = metrics(
        actor,
        {"id": "b", "name": "EVENTS", "aggregationPeriod": "DAY", "groupBy": "SCHEMA_NAME"},
        {
            "id": "a",
            "name": "EVENTS",
            "aggregationPeriod": "DAY",
            "filters": [{"fieldName": "EVENT_STATUS", "fieldValues": ["PROCESSED"]}],
        },
    )
    assert [r.id for r in results] == ["b", "a"]
    assert results[0].data[0].groupedBy.fieldValue == "api_requests"
    assert sum(results[1].data[0].metricValues) == 9


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"id": "x", "name": "EVENTS", "aggregationPeriod": "HOUR"}, "aggregationPeriod"),
        (
            {"id": "x", "name": "EVENTS", "aggregationPeriod": "DAY", "groupBy": "USAGE_METER_ID"},
            "metricQueries.groupBy",
        ),
        (
            {
                "id": "x",
                "name": "METER_USAGE",
                "aggregationPeriod": "DAY",
                "filters": [{"fieldName": "SCHEMA_NAME", "fieldValues": ["a"]}],
            },
            "metricQueries.filters.fieldName",
        ),
        ({"id": "x", "name": "NOPE", "aggregationPeriod": "DAY"}, "metricQueries[0].name"),
    ],
)
def test_impossible_queries_are_field_errors(usage, actor, query, field):
    with pytest.raises(InvalidInputError) as info:
        metrics(actor, query, end=DAY0 + timedelta(days=30))
    assert field in info.value.details["fields"]


def test_the_range_must_move_forward(actor, service):
    with pytest.raises(InvalidInputError, match="endTime"):
        service.get_metrics(
            s.GetMetricsRequest(
                startTime=DAY0, endTime=DAY0, metricQueries=[{"id": "x", "name": "EVENTS", "aggregationPeriod": "DAY"}]
            ),
            actor=actor,
        )
