"""Metric rollups are folded in from a backlog rather than written by every batch.

A batch's metric deltas land in one `MetricBacklog` row, in the batch's own transaction, so they are
counted exactly when its events are. Folding deletes the committed rows and adds them into the hourly
and daily rollups in one transaction: a row is folded once, whoever folds it. Readers of the rollups
fold first, so metrics always include every committed event; ingestion folds every `FOLD_EVERY`
batches (on a background thread on PostgreSQL) so the backlog stays short. Billing itself (cycle and
feature usage) never waits on this: those counters are still written by the batch."""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from django.db import connection, connections, transaction
from pydantic_core import to_json

from . import rollups
from .models import MetricBacklog

FOLD_EVERY = 50
_DAY = 86400

log = logging.getLogger(__name__)

UsageDeltas = dict[tuple[int, int, int], list[int]]  # (account, meter, hour) -> [micros, events]
CountDeltas = dict[tuple[int, int, str, int], int]  # (account, schema, status, hour) -> events


def payload(usage: UsageDeltas, counts: CountDeltas) -> str | None:
    """A batch's hourly deltas as `queue` stores them; None when there are none. Ingestion builds it while
    the database still stores the batch's events."""
    if not usage and not counts:
        return None
    return to_json({"u": [(*key, *value) for key, value in usage.items()],
                    "e": [(*key, value) for key, value in counts.items()]}).decode()  # fmt: skip


def queue(payload: str | None) -> None:
    """Record a batch's deltas (see `payload`) in the caller's transaction; fold after commit now and then."""
    if payload is None:
        return
    with connection.cursor() as cursor:  # the ORM's insert costs more than the row
        cursor.execute("INSERT INTO engine_metricbacklog (payload) VALUES (%s) RETURNING id", [payload])
        pk = cursor.fetchone()[0]
    if pk % FOLD_EVERY == 0:
        transaction.on_commit(_fold_after_commit, robust=True)


# On PostgreSQL ingestion's folds run on a thread of their own: the database folds on one core while the
# next batch is checked and metered on the other, and no caller waits for it. Readers fold first anyway.
_background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="metric-fold")
_queued = threading.Lock()  # held while a fold waits to start: it will fold every batch committed before


def _fold_after_commit() -> None:
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        # SQLite takes one writer at a time; a caller still inside a transaction (a test's) holds rows
        # that another connection cannot see. Both fold here.
        _fold_quietly()
    elif _queued.acquire(blocking=False):
        _background.submit(_fold_in_background)


def _fold_in_background() -> None:
    _queued.release()  # batches committed from now on may queue the next fold
    try:
        _fold_quietly()
    finally:
        connections.close_all()  # this thread's own connection; the next fold opens its own


def drain() -> None:
    """Wait until a fold queued in the background has finished."""
    _background.submit(lambda: None).result()


def _fold_quietly() -> None:
    # The batch is committed and answered whatever happens here; the next reader folds instead.
    try:
        fold()
    except Exception:
        log.exception("folding the metric backlog failed; readers will fold it")


def fold() -> int:
    """Add every committed backlog row into the rollups; return how many rows were folded. A fold
    running elsewhere holds its rows until it commits, and this one then finds them gone."""
    if not MetricBacklog.objects.exists():
        return 0  # the usual read: no write transaction, so readers never queue behind writers for it
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_FOLD_SQL)
            return cursor.fetchone()[0]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM engine_metricbacklog RETURNING payload")
            payloads = [row[0] for row in cursor.fetchall()]
        if not payloads:
            return 0
        usage: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
        counts: dict[tuple, list[int]] = defaultdict(lambda: [0])
        for payload in payloads:
            data = json.loads(payload)
            for account, meter, hour, micros, events in data["u"]:
                for grain, bucket in (("H", hour), ("D", hour - hour % _DAY)):
                    row = usage[(account, meter, grain, bucket)]
                    row[0] = min(row[0] + micros, _MOST)
                    row[1] += events
            for account, schema, status, hour, events in data["e"]:
                for grain, bucket in (("H", hour), ("D", hour - hour % _DAY)):
                    counts[(account, schema, status, grain, bucket)][0] += events
        rollups.upsert_add(
            "engine_usagerollup", ["account_id", "meter_id", "grain", "bucket"], ["quantity_micros", "events"],
            _with_datetimes(usage), most=_MOST,
        )  # fmt: skip
        rollups.upsert_add(
            "engine_eventrollup", ["account_id", "schema_id", "status", "grain", "bucket"], ["events"],
            _with_datetimes(counts),
        )  # fmt: skip
    return len(payloads)


