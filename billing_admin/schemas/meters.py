from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .common import Page, PageRequest, Response, WriteRequest

NAME_PATTERN = r"^[\sa-zA-Z0-9_-]*$"
FIELD_PATTERN = r"^(attribute|dimension)s?\.[A-Za-z0-9_-]+$"

Aggregation = Literal["COUNT", "SUM"]


class MeterFilter(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    field: str = Field(
        pattern=FIELD_PATTERN, description="Event field to match: 'dimension.<name>' or 'attribute.<name>'."
    )
    value: str = Field(max_length=200, description="The value the field must equal; filters are ANDed.")


class Computation(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    matcher: str | None = Field(
        default=None,
        max_length=2000,
        description="JsonLogic string; the computation applies to events where it is truthy. Omit to match all.",
    )
    computation: str = Field(
        max_length=500,
        description='JsonLogic string giving the units of a matching event, e.g. {"var":"attribute.units"}; '
        'COUNT meters use "1".',
    )
    order: int = Field(default=1, ge=1, le=100, description="Evaluation order; the first matching computation wins.")


class CreateUsageMeterRequest(WriteRequest):
    name: str = Field(
        min_length=1, max_length=50, pattern=NAME_PATTERN, description="Unique meter name, e.g. api_requests."
    )
    aggregation: Aggregation = Field(
        description="COUNT counts matching events; SUM adds up the computation of each matching event."
    )
    eventSchemaName: str = Field(
        min_length=1,
        max_length=50,
        pattern=NAME_PATTERN,
        description="Event schema the meter reads; created from the fields the meter names if it does not exist.",
    )
    type: Literal["COUNTER"] = Field(default="COUNTER", description="Meter type; only COUNTER exists.")
    filters: list[MeterFilter] = Field(default_factory=list, max_length=10, description="Field equality filters.")
    computations: list[Computation] = Field(
        default_factory=list,
        max_length=10,
        description='Matchers and computations; default: COUNT → "1", SUM needs one.',
    )
    billableName: str | None = Field(default=None, max_length=255, description="Name shown on invoices.")
    description: str | None = Field(default=None, max_length=500, description="What the meter measures.")


class EventSchemaRef(Response):
    name: str = Field(description="Event schema name.")
    version: int = Field(description="Schema version.")
    attributes: list[dict[str, str]] = Field(description="Numeric attributes: [{name, defaultUnit?}].")
    dimensions: list[dict[str, str]] = Field(description="String dimensions: [{name}].")


class UsageMeter(Response):
    id: str = Field(description="Usage meter id, e.g. um.1zlQTBWlkeO.lB7fh.")
    name: str = Field(description="Meter name.")
    billableName: str | None = Field(default=None, description="Name shown on invoices.")
    displayName: str = Field(description="billableName, or the name.")
    description: str = Field(default="", description="What the meter measures.")
    type: str = Field(description="COUNTER.")
    aggregation: Aggregation = Field(description="COUNT or SUM.")
    status: str = Field(description="ACTIVE: the meter counts events from now on.")
    filters: list[MeterFilter] = Field(default_factory=list, description="Field equality filters.")
    computations: list[Computation] = Field(default_factory=list, description="Matchers and computations.")
    eventSchema: EventSchemaRef = Field(description="The event schema the meter reads.")
    createdAt: datetime = Field(description="When the meter was created.")
    updatedAt: datetime = Field(description="When the meter last changed.")


class ListUsageMetersRequest(PageRequest):
    status: Literal["ACTIVE", "INACTIVE"] | None = Field(default=None, description="Only meters in this status.")
    aggregation: Aggregation | None = Field(default=None, description="Only COUNT or SUM meters.")


UsageMeterPage = Page[UsageMeter]
