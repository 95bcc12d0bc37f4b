"""Event ingestion: validate, meter and store a batch in one transaction. Good events are kept, bad
ones are named by index; an event id is its idempotency key, so a replay counts nothing twice."""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.audit import audit_describe
from billing_admin.errors import InvalidInputError
from billing_admin.schemas.event_bounds import attributes_problem
from billing_admin.schemas.events import IngestionStatus

from . import metric_backlog, rollups
from .billing_cycles import CycleSpan, cycle_spans
from .lookups import member_of
from .metering import MeterSet, UnitsInvalid, active_meters, to_micros
from .models import Account, AccountAlias, Event, EventSchema, PlanAssignment
from .usage_bounds import over_ceiling, totals_near_ceiling

STATUS_TEXT = {
    "INGESTION_COMPLETED_EVENT_METERED": "metered: counted toward at least one usage meter",
    "INGESTION_COMPLETED_NO_MATCHING_METERS": "stored: no active usage meter reads this schema",
    "INGESTION_COMPLETED_EVENT_NOT_METERED": "stored: the schema's meters filtered it out",
    "INGESTION_FAILED_DUPLICATE_EVENT": "an event with this id was ingested before",
}


@dataclass(slots=True)  # a thousand per batch: slots, and no per-event default lists, make each cheap to build
class Pending:
    """An event that passed the checks, on its way to the meters and the insert. Once stored it answers as
    its own outcome (its status and meters; neither failed nor a duplicate): a batch builds no second object
    per event for the answer."""

    index: int
    event_id: str
    event: s.Event
    account_pk: int
    schema_pk: int
    timestamp: datetime
    attributes: dict[str, Decimal] | None = None  # set as the event is metered
    counted: Sequence[tuple[int, int]] = ()  # (meter pk, micros) for each meter it counted toward
    meters: Sequence[dict] = ()  # the same meters as stored and answered: {"id", "name", "units"}
    meters_text: str = "[]"  # `meters` as JSON
    features: Sequence[tuple[int, Decimal]] = ()
    cycle_pk: int | None = None
    status: IngestionStatus = "INGESTION_COMPLETED_NO_MATCHING_METERS"  # until metering says otherwise

    message = ""  # not fields: what every stored event answers, as an `Outcome` would
    duplicate = False
    failed = False


@dataclass(slots=True)
class Outcome:
    event_id: str | None
    status: IngestionStatus
    message: str = ""
    duplicate: bool = False
    meters: Sequence[dict] = ()

    @property
    def failed(self) -> bool:
        return self.status.startswith("INGESTION_FAILED") and not self.duplicate


Outcomes = dict[int, Outcome | Pending]  # by the event's index in the request; a stored event answers as itself


def _utc(value: datetime) -> datetime:
    # Togai's own examples send times without an offset; those are UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _moment(value: datetime | str | None) -> datetime | None:
    # SQLite hands a raw query its datetimes as text (UTC, as Django stores them).
    return None if value is None else _utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


AccountRef = tuple[int, str, datetime | None]  # pk, status, when its first price plan starts (None: no plan)


def _resolve(refs: set[str], schema_names: set[str]) -> tuple[dict[str, AccountRef], dict[str, int]]:
    """Accounts by id or alias, as `AccountRef`, and schema pks by name: one round trip for the batch. An
    account's own id wins over another account's alias of the same text."""
    vendor = connection.vendor
    tables = (Account, AccountAlias, EventSchema, PlanAssignment)
    accounts, aliases, schemas, plans = (model._meta.db_table for model in tables)
    # An account's plans follow one another from the first one's start on (each change ends the one before),
    # so its billing cycles cover every moment from that start: the one moment worth reading.
    plan_from = f"(SELECT MIN(p.effective_from) FROM {plans} p WHERE p.account_id = a.id)"
    by_id, id_params = member_of("a.account_id", list(refs), vendor)
    by_alias, alias_params = member_of("l.alias", list(refs), vendor)
    by_name, name_params = member_of("s.name", list(schema_names), vendor)
    with connection.cursor() as cursor:
        rows = rollups.execute(
            cursor,
            f"SELECT 'A', a.account_id, a.id, a.status, {plan_from} FROM {accounts} a WHERE {by_id} "
            f"UNION ALL SELECT 'L', l.alias, a.id, a.status, {plan_from} FROM {aliases} l "
            f"JOIN {accounts} a ON a.id = l.account_id WHERE {by_alias} "
            f"UNION ALL SELECT 'S', s.name, s.id, '', NULL FROM {schemas} s WHERE {by_name}",
            [*id_params, *alias_params, *name_params],
        )
    found = {ref: (pk, status, _moment(since)) for kind, ref, pk, status, since in rows if kind == "A"}
    for kind, ref, pk, status, since in rows:
        if kind == "L" and ref not in found:
            found[ref] = (pk, status, _moment(since))
    return found, {name: pk for kind, name, pk, _, _ in rows if kind == "S"}


