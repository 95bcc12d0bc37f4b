"""Metering: which meters an event counts toward and by how much. Meters compile once and are
reused for every event until any meter changes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from pydantic_core import to_json

from billing_admin.schemas.event_bounds import MAX_EVENT_UNITS

from . import jsonlogic
from .models import Feature, UsageMeter
from .models.events import QUANTITY_SCALE

NUMERIC = re.compile(r"^-?\d{1,512}(\.\d+)?$")
_MICRO = Decimal(1).scaleb(-QUANTITY_SCALE)
_ONE = Decimal(1)
_COUNTED_LIMIT = 10_000
_MAX_UNITS = Decimal(MAX_EVENT_UNITS)


class UnitsInvalid(ValueError):
    """The event cannot be metered as sent (a meter's attribute is missing or not a number)."""


def to_micros(value: Decimal) -> int:
    return int(value.quantize(_MICRO, rounding=ROUND_HALF_UP).scaleb(QUANTITY_SCALE))


def from_micros(micros: int) -> Decimal:
    value = Decimal(micros).scaleb(-QUANTITY_SCALE).normalize()
    # normalize() writes 60 as 6E+1; a quantity reads as a plain number.
    exponent = value.as_tuple().exponent  # an int: a count of micros is always finite
    return value.quantize(_ONE) if isinstance(exponent, int) and exponent > 0 else value


@dataclass(frozen=True)
class CompiledMeter:
    pk: int
    meter_id: str
    name: str
    aggregation: str
    filters: tuple[tuple[str, str, str], ...]  # (kind, name, value)
    computations: tuple[tuple[Any, Any], ...]  # (matcher or None, computation)
    # Units seen before -> (the meter's entry as stored with an event, micros, the entry as JSON): formatting
    # a Decimal and writing JSON cost more than metering, and a meter sees the same few values again and again.
    _counted: dict[Decimal, tuple[dict, int, str]] = field(default_factory=dict, compare=False, repr=False)

    def counted(self, units: Decimal) -> tuple[dict, int, str]:
        """The event's entry for this meter ({"id", "name", "units"}, shared: never mutate it), its micros and
        the entry as JSON text."""
        hit = self._counted.get(units)
        if hit is None:
            # Only values within bounds are remembered, so a value seen before needs no check.
            if not 0 <= units <= _MAX_UNITS:
                raise UnitsInvalid(
                    f"meter '{self.name}' computed {format(units.normalize(), 'f')} units; a meter counts 0 to "
                    f"{MAX_EVENT_UNITS:,} units per event"
                )
            if len(self._counted) >= _COUNTED_LIMIT:
                self._counted.clear()
            entry = {"id": self.meter_id, "name": self.name, "units": format(units.normalize(), "f")}
            hit = self._counted[units] = (entry, to_micros(units), to_json(entry).decode())
        return hit

    def _passes_filters(self, attributes: dict[str, Decimal], dimensions: dict[str, str]) -> bool:
        for kind, name, value in self.filters:
            if kind == "dimension":
                if dimensions.get(name) != value:
                    return False
            elif attributes.get(name) is None or not NUMERIC.match(value) or attributes[name] != Decimal(value):
                return False
        return True

    def units(self, attributes: dict[str, Decimal], dimensions: dict[str, str], data: dict) -> Decimal | None:
        """Units this event adds, or None when the meter does not match it."""
        if self.filters and not self._passes_filters(attributes, dimensions):
            return None
        for matcher, computation in self.computations:
            if matcher is not None and not jsonlogic.truthy(matcher(data)):
                continue
            if self.aggregation == "COUNT":
                return _ONE  # Decimals are immutable: one shared 1 for every counted event
            try:
                return jsonlogic.to_decimal(computation(data))
            except jsonlogic.JsonLogicError as exc:
                raise UnitsInvalid(f"meter '{self.name}' cannot compute units: {exc}") from None
        return None


def _compile(meter: UsageMeter) -> CompiledMeter:
    filters = []
    for f in meter.filters:
        kind, _, name = f["field"].partition(".")
        filters.append((kind.rstrip("s"), name, f["value"]))
    computations = tuple(
        (jsonlogic.compile_text(c["matcher"]) if c.get("matcher") else None, jsonlogic.compile_text(c["computation"]))
        for c in sorted(meter.computations, key=lambda c: c["order"])
    )
    return CompiledMeter(meter.pk, meter.meter_id, meter.name, meter.aggregation, tuple(filters), computations)


@dataclass(frozen=True)
class MeterSet:
    by_schema: dict[int, tuple[CompiledMeter, ...]]
    features_by_schema: dict[int, tuple[tuple[int, str], ...]]  # schema pk -> (feature pk, attribute)


_cache: dict[str, Any] = {"key": None, "value": None}


def active_meters() -> MeterSet:
    """Compiled ACTIVE meters and feature mappings by schema, rebuilt only when a meter or feature changes."""
    from .models import EventSchema

    # One round trip per batch: how many meters and features there are and when they last changed.
    meters, features = UsageMeter._meta.db_table, Feature._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {meters}), (SELECT MAX(updated_at) FROM {meters}), "
            f"(SELECT COUNT(*) FROM {features}), (SELECT MAX(created_at) FROM {features})"
        )
        key = tuple(cursor.fetchone())
    if _cache["key"] == key:
        return _cache["value"]
    by_schema: dict[int, list[CompiledMeter]] = {}
    for meter in UsageMeter.objects.filter(status="ACTIVE").order_by("pk"):
        by_schema.setdefault(meter.event_schema_id, []).append(_compile(meter))
    schema_pks = dict(EventSchema.objects.values_list("name", "pk"))
    feature_map: dict[int, list[tuple[int, str]]] = {}
    for feature in Feature.objects.all():
        for association in feature.schema_associations:
            schema_pk = schema_pks.get(association.get("schemaName"))
            if schema_pk is not None and association.get("attributeName"):
                feature_map.setdefault(schema_pk, []).append((feature.pk, association["attributeName"]))
    value = MeterSet({k: tuple(v) for k, v in by_schema.items()}, {k: tuple(v) for k, v in feature_map.items()})
    _cache.update(key=key, value=value)
    return value
