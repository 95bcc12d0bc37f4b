"""Batch ingestion through the service layer taking turns with a raw bulk insert of the same rows, and get_metrics
latency over the result. Sizes scale with --scale (1 = 1M events; 10 = 10M)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.__main__ import Report

import itertools
import os
import random
import time
from datetime import UTC, datetime, timedelta

from django.db import connection

from bench.harness import bench_database, database_cpu_seconds, p50, percentile

ACCOUNTS = 200
DAYS = 30
ROUND = 200  # batches per turn: four fold periods, so waiting for the last one costs the service little


def _setup():
    from billing_admin import schemas as s
    from billing_admin.actors import Actor
    from billing_admin.engine.backend import EngineService

    service, actor = EngineService(), Actor.cli("bench")
    service.create_customer(s.CreateCustomerRequest(id="bench", name="Bench Co", primaryEmail="b@bench.example"),
                            actor=actor)  # fmt: skip
    for n in range(ACCOUNTS):
        service.create_account(s.CreateAccountRequest(id=f"acc_{n}", name=f"Account {n}", customerId="bench"),
                               actor=actor)  # fmt: skip
    service.create_usage_meter(
        s.CreateUsageMeterRequest(name="api_requests", aggregation="SUM", eventSchemaName="api_requests",
                                  computations=[{"computation": '{"var":"attribute.units"}'}]),
        actor=actor,
    )  # fmt: skip
    service.create_usage_meter(
        s.CreateUsageMeterRequest(name="eu_calls", aggregation="COUNT", eventSchemaName="api_requests",
                                  filters=[{"field": "dimension.region", "value": "eu"}]), actor=actor)  # fmt: skip
    return service, actor


def _batches(total: int, start: datetime):
    rng = random.Random(7)
    span = DAYS * 86400
    for first in range(0, total, 1000):
        yield [
            {"id": f"e{n}", "schemaName": "api_requests", "accountId": f"acc_{rng.randrange(ACCOUNTS)}",
             "timestamp": (start + timedelta(seconds=n * span // total)).isoformat(),
             "attributes": [{"name": "units", "value": str(rng.randrange(1, 500))}],
             "dimensions": {"region": rng.choice(("eu", "us", "ap"))}}
            for n in range(first, min(first + 1000, total))
        ]  # fmt: skip


def _raw_table() -> None:
    """A copy of the events table, indexes included, for the raw ceiling."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE TABLE bench_raw_event (LIKE engine_event INCLUDING ALL)")
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'engine_event'")
            cursor.execute(cursor.fetchone()[0].replace('"engine_event"', '"bench_raw_event"', 1))