# PostgreSQL folds in one statement: the JSON is taken apart and summed per hour first (batches folded
# together share most of their hours), then those sums per day, and both are added to the rollups, by the
# database and several times faster than the same work in Python. The hourly sums are already one row per
# key, so only the few daily rows are grouped again. Keys are sorted, by byte (a collation's comparison costs
# more than the bigint keys), so concurrent folds lock rollup rows in one order. Days are floored the way
# Python's % floors them.
_DAY_OF = "(h - ((h % 86400) + 86400) % 86400)"
# A rollup stops at its column's largest value instead of failing the fold, and with it every metrics read:
# billing counters are bounded per cycle at ingestion, but an account without a plan has no cycle to
# bound its hours and days.
_MOST = 2**63 - 1
_FOLD_SQL = f"""
WITH moved AS (
    DELETE FROM engine_metricbacklog RETURNING payload::jsonb AS p
), usage_hours AS (
    SELECT (x->>0)::bigint AS account, (x->>1)::bigint AS meter, (x->>2)::bigint AS h,
           SUM((x->>3)::bigint) AS micros, SUM((x->>4)::bigint) AS events
    FROM moved, jsonb_array_elements(moved.p->'u') AS x
    GROUP BY 1, 2, 3
), count_hours AS (
    SELECT (x->>0)::bigint AS account, (x->>1)::bigint AS schema, x->>2 AS status, (x->>3)::bigint AS h,
           SUM((x->>4)::bigint) AS events
    FROM moved, jsonb_array_elements(moved.p->'e') AS x
    GROUP BY 1, 2, 3, 4
), usage_added AS (
    INSERT INTO engine_usagerollup (account_id, meter_id, grain, bucket, quantity_micros, events)
    SELECT account, meter, grain, to_timestamp(at), LEAST(micros, {_MOST}), events
    FROM (SELECT account, meter, 'H' AS grain, h AS at, micros, events FROM usage_hours
          UNION ALL SELECT account, meter, 'D', {_DAY_OF}, SUM(micros), SUM(events) FROM usage_hours GROUP BY 1, 2, 4
    ) AS both_grains
    ORDER BY account, meter, grain COLLATE "C", at
    ON CONFLICT (account_id, meter_id, grain, bucket) DO UPDATE SET
        quantity_micros = CASE WHEN engine_usagerollup.quantity_micros > {_MOST} - excluded.quantity_micros
                          THEN {_MOST} ELSE engine_usagerollup.quantity_micros + excluded.quantity_micros END,
        events = engine_usagerollup.events + excluded.events
), counts_added AS (
    INSERT INTO engine_eventrollup (account_id, schema_id, status, grain, bucket, events)
    SELECT account, schema, status, grain, to_timestamp(at), events
    FROM (SELECT account, schema, status, 'H' AS grain, h AS at, events FROM count_hours
          UNION ALL SELECT account, schema, status, 'D', {_DAY_OF}, SUM(events) FROM count_hours GROUP BY 1, 2, 3, 5
    ) AS both_grains
    ORDER BY account, schema, status COLLATE "C", grain COLLATE "C", at
    ON CONFLICT (account_id, schema_id, status, grain, bucket) DO UPDATE SET
        events = engine_eventrollup.events + excluded.events
)
SELECT COUNT(*) FROM moved
"""


def _with_datetimes(rows: dict[tuple, list[int]]) -> dict[tuple, list[int]]:
    """Bucket keys end in epoch seconds; the rollup tables keep datetimes."""
    stamps: dict[int, datetime] = {}
    converted = {}
    for key, value in rows.items():
        at = key[-1]
        if at not in stamps:
            stamps[at] = datetime.fromtimestamp(at, UTC)
        converted[(*key[:-1], stamps[at])] = value
    return converted