def _meter_event(p: Pending, attributes: dict[str, Decimal], meter_set: MeterSet, dimensions: dict[str, str]) -> None:
    meters = meter_set.by_schema.get(p.schema_pk, ())
    if meters:
        p.status = "INGESTION_COMPLETED_EVENT_NOT_METERED"
        data = {
            "attribute": attributes, "attributes": attributes,
            "dimension": dimensions, "dimensions": dimensions,
        }  # fmt: skip
        counted, entries, texts = [], [], []
        for meter in meters:
            units = meter.units(attributes, dimensions, data)
            if units is not None:
                entry, micros, text = meter.counted(units)
                counted.append((meter.pk, micros))
                entries.append(entry)
                texts.append(text)
        if counted:
            p.counted, p.meters, p.meters_text = counted, entries, f"[{','.join(texts)}]"
            p.status = "INGESTION_COMPLETED_EVENT_METERED"
    features = meter_set.features_by_schema.get(p.schema_pk)
    if features:
        p.features = [(pk, attributes[attribute]) for pk, attribute in features if attribute in attributes]


def _problem(
    event: s.Event, at: datetime, account: AccountRef | None, schemas: dict[str, int], horizon: datetime
) -> tuple[IngestionStatus, str] | None:
    """Why the event cannot be taken, as (status, "field: message"), or None."""
    if account is None:
        return (
            "INGESTION_FAILED_ACCOUNT_NOT_FOUND",
            f"accountId: account '{event.accountId}' not found; call list_accounts to find ids or aliases",
        )
    if account[1] == "ARCHIVED":
        return "INGESTION_FAILED", f"accountId: account '{event.accountId}' is archived and takes no usage"
    if event.schemaName not in schemas:
        return (
            "INGESTION_FAILED_SCHEMA_NOT_DEFINED",
            f"schemaName: event schema '{event.schemaName}' is not defined; create_usage_meter creates it",
        )
    units = attributes_problem(event.attributes)
    if units is not None:
        return "INGESTION_FAILED_UNITS_INVALID", units
    if at > horizon:
        return (
            "INGESTION_FAILED",
            f"timestamp: {event.timestamp.isoformat()} is more than {settings.INGEST_MAX_FUTURE_SECONDS} s in "
            "the future; send the time the usage happened",
        )
    if account[2] is not None and at < account[2]:
        return (
            "INGESTION_FAILED",
            f"timestamp: {event.timestamp.isoformat()} is before account '{event.accountId}' has a price plan "
            f"(its first starts {account[2]:%Y-%m-%d %H:%M} UTC), so it falls in no billing cycle and would never "
            "be billed; send the time the usage happened",
        )
    return None  # fmt: skip


def _checked(
    numbered: list[tuple[int, s.Event]], outcomes: Outcomes, now: datetime
) -> tuple[list[Pending], dict[str, int], list[tuple[int, str]]]:
    """The cheap checks, before anything is written: the account, the schema and the time, which also bound
    the cycles to look up. Answers the first event of each id that passes, sorted by id; the index of each
    id's first event; and each later event repeating an id, as (index, id)."""
    accounts, schemas = _resolve({e.accountId for _, e in numbered}, {e.schemaName for _, e in numbered})
    horizon = now + timedelta(seconds=settings.INGEST_MAX_FUTURE_SECONDS)
    firsts: dict[str, int] = {}
    repeats: list[tuple[int, str]] = []
    checked: list[Pending] = []
    for index, event in numbered:
        event_id = event.id or uuid.uuid4().hex
        if event_id in firsts:  # the first occurrence of an id in the request is the one ingested
            repeats.append((index, event_id))
            continue
        firsts[event_id] = index
        account = accounts.get(event.accountId)
        at = _utc(event.timestamp)
        problem = _problem(event, at, account, schemas, horizon)
        if problem is not None:
            outcomes[index] = Outcome(event_id, *problem)
        else:
            assert account is not None  # _problem refuses an event whose account is unknown
            checked.append(Pending(index, event_id, event, account[0], schemas[event.schemaName], at))
    checked.sort(key=_by_event_id)  # the order insert_events asks for
    return checked, firsts, repeats


