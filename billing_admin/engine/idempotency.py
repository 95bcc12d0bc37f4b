"""Repeat-safe writes: the first outcome of (operation, idempotencyKey) is stored and replayed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, transaction
from pydantic import BaseModel

from billing_admin.errors import ConflictError

from .models import IdempotencyRecord

R = TypeVar("R", bound=BaseModel)


def _request_hash(request: BaseModel) -> str:
    body = request.model_dump(mode="json", exclude={"idempotencyKey"})
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def run_write(operation: str, request: BaseModel, response_type: type[R], write: Callable[[], R]) -> R:
    """Run `write` atomically; with an idempotencyKey, a repeat returns the first response.

    Two concurrent first calls race on the unique (operation, key) row: the loser's transaction rolls
    back whole and it answers with the winner's stored response.
    """
    key = getattr(request, "idempotencyKey", None)
    if not key:
        with transaction.atomic():
            return write()
    digest = _request_hash(request)
    stored = _replay(operation, key, digest, response_type)
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            result = write()
            IdempotencyRecord.objects.create(
                operation=operation, key=key, request_hash=digest, response=result.model_dump(mode="json")
            )
            return result
    except IntegrityError:
        stored = _replay(operation, key, digest, response_type)
        if stored is None:
            raise
        return stored


def _replay(operation: str, key: str, digest: str, response_type: type[R]) -> R | None:
    record = IdempotencyRecord.objects.filter(operation=operation, key=key).first()
    if record is None:
        return None
    if record.request_hash != digest:
        raise ConflictError(
            f"idempotencyKey '{key}' was already used for a different {operation} request; "
            "use a new key for a new request"
        )
    return response_type.model_validate(record.response)
