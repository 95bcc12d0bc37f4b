"""Metrics read every committed event although batches only queue their metric deltas: readers fold the
backlog first, a row is folded once whoever folds it, and ingestion folds on its own now and then."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections

from billing_admin.actors import Actor
from billing_admin.engine import metric_backlog
from billing_admin.engine.models import MetricBacklog, UsageRollup
from billing_admin.service import call

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.fixture
def units_meter(customer, actor):
    call(
        "create_usage_meter",
        {"name": "api_units", "aggregation": "SUM", "eventSchemaName": "api_requests",
         "computations": [{"computation": '{"var":"attribute.units"}'}]},
        actor=actor,
    )  # fmt: skip


def batch(first: int, count: int, *, units: str = "2", hours: int = 1) -> dict:
    return {
        "events": [
            {"id": f"evt-{n}", "schemaName": "api_requests", "accountId": "acc_987",
             "timestamp": (START + timedelta(hours=n % hours, minutes=n % 60)).isoformat(),
             "attributes": [{"name": "units", "value": units}]}
            for n in range(first, first + count)
        ]
    }  # fmt: skip


def day_total(actor) -> tuple[str, str]:
    answer = call(
        "get_metrics",
        {"startTime": START.isoformat(), "endTime": (START + timedelta(days=1)).isoformat(),
         "metricQueries": [{"id": "u", "name": "METER_USAGE", "aggregationPeriod": "DAY"},
                           {"id": "e", "name": "EVENTS", "aggregationPeriod": "DAY"}]},
        actor=actor,
    )  # fmt: skip
    usage, events = (result.data[0].metricValues[0] for result in answer.results)
    return str(usage), str(events)


def test_metrics_include_a_batch_as_soon_as_it_is_committed(units_meter, actor):
    call("ingest_batch_events", batch(0, 30, hours=5), actor=actor)
    assert MetricBacklog.objects.count() == 1  # queued, not yet in the rollups
    assert day_total(actor) == ("60", "30")
    assert MetricBacklog.objects.count() == 0
    call("ingest_batch_events", batch(30, 10, units="1.5"), actor=actor)
    assert day_total(actor) == ("75", "40")


def test_a_row_is_folded_once_and_a_replayed_batch_queues_nothing(units_meter, actor):
    call("ingest_batch_events", batch(0, 20), actor=actor)
    assert metric_backlog.fold() == 1
    assert metric_backlog.fold() == 0
    call("ingest_batch_events", batch(0, 20), actor=actor)  # every event a duplicate
    assert MetricBacklog.objects.count() == 0
    assert day_total(actor) == ("40", "20")


def test_hourly_and_daily_rollups_agree_after_folding(units_meter, actor):
    for first in range(0, 60, 20):
        call("ingest_batch_events", batch(first, 20, hours=6), actor=actor)
    metric_backlog.fold()
    hourly = UsageRollup.objects.filter(grain="H").values_list("bucket", "quantity_micros")
    daily = UsageRollup.objects.filter(grain="D").values_list("bucket", "quantity_micros")
    assert len(hourly) == 6
    assert list(daily) == [(START, sum(q for _, q in hourly))] == [(START, 120_000_000)]


def test_ingestion_folds_on_its_own_every_so_many_batches(units_meter, actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(metric_backlog.FOLD_EVERY + 1):
            call("ingest_batch_events", batch(n, 1), actor=actor)
    # Backlog ids are not reused, so the fold point depends on how many rows came before; at most
    # FOLD_EVERY rows wait, and what was folded is in the rollups already.
    waiting = MetricBacklog.objects.count()
    assert waiting < metric_backlog.FOLD_EVERY + 1
    folded = sum(UsageRollup.objects.filter(grain="D").values_list("events", flat=True))
    assert folded == metric_backlog.FOLD_EVERY + 1 - waiting


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_ingestion_folds_in_the_background_after_commit(units_meter, actor):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite folds in the request")
    for n in range(metric_backlog.FOLD_EVERY + 1):
        call("ingest_batch_events", batch(n, 1), actor=actor)
    metric_backlog.drain()
    waiting = MetricBacklog.objects.count()
    assert waiting < metric_backlog.FOLD_EVERY + 1
    folded = sum(UsageRollup.objects.filter(grain="D").values_list("events", flat=True))
    assert folded == metric_backlog.FOLD_EVERY + 1 - waiting


@pytest.mark.postgres
def test_on_postgresql_a_backlog_payload_is_stored_uncompressed():
    # It lives until the next fold; compressing it cost each batch about a millisecond.
    if connection.vendor != "postgresql":
        pytest.skip("SQLite never compresses")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute "
            "WHERE attrelid = 'engine_metricbacklog'::regclass AND attname = 'payload'"
        )
        assert cursor.fetchone() == ("e",)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_folding_beside_concurrent_ingestion_loses_and_doubles_nothing(units_meter, actor):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are exercised on PostgreSQL")
    errors: list[Exception] = []

    def ingest(worker: int) -> None:
        try:
            for n in range(10):
                first = (worker * 10 + n) * 25
                call("ingest_batch_events", batch(first, 25, hours=3),
                     actor=Actor(kind="token", name=f"w{worker}", door="api"))  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    def fold_repeatedly(stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                metric_backlog.fold()
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    stop = threading.Event()
    folders = [threading.Thread(target=fold_repeatedly, args=(stop,)) for _ in range(2)]
    writers = [threading.Thread(target=ingest, args=(w,)) for w in range(4)]
    for t in folders + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in folders:
        t.join()
    assert errors == []
    assert day_total(actor) == ("2000", "1000")  # 4 writers x 10 batches x 25 events x 2 units


def test_a_rollup_past_its_column_stops_at_the_largest_value_instead_of_failing_every_read(units_meter, actor):
    # An account without a plan has no billing cycle bounding its usage: ten batches of the largest events
    # in one hour pass what the rollup column holds.
    for first in range(0, 10_000, 1000):
        answer = call("ingest_batch_events", batch(first, 1000, units="1000000000"), actor=actor)
        assert answer.accepted == 1000
        metric_backlog.fold()
    usage, events = day_total(actor)
    assert Decimal(usage) == Decimal(2**63 - 1).scaleb(-6) and events == "10000"