def _cycles_by_account(checked: list[Pending]) -> dict[int, list[CycleSpan]]:
    """The billing cycles the events fall in (opened when missing), by account; none for an account without a plan."""
    if not checked:
        return {}
    by_account = defaultdict(list)
    for cycle in cycle_spans(
        {p.account_pk for p in checked}, min(p.timestamp for p in checked), max(p.timestamp for p in checked)
    ):
        by_account[cycle.account_id].append(cycle)
    return by_account


def _past_grace(cycle: CycleSpan, now: datetime) -> bool:
    return cycle.status == "CLOSED" or now > cycle.grace_ends


def _by_event_id(p: Pending) -> str:
    return p.event_id


def _deltas(stored: list[Pending]) -> tuple[str | None, dict, dict]:
    """What the stored events add to the metrics (hourly, as the backlog's payload) and to their cycles'
    usage and features."""
    usage: metric_backlog.UsageDeltas = defaultdict(lambda: [0, 0])
    counts: metric_backlog.CountDeltas = defaultdict(int)
    cycle_usage: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    feature_usage: dict[tuple, list[int]] = defaultdict(lambda: [0])
    for p in stored:
        second = math.floor(p.timestamp.timestamp())  # floor: an hour before 1970 starts below it
        hour = second - second % 3600
        counts[(p.account_pk, p.schema_pk, p.status, hour)] += 1
        for meter_pk, micros in p.counted:
            row = usage[(p.account_pk, meter_pk, hour)]
            row[0] += micros
            row[1] += 1
            if p.cycle_pk:
                row = cycle_usage[(p.cycle_pk, meter_pk)]
                row[0] += micros
                row[1] += 1
        if p.cycle_pk:
            for feature_pk, amount in p.features:
                feature_usage[(p.account_pk, feature_pk, p.cycle_pk)][0] += to_micros(amount)
    return metric_backlog.payload(usage, counts), cycle_usage, feature_usage


def _write(
    checked: list[Pending], cycles: dict[int, list[CycleSpan]], outcomes: Outcomes, now: datetime
) -> tuple[list[Pending], set[str]]:
    """Place each event in its billing cycle, meter it and store it, bump the billing counters the new
    events feed and queue their metric deltas, all in the caller's transaction. Answers the events that
    reached the insert and the ids it stored."""
    statuses = rollups.lock_cycles_shared(c.pk for spans in cycles.values() for c in spans if not _past_grace(c, now))
    meter_set = active_meters()
    near_ceiling = totals_near_ceiling(statuses)
    as_json = rollups.as_json
    written: list[Pending] = []

    def rows() -> Iterator[tuple[Any, ...]]:  # each event placed and metered while the database stores those before it
        for p in checked:
            spans = cycles.get(p.account_pk)
            cycle = next((c for c in spans if c.start <= p.timestamp < c.end), None) if spans else None
            if cycle is not None:
                if _past_grace(cycle, now):
                    outcomes[p.index] = Outcome(
                        p.event_id, "INGESTION_FAILED_PAST_GRACE_PERIOD",
                        f"timestamp: the billing cycle {cycle.start:%Y-%m-%d} – {cycle.end:%Y-%m-%d} is closed "
                        "(its grace period has ended); late usage cannot be billed",
                    )  # fmt: skip
                    continue
                if statuses.get(cycle.pk) == "CLOSED":
                    outcomes[p.index] = Outcome(
                        p.event_id,
                        "INGESTION_FAILED_PAST_GRACE_PERIOD",
                        "timestamp: the billing cycle closed while this event was on its way",
                    )
                    continue
                p.cycle_pk = cycle.pk
            event = p.event
            p.attributes = attributes = {a.name: Decimal(a.value) for a in event.attributes}
            try:
                _meter_event(p, attributes, meter_set, event.dimensions)
            except UnitsInvalid as exc:
                outcomes[p.index] = Outcome(p.event_id, "INGESTION_FAILED_UNITS_INVALID", f"attributes: {exc}")
                continue
            if near_ceiling and p.cycle_pk and (full := over_ceiling(p, near_ceiling, meter_set)):
                outcomes[p.index] = Outcome(p.event_id, "INGESTION_FAILED_UNITS_INVALID", full)
                continue
            written.append(p)
            yield (
                p.event_id, p.account_pk, p.schema_pk, p.cycle_pk, p.timestamp, now, event.accountId,
                as_json(event.attributes), as_json(event.dimensions), p.status, p.meters_text,
            )  # fmt: skip

    inserted, deltas = rollups.insert_events(rows(), meanwhile=lambda: _deltas(written))
    if deltas is None or len(inserted) < len(written):
        deltas = _deltas([p for p in written if p.event_id in inserted])
    metrics, cycle_usage, feature_usage = deltas
    metric_backlog.queue(metrics)
    rollups.upsert_add("engine_cycleusage", ["cycle_id", "meter_id"], ["quantity_micros", "events"], cycle_usage)
    rollups.upsert_add("engine_featureusage", ["account_id", "feature_id", "cycle_id"], ["used_micros"], feature_usage)
    return written, inserted


