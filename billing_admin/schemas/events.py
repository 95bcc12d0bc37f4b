from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from .common import Page, PageRequest, Quantity, Request, Response, UtcDatetime
from .event_bounds import Dimensions, EventTimestamp

IngestionStatus = Literal[
    "INGESTION_COMPLETED_EVENT_METERED",
    "INGESTION_COMPLETED_NO_MATCHING_METERS",
    "INGESTION_COMPLETED_EVENT_NOT_METERED",
    "INGESTION_IN_PROGRESS",  # hosted Togai: accepted, metering still to come
    "INGESTION_FAILED_DUPLICATE_EVENT",
    "INGESTION_FAILED_SCHEMA_NOT_DEFINED",
    "INGESTION_FAILED_ACCOUNT_NOT_FOUND",
    "INGESTION_FAILED_UNITS_INVALID",
    "INGESTION_FAILED_PAST_GRACE_PERIOD",
    "INGESTION_FAILED",
]


class EventAttribute(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=50, description="Attribute name, e.g. units.")
    value: str = Field(
        max_length=512,
        description='Numeric value as a string, e.g. "50" or "12.5" (no exponent, no float), from 0 to 1000000000.',
    )
    unit: str | None = Field(default=None, max_length=50, description="Unit label, e.g. requests.")


class EventPayload(BaseModel):
    """A usage event as Togai defines it, as read back: events stored before today's bounds still read."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    schemaName: str = Field(min_length=1, max_length=50, description="Event schema name, e.g. api_requests.")
    timestamp: datetime = Field(description="When the usage happened (ISO-8601 with offset).")
    accountId: str = Field(min_length=1, max_length=512, description="The account's id or one of its aliases.")
    attributes: list[EventAttribute] = Field(default_factory=list, max_length=10, description="Numeric attributes.")
    dimensions: dict[str, str] = Field(default_factory=dict, description="String dimensions, e.g. {'region': 'eu'}.")
    id: str | None = Field(
        default=None,
        max_length=512,
        description="Idempotency key: an event with an id already seen is not counted again. Generated if omitted.",
    )


class Event(EventPayload):
    """A usage event as sent. Its time and dimensions are bounded here; its attribute values by
    `event_bounds.attributes_problem`, which each backend applies so a batch names the event's status."""

    timestamp: EventTimestamp
    dimensions: Dimensions = Field(default_factory=dict)


class IngestEventRequest(Request):
    event: Event = Field(description="The usage event to ingest.")


class MeterCount(Response):
    usageMeterId: str = Field(description="Meter the event counted toward.")
    name: str = Field(description="Meter name.")
    units: Quantity = Field(description="Units this event added to the meter.")


class IngestEventResponse(Response):
    success: bool = Field(description="True when the event is stored (or was already stored).")
    eventId: str = Field(description="The event's id (its idempotency key).")
    status: IngestionStatus = Field(description="Ingestion status, e.g. INGESTION_COMPLETED_EVENT_METERED.")
    duplicate: bool = Field(default=False, description="True when this id was ingested before; nothing counted again.")
    meters: list[MeterCount] = Field(default_factory=list, description="The meters it counted toward.")


class SetAside(NamedTuple):
    """An event a batch could not take as sent: the id it sent (so the sender can match the answer) and why."""

    event_id: str | None
    reason: str


def _sent_id(item: Any) -> str | None:
    return item["id"].replace("\x00", "") if isinstance(item, dict) and isinstance(item.get("id"), str) else None


class IngestBatchRequest(Request):
    """A batch whose events are validated one by one: a malformed event is set aside with its index and
    reason instead of failing the whole batch, so the good events are still ingested."""

    events: list[Event] = Field(min_length=1, max_length=1000, description="1 to 1000 events.")
    _positions: list[int] = PrivateAttr(default_factory=list)
    _invalid: dict[int, SetAside] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _set_aside_malformed_events(cls, data: Any, handler: Any, info: ValidationInfo) -> IngestBatchRequest:
        raw = data.get("events") if isinstance(data, dict) else None
        if not isinstance(raw, list) or not 1 <= len(raw) <= 1000:
            return handler(data)
        # A door that found events it must refuse (NUL characters) names them, by index, in the context.
        refused: dict[int, str] = (info.context or {}).get("refused_events", {})
        if not refused:
            try:
                # The usual batch is all good: one validation of the list is cheaper than a thousand.
                events = _EVENT_LIST.validate_python(raw)
            except ValidationError:
                pass
            else:
                return handler({**data, "events": events})
        good: list[Event] = []
        positions: list[int] = []
        invalid: dict[int, SetAside] = {}
        for index, item in enumerate(raw):
            if index in refused:
                invalid[index] = SetAside(_sent_id(item), refused[index])
                continue
            try:
                good.append(item if isinstance(item, Event) else Event.model_validate(item))
                positions.append(index)
            except ValidationError as exc:
                reason = "; ".join(_describe_error(e) for e in exc.errors(include_url=False))
                invalid[index] = SetAside(_sent_id(item), reason)
        if not good and set(data) - {"events"}:
            return handler(data)  # report the unknown top-level fields
        model = handler({**data, "events": good}) if good else cls.model_construct(events=[])
        model._positions = positions
        model._invalid = invalid
        return model

    def numbered(self) -> list[tuple[int, Event]]:
        """Each well-formed event with its index in the request as sent."""
        positions = self._positions or list(range(len(self.events)))
        return list(zip(positions, self.events, strict=True))

    @property
    def malformed(self) -> dict[int, SetAside]:
        return dict(self._invalid)


_EVENT_LIST = TypeAdapter(list[Event])


def _describe_error(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "event"
    if error["type"] == "missing":
        return f"{where}: required field is missing"
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown field"
    return f"{where}: {error['msg'].removeprefix('Value error, ')}"


class FailedEvent(Response):
    index: int = Field(description="Position of the event in the request (0-based).")
    eventId: str | None = Field(default=None, description="The event's id, if it had one.")
    status: str = Field(description="Why it failed, as an ingestion status.")
    message: str = Field(description="What is wrong and how to fix it.")


class IngestBatchResponse(Response):
    success: bool = Field(description="True when every event was accepted.")
    accepted: int = Field(description="Events stored now or already stored before.")
    duplicates: int = Field(default=0, description="Accepted events whose id had been ingested before.")
    failed: list[FailedEvent] = Field(default_factory=list, description="Each refused event by index, with the reason.")


class ListEventsRequest(PageRequest):
    accountId: str | None = Field(default=None, max_length=512, description="Only this account's events (id or alias).")
    schemaName: str | None = Field(default=None, max_length=50, description="Only events of this schema.")
    status: IngestionStatus | None = Field(default=None, description="Only events with this ingestion status.")
    startTime: UtcDatetime | None = Field(default=None, description="Only events at or after this time.")
    endTime: UtcDatetime | None = Field(default=None, description="Only events before this time.")


class IngestionStatusInfo(Response):
    status: str = Field(description="Ingestion status.")
    statusDescription: str = Field(description="What the status means.")


class EventWithStatus(Response):
    referenceId: str = Field(description="Internal reference of the event.")
    eventPayload: EventPayload = Field(description="The event as sent.")
    ingestionStatus: IngestionStatusInfo = Field(description="Outcome of ingestion.")
    customerId: str = Field(description="Owning customer of the account.")
    meters: list[MeterCount] = Field(default_factory=list, description="Meters it counted toward.")
    createdAt: datetime = Field(description="When it was ingested.")


EventPage = Page[EventWithStatus]
