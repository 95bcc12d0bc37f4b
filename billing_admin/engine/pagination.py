"""Keyset pagination with Togai's opaque tokens: base64 of {"lastItemId", "pageSize", "sortOrder"}."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import QuerySet

from billing_admin.errors import InvalidInputError

T = TypeVar("T")


def encode_token(last: Any, page_size: int, sort_order: str = "asc") -> str:
    body = {"lastItemId": last, "pageSize": page_size, "sortOrder": sort_order}
    return base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode()


def decode_token(token: str, expected: type = object) -> Any:
    try:
        body = json.loads(base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4)))
        last = body["lastItemId"]
        # A forged cursor must not reach the database with a value of the wrong type.
        if not isinstance(last, expected) or isinstance(last, bool):
            raise TypeError(last)
        return last
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise InvalidInputError.for_field(
            "nextToken", "not a token this API issued; pass the nextToken of the previous page or omit it"
        ) from None


def paginate(
    queryset: QuerySet,
    *,
    key: str,
    page_size: int,
    next_token: str | None,
    descending: bool = False,
    render: Callable[[Any], T],
) -> tuple[list[T], str | None]:
    """One page ordered by the unique column `key`, and the token of the next page (None at the end)."""
    ordered = queryset.order_by(f"-{key}" if descending else key)
    if next_token:
        field = queryset.model._meta.get_field(key)
        last = decode_token(
            next_token, int if field.get_internal_type().endswith(("AutoField", "IntegerField")) else str
        )
        ordered = ordered.filter(**{f"{key}__lt" if descending else f"{key}__gt": last})
    rows = list(ordered[: page_size + 1])
    more = len(rows) > page_size
    rows = rows[:page_size]
    token = None
    if more and rows:
        token = encode_token(getattr(rows[-1], key), page_size, "desc" if descending else "asc")
    return [render(row) for row in rows], token