def _stored_rows(after: int) -> tuple[list[tuple], int]:
    """The rows the service stored since event pk `after`, as stored (JSON as text), and the last pk."""
    from billing_admin.engine.rollups import EVENT_COLUMNS

    columns = ", ".join(f'CAST("{name}" AS text)' if kind == "jsonb" else f'"{name}"' for name, kind in EVENT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {columns} FROM engine_event WHERE id > %s ORDER BY id", [after])
        rows = cursor.fetchall()
    return [row[1:] for row in rows], rows[-1][0] if rows else after


def _raw_insert(rows: list[tuple]) -> None:
    """The ceiling: the rows the service stored, already built, written straight into the copy of its table
    in the same batches: no checks, no metering, no rollups."""
    from billing_admin.engine.rollups import EVENT_COLUMNS

    names = ", ".join(f'"{name}"' for name, _ in EVENT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY bench_raw_event ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(EVENT_COLUMNS))
            cursor.executemany(f"INSERT INTO bench_raw_event ({names}) VALUES ({marks})", rows)


def _per_event(report: Report, wall: float, cpu: float, db_cpu: float | None, total: int) -> None:
    figures = [wall, cpu] if db_cpu is None else [wall, cpu, db_cpu]
    label = "  per event: wall clock / this process's CPU" + ("" if db_cpu is None else " / database's")
    report.figure(label, " / ".join(f"{value / total * 1e6:.1f}" for value in figures), "µs")


def run(report: Report) -> None:
    from billing_admin import schemas as s
    from billing_admin.engine import metric_backlog

    scale = float(os.environ.get("BENCH_SCALE", "1"))
    total = int(1_000_000 * scale)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=DAYS)
    with bench_database():
        service, actor = _setup()
        _raw_table()
        # The service and the raw insert take turns, ROUND batches each, so both meet the same table
        # sizes, autovacuum and machine load. A background fold is waited for (and charged to the
        # service) before each raw turn.
        elapsed = cpu = db_cpu = raw_elapsed = raw_cpu = raw_db_cpu = 0.0
        db_seen = database_cpu_seconds() is not None
        last_pk = 0
        batches = _batches(total, start)
        while chunk := list(itertools.islice(batches, ROUND)):
            t0, c0, d0 = time.perf_counter(), time.process_time(), database_cpu_seconds()
            for batch in chunk:
                answer = service.ingest_batch_events(s.IngestBatchRequest(events=batch), actor=actor)
                assert answer.accepted == len(batch), answer.failed[:3]
            metric_backlog.drain()
            elapsed, cpu = elapsed + time.perf_counter() - t0, cpu + time.process_time() - c0
            if db_seen:
                db_cpu += database_cpu_seconds() - d0
            stored, last_pk = _stored_rows(last_pk)
            assert len(stored) == sum(len(batch) for batch in chunk)
            t0, c0, d0 = time.perf_counter(), time.process_time(), database_cpu_seconds()
            for first in range(0, len(stored), 1000):
                _raw_insert(stored[first : first + 1000])
            raw_elapsed, raw_cpu = raw_elapsed + time.perf_counter() - t0, raw_cpu + time.process_time() - c0
            if db_seen:
                raw_db_cpu += database_cpu_seconds() - d0
        rate, raw = total / elapsed, total / raw_elapsed
        report.figure(f"service-layer batch ingestion ({total:,} events, 1000/batch)", rate, "events/s",
                      "target >= 50,000 on PostgreSQL")  # fmt: skip
        # Where the time goes: this process's own work and the database server's beside the wall clock. Their
        # sum over the machine's cores bounds the rate however well the two overlap.
        _per_event(report, elapsed, cpu, db_cpu if db_seen else None, total)
        report.figure("raw bulk insert of the same rows (COPY / executemany)", raw, "events/s")
        _per_event(report, raw_elapsed, raw_cpu, raw_db_cpu if db_seen else None, total)
        report.figure("service layer / raw ceiling", f"{rate / raw:.2f}", "x", "target >= 0.5")
        # Ingestion folds the metric backlog every FOLD_EVERY batches (counted above, in the background
        # on PostgreSQL); the rest waits for the first reader, timed here on its own so the latencies
        # below are those of a steady state.
        t0 = time.perf_counter()
        metric_backlog.fold()
        report.figure(f"first read's fold of the metric backlog (< {metric_backlog.FOLD_EVERY} batches)",
                      (time.perf_counter() - t0) * 1000, "ms")  # fmt: skip
        queries = [
            {"id": "events", "name": "EVENTS", "aggregationPeriod": "DAY"},
            {"id": "usage", "name": "METER_USAGE", "aggregationPeriod": "DAY", "groupBy": "ACCOUNT_ID"},
            {"id": "one", "name": "METER_USAGE", "aggregationPeriod": "HOUR",
             "filters": [{"fieldName": "ACCOUNT_ID", "fieldValues": ["acc_7"]}]},
        ]  # fmt: skip
        samples = []
        for n in range(60):
            query = queries[n % len(queries)]
            end = start + (timedelta(days=DAYS) if query["aggregationPeriod"] == "DAY" else timedelta(days=10))
            request = s.GetMetricsRequest(startTime=start, endTime=end, metricQueries=[query])
            t0 = time.perf_counter()
            service.get_metrics(request, actor=actor)
            samples.append((time.perf_counter() - t0) * 1000)
        report.figure(f"get_metrics p50 over {total:,} events", p50(samples), "ms")
        report.figure(f"get_metrics p95 over {total:,} events", percentile(samples, 95), "ms", "target < 200 at 10M")
