"""The shape of a REST endpoint (a row of the table in endpoints.py) and the conversion of Togai's
query-string values for the operation's request schema."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from billing_admin.errors import InvalidInputError

from . import adapters as a

QueryKind = Literal["str", "int", "epoch_ms", "decimal", "cursor", "mode"]
SCHEDULE_MODES = ("ACTIVE", "DRAFT")


@dataclass(frozen=True)
class Query:
    name: str  # Togai's query parameter
    field: str  # the request-schema field it fills
    kind: QueryKind = "str"
    description: str = ""


@dataclass(frozen=True)
class Endpoint:
    method: Literal["GET", "POST", "PATCH"]
    path: str  # under /api, in Togai's spelling: "accounts/{account_id}/wallet"
    operation: str  # the service operation; its kind (read/write) decides which tokens may call
    summary: str
    status: int = 200
    path_fields: dict[str, str] = field(default_factory=dict)  # path parameter -> request field
    query: tuple[Query, ...] = ()
    body: bool = False
    adapt: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # Togai body -> request payload
    render: Callable[[Any], tuple[int, Any]] | None = None  # response model -> (status, JSON value)
    finish: Callable[[Any, Any], tuple[int, Any]] | None = None  # (call, response model) -> (status, JSON)
    run: Callable[..., tuple[int, Any]] | None = None  # a whole handler where one call is not enough
    nul_run: Callable[..., tuple[int, Any]] | None = None  # the handler when the body holds NUL characters
    body_schema: type[BaseModel] | None = None  # OpenAPI, when the body is not the request schema
    response_schema: type[BaseModel] | None = None  # OpenAPI, when the answer is not the response model
    extension: bool = False  # not part of Togai's API; our addition
    statuses: tuple[int, ...] = ()  # other success statuses, for the OpenAPI document


def query_value(query: Query, raw: str) -> Any:
    """A query-string value converted for the request schema; a bad one is a 400 naming it."""
    if query.kind == "str" or query.kind == "decimal":
        return raw
    if query.kind == "cursor":
        return a.cursor(raw, field=query.name)
    try:
        number = int(raw)
    except ValueError:
        raise InvalidInputError.for_field(query.name, "must be an integer") from None
    if query.kind == "epoch_ms":
        if number < 0:
            raise InvalidInputError.for_field(query.name, "not a valid epoch time in milliseconds")
        return a.from_epoch_ms(number, field=query.name)
    return number
