"""Concurrent replays on PostgreSQL: eight clients send the same batch at once; each event counts once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections

from billing_admin.actors import Actor
from billing_admin.engine import metric_backlog
from billing_admin.engine.models import Event, UsageRollup
from billing_admin.service import call

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent writers are exercised on PostgreSQL")


def test_eight_concurrent_replays_of_a_batch_count_each_event_once(customer, actor):
    call(
        "create_usage_meter",
        {
            "name": "api_units",
            "aggregation": "SUM",
            "eventSchemaName": "api_requests",
            "computations": [{"computation": '{"var":"attribute.units"}'}],
        },
        actor=actor,
    )
    at = datetime(2026, 11, 20, 10, tzinfo=UTC).isoformat()
    batch = {
        "events": [
            {
                "id": f"evt-{i}",
                "schemaName": "api_requests",
                "accountId": "acc_987",
                "timestamp": at,
                "attributes": [{"name": "units", "value": "3"}],
            }
            for i in range(200)
        ]
    }
    answers, errors = [], []
    barrier = threading.Barrier(8)

    def client(n: int) -> None:
        try:
            barrier.wait()
            answers.append(call("ingest_batch_events", batch, actor=Actor(kind="token", name=f"c{n}", door="api")))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(a.accepted == 200 and not a.failed for a in answers)
    assert sum(200 - a.duplicates for a in answers) == 200  # exactly one client ingested each event
    assert Event.objects.count() == 200
    metric_backlog.fold()
    assert sum(UsageRollup.objects.filter(grain="D").values_list("quantity_micros", flat=True)) == 600 * 1_000_000
