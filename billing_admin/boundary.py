"""The boundary around any backend: every door's write passes here, whichever backend runs it.

`service.call` validates the arguments (and refuses NUL characters) and `get_service()` hands out the
backend wrapped in a `Boundary`, so the pages, the chat (through MCP), the tool console, the MCP tools,
the REST API, approvals and the management commands all write through `Boundary.write`, which keeps:

- the idempotency record: a repeat of (operation, idempotencyKey) with the same arguments answers the
  first response without running the write again; other arguments under the same key are a 409;
- the audit row: exactly one per write, with the actor and the door.

The embedded engine writes locally: its write, its idempotency record and its audit row share one
transaction (the engine describes what it changed, `billing_admin.audit.audit_describe`). Ingestion and
cycle closing commit in batches of their own, so there the row is written inside the engine's own
transaction instead. A remote backend (Togai) cannot share a transaction: the row, with the remote
ids, and the idempotency record are written right after the remote call returns. Togai keeps its own
idempotency too (the key travels as its Idempotency-Key header), so a retry after a crash between the
remote call and the local record still does not write twice at Togai.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from pydantic import BaseModel

from billing_admin.actors import Actor
from billing_admin.audit import WriteScope, audit_record, write_kept, write_row, write_scope
from billing_admin.engine.models import IdempotencyRecord
from billing_admin.errors import ConflictError
from billing_admin.operations import BY_NAME

# Writes that commit batch by batch themselves (a thousand events, ten thousand accounts' cycles):
# never wrapped whole in one transaction.
COMMITS_IN_BATCHES = frozenset({"ingest_event", "ingest_batch_events", "generate_invoices"})

OBJECT_TYPE = {
    "create_customer": "customer",
    "update_customer": "customer",
    "create_account": "account",
    "update_account": "account",
    "create_usage_meter": "usage_meter",
    "create_price_plan": "price_plan",
    "ingest_event": "events",
    "ingest_batch_events": "events",
    "update_invoice_status": "invoice",
    "generate_invoices": "invoice",
    "top_up_wallet": "account",
    "grant_credit": "credit",
    "void_credit": "credit",
}


class Boundary:
    """A backend behind the boundary: reads pass through, writes run through `write`."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.local = bool(getattr(backend, "writes_locally", False))
        self.name = getattr(backend, "name", type(backend).__name__)

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.backend, name)
        op = BY_NAME.get(name)
        if op is None or not op.is_write:
            return found
        return partial(self._write_with, name, found)

    def _write_with(self, operation: str, run: Callable[..., BaseModel], request: BaseModel, *, actor: Actor) -> Any:
        return self.write(operation, request, actor=actor, run=run)

    def run_approved(self, operation: str, request: BaseModel, *, actor: Actor) -> BaseModel:
        """A money move a second person approved: the backend's write past its ceiling, kept and audited
        as any other write."""
        return self.write(operation, request, actor=actor, run=partial(self.backend.run_approved, operation))

    def write(self, operation: str, request: BaseModel, *, actor: Actor, run: Callable[..., BaseModel]) -> Any:
        response_type = BY_NAME[operation].response
        key = getattr(request, "idempotencyKey", None)
        # A remote backend's records are its own: the same database may also serve as the remote's.
        slot = operation if self.local else f"{self.name}:{operation}"
        digest = _request_hash(request) if key else ""
        if key:
            stored = _replay(slot, key, digest, response_type, operation)
            if stored is not None:
                return stored
        with write_scope(immediate=operation in COMMITS_IN_BATCHES) as scope:
            try:
                if self.local and operation not in COMMITS_IN_BATCHES:
                    with transaction.atomic():
                        result = run(request, actor=actor)
                        self._keep(scope, operation, request, result, actor, slot, key, digest)
                else:
                    result = run(request, actor=actor)
                    with transaction.atomic():
                        self._keep(scope, operation, request, result, actor, slot, key, digest)
            except IntegrityError:
                stored = _replay(slot, key, digest, response_type, operation) if key else None
                if stored is None:
                    raise
                return stored  # a concurrent first call won the key; its answer is ours
            except Exception:
                write_kept(scope)
                raise
        return result

    def _keep(
        self,
        scope: WriteScope,
        operation: str,
        request: BaseModel,
        result: BaseModel,
        actor: Actor,
        slot: str,
        key: str | None,
        digest: str,
    ) -> None:
        """The write's audit row and idempotency record, in the transaction the caller opened."""
        if self.local:
            write_row(scope)  # the engine said what it wrote; nothing written, no row
        else:
            _remote_row(operation, request, result, actor, backend=self.name)
        if key:
            with transaction.atomic():  # a lost race rolls back to here, the write with it
                IdempotencyRecord.objects.create(
                    operation=slot, key=key, request_hash=digest, response=result.model_dump(mode="json")
                )


def _remote_row(operation: str, request: BaseModel, result: BaseModel, actor: Actor, *, backend: str) -> None:
    ids = result_ids(result)
    object_id = next((_flat(value) for value in ids.values() if value), "")
    op = BY_NAME[operation]
    audit_record(
        actor=actor,
        action=operation,
        object_type=OBJECT_TYPE.get(operation, "object"),
        object_id=object_id,
        summary=f"{op.title.lower()} {object_id} at {backend}".replace("  ", " "),
        changes={
            "arguments": request.model_dump(mode="json", exclude_none=True, exclude={"events"}),
            "result": ids,
        },
    )


def result_ids(result: BaseModel) -> dict[str, Any]:
    """The ids a response names: `id`, `...Id`, `...Ids` (first fifty), and those of nested objects."""
    ids: dict[str, Any] = {}
    for name, value in result:
        if isinstance(value, BaseModel):
            ids.update({f"{name}.{sub}": found for sub, found in result_ids(value).items() if sub == "id"})
        elif isinstance(value, str) and (name == "id" or name.endswith("Id")):
            ids[name] = value
        elif isinstance(value, list) and name.endswith("Ids"):
            ids[name] = [str(item) for item in value[:50]]
    return ids


def _flat(value: Any) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value)


def _request_hash(request: BaseModel) -> str:
    body = request.model_dump(mode="json", exclude={"idempotencyKey"})
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _replay(slot: str, key: str, digest: str, response_type: type[BaseModel], operation: str) -> BaseModel | None:
    record = IdempotencyRecord.objects.filter(operation=slot, key=key).first()
    if record is None:
        return None
    if record.request_hash != digest:
        raise ConflictError(
            f"idempotencyKey '{key}' was already used for a different {operation} request; "
            "use a new key for a new request"
        )
    return response_type.model_validate(record.response)


def behind_boundary(backend: Any) -> Boundary:
    return backend if isinstance(backend, Boundary) else Boundary(backend)
