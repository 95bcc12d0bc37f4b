"""Ingestion's check that no billing counter leaves its column: a cycle's usage of a meter and an account's
use of a feature in a cycle stop at `MAX_TOTAL_UNITS` (see `schemas.event_bounds` for the arithmetic).

A batch adds at most 1000 events of at most `MAX_EVENT_UNITS` to any counter, so only counters already
within that much of the ceiling can be passed by it: those few are read before the batch is metered and
counted up event by event; every other counter stays below the ceiling whatever the batch holds."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection

from billing_admin.schemas.event_bounds import MAX_EVENT_UNITS, MAX_TOTAL_UNITS

from . import rollups
from .lookups import member_of
from .metering import to_micros
from .models.events import QUANTITY_SCALE

CEILING = MAX_TOTAL_UNITS * 10**QUANTITY_SCALE
WATCHED_FROM = CEILING - 1000 * MAX_EVENT_UNITS * 10**QUANTITY_SCALE

Totals = dict[tuple[str, int, int], int]  # ("meter" | "feature", cycle pk, meter or feature pk) -> micros


def totals_near_ceiling(cycle_pks: Iterable[int]) -> Totals:
    """The counters of these cycles a batch could take past the ceiling, with their totals: almost always none."""
    pks = sorted(set(cycle_pks))
    if not pks:
        return {}
    usage, usage_params = member_of("cycle_id", pks, connection.vendor)
    features, feature_params = member_of("cycle_id", pks, connection.vendor)
    with connection.cursor() as cursor:
        rows = rollups.execute(
            cursor,
            f"SELECT 'meter', cycle_id, meter_id, quantity_micros FROM engine_cycleusage "
            f"WHERE {usage} AND quantity_micros > %s UNION ALL "
            f"SELECT 'feature', cycle_id, feature_id, used_micros FROM engine_featureusage "
            f"WHERE {features} AND used_micros > %s",
            [*usage_params, WATCHED_FROM, *feature_params, WATCHED_FROM],
        )
        return {(kind, cycle, pk): total for kind, cycle, pk, total in rows}


def over_ceiling(p: Any, totals: Totals, meter_set: Any) -> str | None:
    """Why event `p` (metered, in its cycle) would take a watched counter past the ceiling, or None, in
    which case its amounts are added to the watched totals. Runs while the batch streams into the event
    table, so it names the counter from the compiled meters instead of asking the database."""
    adds = [(("meter", p.cycle_pk, pk), micros) for pk, micros in p.counted]
    adds += [(("feature", p.cycle_pk, pk), to_micros(amount)) for pk, amount in p.features]
    for key, micros in adds:
        total = totals.get(key)
        if total is not None and total + micros > CEILING:
            return (
                f"attributes: this event would take the billing cycle's usage of {_named(key, meter_set)} past "
                f"{MAX_TOTAL_UNITS:,} units, the most one cycle can count; it is refused so no invoice is wrong"
            )
    for key, micros in adds:
        if key in totals:
            totals[key] += micros
    return None


def _named(key: tuple[str, int, int], meter_set: Any) -> str:
    kind, _, pk = key
    if kind == "meter":
        names = {m.pk: m.name for meters in meter_set.by_schema.values() for m in meters}
        return f"meter '{names.get(pk, pk)}'"
    attributes = {f: a for features in meter_set.features_by_schema.values() for f, a in features}
    return f"the feature counted from attribute '{attributes.get(pk, pk)}'"
