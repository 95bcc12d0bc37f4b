"""Usage meters and the event schemas they read: services (write) and selectors (read)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.audit import audit_describe
from billing_admin.errors import ConflictError, InvalidInputError
from billing_admin.schemas.meters import EventSchemaRef

from . import ids, jsonlogic
from .models import EventSchema, UsageMeter


def _vars(rule: Any) -> Iterator[str]:
    """Every `var` path a parsed JsonLogic rule reads."""
    if isinstance(rule, dict):
        for op, args in rule.items():
            if op == "var":
                path = args[0] if isinstance(args, list) and args else args
                if isinstance(path, str):
                    yield path
            else:
                yield from _vars(args)
    elif isinstance(rule, list):
        for item in rule:
            yield from _vars(item)


def _split(path: str) -> tuple[str, str] | None:
    """'attribute.units' → ('attribute', 'units'); plural prefixes too. Other paths are not fields."""
    kind, _, name = path.partition(".")
    kind = kind.rstrip("s")
    if kind in ("attribute", "dimension") and name and "." not in name:
        return kind, name
    return None


def _checked_computations(request: s.CreateUsageMeterRequest) -> tuple[list[dict], set[tuple[str, str]]]:
    """Parse and compile every rule up front so a bad one is refused with its field path."""
    computations = [c.model_dump() for c in request.computations]
    if not computations:
        if request.aggregation == "SUM":
            raise InvalidInputError.for_field(
                "computations", 'a SUM meter needs a computation, e.g. {"var":"attribute.units"}'
            )
        computations = [{"matcher": None, "computation": "1", "order": 1}]
    fields: set[tuple[str, str]] = set()
    for index, item in enumerate(computations):
        for key in ("matcher", "computation"):
            text = item.get(key)
            if text is None:
                continue
            try:
                rule = jsonlogic.parse(text)
                jsonlogic.compile_rule(rule)
            except jsonlogic.JsonLogicError as exc:
                raise InvalidInputError.for_field(f"computations[{index}].{key}", str(exc)) from None
            fields.update(f for f in map(_split, _vars(rule)) if f)
        if request.aggregation == "COUNT" and item["computation"].strip() not in ("1", '"1"'):
            raise InvalidInputError.for_field(
                f"computations[{index}].computation", 'a COUNT meter counts events: its computation must be "1"'
            )
    orders = [c["order"] for c in computations]
    if len(set(orders)) != len(orders):
        raise InvalidInputError.for_field("computations", "each computation needs a distinct order")
    for f in request.filters:
        split = _split(f.field)
        if split:
            fields.add(split)
    return sorted(computations, key=lambda c: c["order"]), fields


def schema_ensure(*, name: str, fields: set[tuple[str, str]]) -> EventSchema:
    """The named event schema, created from `fields` or extended with the ones it lacks (additive only)."""
    schema = EventSchema.objects.select_for_update().filter(name=name).first()
    attributes = sorted(n for kind, n in fields if kind == "attribute")
    dimensions = sorted(n for kind, n in fields if kind == "dimension")
    if schema is None:
        return EventSchema.objects.create(
            name=name,
            attributes=[{"name": a} for a in attributes],
            dimensions=[{"name": d} for d in dimensions],
        )
    known_attributes = {a["name"] for a in schema.attributes}
    known_dimensions = {d["name"] for d in schema.dimensions}
    new_attributes = [a for a in attributes if a not in known_attributes]
    new_dimensions = [d for d in dimensions if d not in known_dimensions]
    if new_attributes or new_dimensions:
        schema.attributes = schema.attributes + [{"name": a} for a in new_attributes]
        schema.dimensions = schema.dimensions + [{"name": d} for d in new_dimensions]
        schema.version += 1
        schema.save()
    return schema


def meter_create(*, request: s.CreateUsageMeterRequest, actor: Actor) -> UsageMeter:
    if UsageMeter.objects.filter(name=request.name).exists():
        raise ConflictError(f"usage meter '{request.name}' already exists; call list_usage_meters or pick another name")
    computations, fields = _checked_computations(request)
    schema = schema_ensure(name=request.eventSchemaName, fields=fields)
    meter = UsageMeter.objects.create(
        meter_id=ids.new_id("um"),
        name=request.name,
        billable_name=request.billableName or "",
        description=request.description or "",
        type=request.type,
        aggregation=request.aggregation,
        event_schema=schema,
        filters=[f.model_dump() for f in request.filters],
        computations=computations,
        status="ACTIVE",
    )
    audit_describe(
        actor=actor,
        action="create_usage_meter",
        object_type="usage_meter",
        object_id=meter.meter_id,
        summary=f"created {meter.aggregation} meter {meter.name} on schema {schema.name}",
        changes=request.model_dump(mode="json", exclude_none=True),
    )
    return meter


def meter_list(*, status: str | None = None, aggregation: str | None = None) -> QuerySet[UsageMeter]:
    meters = UsageMeter.objects.select_related("event_schema")
    if status:
        meters = meters.filter(status=status)
    if aggregation:
        meters = meters.filter(aggregation=aggregation)
    return meters


def meter_to_schema(meter: UsageMeter) -> s.UsageMeter:
    schema = meter.event_schema
    return s.UsageMeter(
        id=meter.meter_id,
        name=meter.name,
        billableName=meter.billable_name or None,
        displayName=meter.billable_name or meter.name,
        description=meter.description,
        type=meter.type,
        aggregation=meter.aggregation,
        status=meter.status,
        filters=meter.filters,
        computations=meter.computations,
        eventSchema=EventSchemaRef(
            name=schema.name, version=schema.version, attributes=schema.attributes, dimensions=schema.dimensions
        ),
        createdAt=meter.created_at,
        updatedAt=meter.updated_at,
    )
