"""Set-based writes for ingestion: events inserted with ON CONFLICT DO NOTHING (PostgreSQL first tries
COPY), counters incremented with INSERT … ON CONFLICT DO UPDATE. Both SQLite (≥ 3.35) and PostgreSQL
speak this SQL."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from pydantic_core import to_json

CHUNK = 500
T = TypeVar("T")


def db_datetime(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


EVENT_COLUMNS = (
    ("event_id", "text"), ("account_id", "bigint"), ("schema_id", "bigint"), ("cycle_id", "bigint"),
    ("timestamp", "timestamptz"), ("ingested_at", "timestamptz"), ("account_ref", "text"), ("attributes", "jsonb"),
    ("dimensions", "jsonb"), ("status", "text"), ("meters", "jsonb"),
)  # fmt: skip
_EVENT_NAMES = ", ".join(name for name, _ in EVENT_COLUMNS)


def as_json(value: Any) -> str:
    # pydantic's serializer: several times faster than json.dumps, and it takes the attribute models as they are.
    return to_json(value, exclude_none=True).decode()


def insert_events(rows: Iterable[tuple], meanwhile: Callable[[], T]) -> tuple[set[str], T | None]:
    """Insert events whose id is new; return the ids this call inserted, and what `meanwhile` answered
    if it ran. A row holds the values of EVENT_COLUMNS in order, JSON as text; rows come sorted by id,
    which gives every writer the same lock order on the unique index (no deadlocks). A concurrent writer
    of the same id waits on that index and then inserts nothing, so no event is stored twice.

    On PostgreSQL the rows stream into a COPY and `meanwhile` runs while the database works through
    them, so the caller's bookkeeping adds no wall time. It runs only there, so the caller does that
    work itself when it did not run or when some rows were not inserted."""
    taken: list[tuple] = []
    if connection.vendor == "postgresql":
        answer = _copied(rows, taken, meanwhile)
        if answer is not _CONFLICT:
            return {row[0] for row in taken}, answer
    else:
        taken = list(rows)
    inserted: set[str] = set()
    with connection.cursor() as cursor:
        for params, source in _row_source(taken, [kind for _, kind in EVENT_COLUMNS]):
            returned = execute(
                cursor,
                f"INSERT INTO engine_event ({_EVENT_NAMES}) {source} "
                "ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
                params,
            )
            inserted.update(row[0] for row in returned)
    return inserted, None


_CONFLICT = object()


def _copied(rows: Iterable[tuple], taken: list[tuple], meanwhile: Callable[[], T]) -> Any:
    """COPY the events: several times faster than INSERT … ON CONFLICT, whose per-row speculative
    insertion dominates a batch. An id stored before (a replay) or by a concurrent writer makes the COPY
    fail as a whole; the savepoint undoes it and the caller takes the conflict-safe path with `taken`.

    Text format, not binary: PostgreSQL stores a COPY's rows in groups of about 64 kB of text, so the
    database writes the first rows while Python still builds the last; a binary COPY has no text to
    measure and holds a thousand rows before storing any, so all of a batch's storing waited for its end."""
    import psycopg

    try:
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY engine_event ({_EVENT_NAMES}) FROM STDIN") as copy,
        ):
            # Times go as ISO text: psycopg's text dumper is slower than isoformat(), and a batch's rows share
            # one ingestion time, printed once.
            ingested_at = ingested_text = None
            for r in rows:
                taken.append(r)
                if r[5] is not ingested_at:
                    ingested_at, ingested_text = r[5], r[5].isoformat()
                copy.write_row((r[0], r[1], r[2], r[3], r[4].isoformat(), ingested_text, r[6], r[7], r[8], r[9], r[10]))
            answer = meanwhile()  # the COPY's last rows are still on their way in
    except psycopg.errors.UniqueViolation:
        taken.extend(rows)  # whatever the COPY had not consumed yet
        return _CONFLICT
    return answer


def _row_source(rows: Sequence[Sequence[Any]], kinds: Sequence[str]) -> Iterator[tuple[list[Any], str]]:
    """The rows as an INSERT's source. PostgreSQL gets one array per column through unnest, so a statement
    has a dozen parameters however many rows it carries (parsing thousands of placeholders costs more than
    the insert); SQLite, which has no arrays, gets VALUES lists in chunks."""
    if connection.vendor == "postgresql":
        if rows:
            columns = [list(values) for values in zip(*rows, strict=True)]
            arrays = ", ".join(f"%b::{'text' if kind == 'jsonb' else kind}[]" for kind in kinds)
            casts = ", ".join(f"c{i}::jsonb" if kind == "jsonb" else f"c{i}" for i, kind in enumerate(kinds))
            aliases = ", ".join(f"c{i}" for i in range(len(kinds)))
            yield columns, f"SELECT {casts} FROM unnest({arrays}) AS t({aliases})"
        return
    one = "(" + ", ".join(["%s"] * len(kinds)) + ")"
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        params = [db_datetime(v) if isinstance(v, datetime) else v for row in chunk for v in row]
        yield params, "VALUES " + ", ".join([one] * len(chunk))


def upsert_add(
    table: str,
    keys: Sequence[str],
    counters: Sequence[str],
    rows: Mapping[tuple, Sequence[Any]],
    *,
    most: int | None = None,
) -> None:
    """Add each row's counters to the row with the same key, creating it when missing; a sum past `most`
    stops there (rows added must hold at most `most` themselves)."""
    if not rows:
        return
    columns = [*keys, *counters]
    if most is None:
        update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counters)
    else:
        update = ", ".join(
            f"{c} = CASE WHEN {table}.{c} > {most} - excluded.{c} THEN {most} ELSE {table}.{c} + excluded.{c} END"
            for c in counters
        )
    items = sorted(rows.items())  # one lock order for all writers
    values = [[*key, *counters_] for key, counters_ in items]
    kinds = [_kind(v) for v in values[0]]
    with connection.cursor() as cursor:
        for params, source in _row_source(values, kinds):
            execute(
                cursor,
                f"INSERT INTO {table} ({', '.join(columns)}) {source} "
                f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {update}",
                params,
            )


def execute(cursor: CursorWrapper, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run `sql` on the caller's connection and transaction; the rows it returns, if any."""
    if connection.vendor == "postgresql":
        # Django binds parameters client-side, quoting every array element into the SQL text, which costs
        # more than the insert itself; a server-binding cursor on the same connection (and transaction)
        # sends the arrays in binary.
        import psycopg

        with psycopg.Cursor(connection.connection) as raw:
            raw.execute(sql, params)
            return raw.fetchall() if raw.description else []
    cursor.execute(sql, params)
    return cursor.fetchall() if cursor.description else []


def _kind(value: Any) -> str:
    if isinstance(value, datetime):
        return "timestamptz"
    return "bigint" if isinstance(value, int) else "text"


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
