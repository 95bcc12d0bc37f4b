"""Set-based writes for ingestion: events inserted with ON CONFLICT DO NOTHING, counters incremented
with INSERT … ON CONFLICT DO UPDATE. Both SQLite (≥ 3.35) and PostgreSQL speak this SQL."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection

CHUNK = 500


def _dt(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _json_placeholder() -> str:
    return "%s::jsonb" if connection.vendor == "postgresql" else "%s"


def insert_events(rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert events whose id is new; return the ids this call inserted. A concurrent writer of the
    same id waits on the unique index and then inserts nothing, so no event is stored twice."""
    inserted: set[str] = set()
    j = _json_placeholder()
    one = f"(%s, %s, %s, %s, %s, %s, %s, {j}, {j}, %s, {j})"
    # Sorted ids give every writer the same lock order on the unique index: no deadlocks.
    ordered = sorted(rows, key=lambda r: r["event_id"])
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            params: list[Any] = []
            for r in chunk:
                params += [
                    r["event_id"], r["account_pk"], r["schema_pk"], r["cycle_pk"], _dt(r["timestamp"]),
                    _dt(r["ingested_at"]), r["account_ref"], json.dumps(r["attributes"]),
                    json.dumps(r["dimensions"]), r["status"], json.dumps(r["meters"]),
                ]  # fmt: skip
            cursor.execute(
                "INSERT INTO engine_event (event_id, account_id, schema_id, cycle_id, timestamp, ingested_at, "
                "account_ref, attributes, dimensions, status, meters) VALUES "
                + ", ".join([one] * len(chunk))
                + " ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
                params,
            )
            inserted.update(row[0] for row in cursor.fetchall())
    return inserted


def upsert_add(table: str, keys: Sequence[str], counters: Sequence[str], rows: dict[tuple, tuple]) -> None:
    """Add each row's counters to the row with the same key, creating it when missing."""
    if not rows:
        return
    columns = [*keys, *counters]
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counters)
    items = sorted(rows.items(), key=lambda kv: tuple(str(k) for k in kv[0]))  # one lock order for all writers
    with connection.cursor() as cursor:
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            params: list[Any] = []
            for key, values in chunk:
                params += [_dt(k) if isinstance(k, datetime) else k for k in key]
                params += list(values)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * len(chunk))} "
                f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {update}",
                params,
            )


def lock_cycles_shared(cycle_pks: Iterable[int]) -> dict[int, str]:
    """Hold the cycles' rows shared until commit and return their current status. Closing a cycle takes
    the same rows exclusively, so a close waits for in-flight ingestion and ingestion after a close sees
    CLOSED: every event lands in exactly one invoice."""
    pks = sorted(set(cycle_pks))
    if not pks:
        return {}
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, status FROM engine_billingcycle WHERE id IN ({', '.join(['%s'] * len(pks))}) "
            f"ORDER BY id{lock}",
            pks,
        )
        return dict(cursor.fetchall())
