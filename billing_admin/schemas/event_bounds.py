"""What one usage event may carry, checked at the door so that every stored event can be billed and no
sum it feeds can leave its column. Both backends refuse the same events with the same reasons.

Quantities are stored as integer millionths in 64-bit columns (at most 9,223,372,036,854,775,807, about
9.2·10¹² units). One event carries at most 10⁹ units, a batch of 1000 at most 10¹²; a billing counter
(a cycle's usage of a meter, an account's use of a feature in a cycle) refuses the event that would take
it past 4·10¹² units, which leaves more than five full batches of room for those in flight.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

MAX_EVENT_UNITS = 10**9
MAX_TOTAL_UNITS = 4 * 10**12
MAX_DIMENSIONS = 50  # Togai's event schemas name at most 50 dimensions
MAX_DIMENSION_KEY = 50  # as long as a schema's, an attribute's or a meter's name
MAX_DIMENSION_VALUE = 200  # Togai's documented limit on a dimension value

# The first moment the engine takes: before it, usage falls in no billing cycle any plan can have; and an
# ISO date-time text starts with a year, so no epoch number is read as one.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)  # Togai's open end; the engine's own horizon is much nearer

NUMERIC = re.compile(r"^-?\d{1,512}(\.\d+)?$")  # Togai's attribute value pattern
_MAX_EVENT = Decimal(MAX_EVENT_UNITS)
_EPOCH_NUMBER = re.compile(r"^\s*[-+]?\d+(\.\d*)?\s*$")


def value_problem(value: str) -> str | None:
    """Why an attribute's value cannot be usage, or None. The usual value is a short whole number: str
    methods answer it without the pattern or a Decimal."""
    if value.isdigit() and value.isascii() and len(value) <= 9:
        return None
    if NUMERIC.match(value) is None:
        return 'is not a number; send e.g. "50"'
    number = Decimal(value)
    if number < 0:
        return f"is {value}; usage is 0 or more (a negative value would lower what was billed)"
    if number > _MAX_EVENT:
        return f"is more than {MAX_EVENT_UNITS:,}, the most one event can carry; split it into several events"
    return None


def attributes_problem(attributes: Any) -> str | None:
    """The first attribute whose value cannot be usage, as "field: message", or None."""
    for index, attribute in enumerate(attributes):
        why = value_problem(attribute.value)
        if why is not None:
            return f"attributes[{index}].value: value of '{attribute.name}' {why}"
    return None


def _not_a_number(value: Any) -> Any:
    # Pydantic reads a number (or a text of digits) as epoch seconds, or milliseconds past 2·10¹⁰: a
    # guess. Togai's timestamp is an ISO-8601 date-time, so only that is taken.
    if type(value) is str and value[4:5] == "-":
        return value  # a year and a dash: the usual ISO text, told without the pattern
    if isinstance(value, int | float) or (isinstance(value, str) and _EPOCH_NUMBER.match(value)):
        raise ValueError(
            "send an ISO-8601 date-time such as 2026-11-20T07:30:00Z; epoch numbers are not taken "
            "(seconds and milliseconds cannot be told apart)"
        )
    return value


def _billable(value: datetime) -> datetime:
    if value.tzinfo is not None and 1970 < value.year < 9998:
        return value  # the usual time: no offset can carry it out of the window
    try:
        # Togai's own examples send times without an offset: those are UTC.
        at = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 is in the year 0 in UTC
        at = None
    if at is None or not EARLIEST <= at < LATEST:
        raise ValueError(f"is outside {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d} (UTC); send the time the usage happened")
    return value


EventTimestamp = Annotated[
    datetime,
    BeforeValidator(_not_a_number),
    AfterValidator(_billable),
    Field(description="When the usage happened: an ISO-8601 date-time (UTC when it has no offset), from 1970 on."),
]

Dimensions = Annotated[
    dict[
        Annotated[str, Field(min_length=1, max_length=MAX_DIMENSION_KEY)],
        Annotated[str, Field(max_length=MAX_DIMENSION_VALUE)],
    ],
    Field(
        max_length=MAX_DIMENSIONS,
        description=f"String dimensions, e.g. {{'region': 'eu'}}: at most {MAX_DIMENSIONS}, names of 1 to "
        f"{MAX_DIMENSION_KEY} characters, values of at most {MAX_DIMENSION_VALUE}.",
    ),
]
