"""The `Idempotency-Key` header: on every REST write it fills the request schema's `idempotencyKey`,
so the header and the body's key are one key with one meaning (a repeat returns the first answer; the
same key with different arguments is a 409). Both given and different is a 400, never a silent pick.

Event ingestion has no such key: each event's own `id` is its idempotency key, so the header is
refused there rather than ignored."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from billing_admin.errors import InvalidInputError

HEADER = "Idempotency-Key"
MAX_LENGTH = 255  # as the schemas' idempotencyKey
KEYED_BY_EVENT_ID = frozenset({"ingest_event", "ingest_batch_events"})
DESCRIPTION = (
    "Repeat-safe key for this write, the same as the body's `idempotencyKey` (send either, or both equal). "
    "A repeat with the same key and the same arguments changes nothing and answers the first response; "
    "the same key with different arguments is refused with 409. Keys are kept per operation."
)
CREDITS_DESCRIPTION = (
    DESCRIPTION + " In a bulk grant the key is the first grant's idempotencyKey; the grants after it are keyed "
    "`<key>#2`, `<key>#3`, ... so a retried bulk never grants twice."
)


def header_key(request: HttpRequest, operation: str) -> str | None:
    raw = request.headers.get(HEADER)
    key = raw.strip() if raw else None
    if not key:
        return None
    if operation in KEYED_BY_EVENT_ID:
        raise InvalidInputError.for_field(
            HEADER, "events are deduplicated by their own id: give each event an `id` instead of this header"
        )
    if len(key) > MAX_LENGTH:
        raise InvalidInputError.for_field(HEADER, f"at most {MAX_LENGTH} characters")
    return key


def merge_key(payload: dict[str, Any], key: str | None, *, field: str = "idempotencyKey") -> None:
    """Put the header's key into `payload`; a different key already in the body is a 400 naming it."""
    if key is None:
        return
    given = payload.get("idempotencyKey")
    if given is None:
        payload["idempotencyKey"] = key
    elif not isinstance(given, str) or given.strip() != key:
        raise InvalidInputError.for_field(
            field, f"differs from the {HEADER} header; send one key, or the same key in both"
        )


def bulk_key(key: str, index: int) -> str:
    """The key of the grant at `index` in a bulk request keyed by `key`."""
    return key if index == 0 else f"{key}#{index + 1}"
