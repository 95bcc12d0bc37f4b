"""Shared pieces of the operation schemas: strict base models, pages, addresses, amounts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from billing_admin import money

ID_PATTERN = r"^[A-Za-z0-9_.:@#-]+$"


class Request(BaseModel):
    """Every operation's arguments: unknown fields are refused (`additionalProperties: false`)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WriteRequest(Request):
    idempotencyKey: str | None = Field(
        default=None,
        max_length=255,
        description="Repeat-safe key: the same key with the same arguments returns the first result.",
    )


class Response(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _currency(value: str) -> str:
    return money.check_currency(value)


Currency = Annotated[
    str,
    AfterValidator(_currency),
    Field(
        description="ISO-4217 currency code, e.g. USD",
        min_length=3,
        max_length=3,
        # The supported codes (either case), so a schema-valid currency is one the engine can bill in.
        json_schema_extra={
            "enum": [*sorted(money.CURRENCY_EXPONENTS), *sorted(map(str.lower, money.CURRENCY_EXPONENTS))]
        },
    ),
]

# Money on the wire is a decimal string ("150.00"); floats never reach the engine.
Amount = Annotated[Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")]
Quantity = Annotated[Decimal, PlainSerializer(lambda d: format(d.normalize(), "f"), return_type=str, when_used="json")]

PageSize = Annotated[int, Field(ge=1, le=200, description="Items per page, 1-200 (default 50).")]
NextToken = Annotated[
    str | None, Field(description="Opaque cursor from the previous page's nextToken; omit for the first page.")
]


def _utc_if_naive(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _not_a_number(value: Any) -> Any:
    # pydantic would read a number as seconds or milliseconds since 1970; dates are ISO-8601 strings here.
    if isinstance(value, int | float | Decimal):
        raise ValueError("an ISO-8601 date or date-time string, not a number")
    return value


# A moment given without an offset is read as UTC, so every comparison in the engine is between aware times.
UtcDatetime = Annotated[datetime, BeforeValidator(_not_a_number), AfterValidator(_utc_if_naive)]
Day = Annotated[date, BeforeValidator(_not_a_number)]

Timestamp = Annotated[datetime, Field(description="ISO-8601 date-time with offset, e.g. 2026-11-01T00:00:00Z")]

T = TypeVar("T")


class Page(Response, Generic[T]):
    data: list[T] = Field(description="The items of this page.")
    nextToken: str | None = Field(default=None, description="Pass to get the next page; null on the last page.")


class PageRequest(Request):
    pageSize: PageSize = 50
    nextToken: NextToken = None


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    line1: str | None = Field(default=None, max_length=255, description="Street address, first line.")
    line2: str | None = Field(default=None, max_length=255, description="Street address, second line.")
    postalCode: str | None = Field(default=None, max_length=20, description="Postal or ZIP code.")
    city: str | None = Field(default=None, max_length=100, description="City.")
    state: str | None = Field(default=None, max_length=100, description="State, province or region.")
    country: str | None = Field(
        default=None, pattern=r"^[A-Z]{2}$", description="ISO-3166 alpha-2 country code, e.g. US, DE, IN."
    )
    phoneNumber: str | None = Field(default=None, max_length=30, description="Phone number, e.g. +14155550100.")