def _ingest(
    numbered: list[tuple[int, s.Event]], malformed: dict[int, s.SetAside], actor: Actor, now: datetime | None = None
) -> Outcomes:
    now = now or timezone.now()
    outcomes: Outcomes = {
        i: Outcome(aside.event_id, "INGESTION_FAILED", aside.reason) for i, aside in malformed.items()
    }
    checked, firsts, repeats = _checked(numbered, outcomes, now)
    # Ids stored before need no look-up first: the insert skips them (and a replayed batch costs that
    # look-up after the insert instead of every new batch paying it before).
    cycles = _cycles_by_account(checked)
    with transaction.atomic():
        written, inserted = _write(checked, cycles, outcomes, now)
        for p in written:
            if p.event_id in inserted:
                outcomes[p.index] = p
        # Whatever this call did not insert but is stored (earlier, by a concurrent writer, or a replay
        # refused for its closed cycle) answers with its first outcome.
        not_inserted = {p.event_id for p in checked if p.event_id not in inserted}
        stored = {
            event_id: (status, meters)
            for event_id, status, meters in Event.objects.filter(event_id__any=not_inserted).values_list(
                "event_id", "status", "meters"
            )
        } if not_inserted else {}  # fmt: skip
        for p in checked:
            if p.event_id in stored:
                status, meters = stored[p.event_id]
                outcomes[p.index] = Outcome(p.event_id, status, duplicate=True, meters=meters)
        if inserted:  # audited once the outcomes are settled, so its count of refusals is exact
            audit_describe(
                actor=actor, action="ingest_events", object_type="events",
                object_id=next(iter(inserted)) if len(inserted) == 1 else f"{len(inserted)} events",
                summary=f"ingested {len(inserted)} event(s); {sum(o.failed for o in outcomes.values())} refused",
                # `written` is in id order already: the first fifty inserted, without sorting a thousand ids
                changes={"eventIds": list(islice((p.event_id for p in written if p.event_id in inserted), 50))},
            )  # fmt: skip
    for index, event_id in repeats:
        original = outcomes[firsts[event_id]]
        outcomes[index] = Outcome(event_id, original.status, original.message, duplicate=not original.failed,
                                  meters=original.meters)  # fmt: skip
    return outcomes


def ingest_batch(*, request: s.IngestBatchRequest, actor: Actor, now: datetime | None = None) -> s.IngestBatchResponse:
    """`now` lets the demo backfill history as if each day's events had arrived on that day."""
    numbered = request.numbered()
    outcomes = _ingest(numbered, request.malformed, actor, now)
    failed = [
        s.FailedEvent(index=i, eventId=o.event_id, status=o.status, message=o.message)
        for i, o in sorted(outcomes.items())
        if o.failed
    ]
    total = len(numbered) + len(request.malformed)
    return s.IngestBatchResponse(
        success=not failed,
        accepted=total - len(failed),
        duplicates=sum(1 for o in outcomes.values() if o.duplicate),
        failed=failed,
    )


def ingest_one(*, event: s.Event, actor: Actor) -> s.IngestEventResponse:
    outcome = _ingest([(0, event)], {}, actor)[0]
    if outcome.failed:
        where, _, problem = outcome.message.partition(": ")
        fields = {f"event.{where}": problem}
        raise InvalidInputError(outcome.message, details={"fields": fields, "status": outcome.status})
    assert outcome.event_id is not None  # only an event a batch set aside as malformed has no id
    return s.IngestEventResponse(
        success=True,
        eventId=outcome.event_id,
        status=outcome.status,
        duplicate=outcome.duplicate,
        meters=[s.MeterCount(usageMeterId=m["id"], name=m["name"], units=m["units"]) for m in outcome.meters],
    )
