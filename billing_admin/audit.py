"""The audit trail, one module for every row: the row of a write, and the rows that are not a write
(a refused money move, an approval asked, given or refused, a close that failed, a token issued).

A write's row is written by the boundary (`billing_admin.boundary`), which knows the door, the actor
and the result. A backend that knows better what it changed (the engine: "granted 10.00 EUR credit to
acc_1: promo") `describe`s the write; inside a boundary write that description becomes the one row,
and a second description in the same write is folded into it, so a write is always exactly one row.
Outside a boundary write (a domain service called directly, the demo seed) `describe` writes the row
at once, as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from billing_admin.actors import Actor
from billing_admin.engine.models import AuditLog


@dataclass
class WriteScope:
    """What one boundary write collected: its description, and rows to keep even if it rolls back."""

    immediate: bool = False  # the write commits in batches of its own: its row goes in with them
    description: dict[str, Any] | None = None
    folded: list[dict[str, Any]] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)


_scope: ContextVar[WriteScope | None] = ContextVar("audit_write_scope", default=None)


def audit_record(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> AuditLog:
    """Write a row now, in the caller's transaction: for what is not a write of its own."""
    return AuditLog.objects.create(
        actor_kind=actor.kind,
        actor_name=actor.name[:255],
        door=actor.door,
        user_id=actor.user_id,
        token_id=actor.token_id,
        action=action,
        object_type=object_type,
        object_id=object_id[:512],
        summary=summary[:500],
        changes=_jsonable(changes or {}),
    )


def audit_rows(*, actor: Actor, action: str, entries: Iterable[tuple[str, str, str, dict[str, Any]]]) -> list[dict]:
    """Rows for a bulk insert, shaped as `audit_record` shapes one: a close that finalizes thousands
    of invoices records one row per invoice (object type, id, summary, changes) in one statement."""
    who = {
        "actor_kind": actor.kind,
        "actor_name": actor.name[:255],
        "door": actor.door,
        "user_id": actor.user_id,
        "token_id": actor.token_id,
    }
    return [
        {
            **who,
            "action": action,
            "object_type": kind,
            "object_id": object_id[:512],
            "summary": summary[:500],
            "changes": changes,
        }  # fmt: skip
        for kind, object_id, summary, changes in entries
    ]


def audit_describe(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> None:
    """Describe the write in progress: the boundary writes it as the write's one row."""
    row = _row(actor, action, object_type, object_id, summary, changes)
    scope = _scope.get()
    if scope is None or scope.immediate:
        audit_record(**row)
    elif scope.description is None:
        scope.description = row
    else:
        scope.folded.append(row)


def audit_refusal(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> None:
    """Record a refusal raised from inside a write: the write's transaction rolls back, the row stays."""
    row = _row(actor, action, object_type, object_id, summary, changes)
    scope = _scope.get()
    if scope is None:
        audit_record(**row)
    else:
        scope.kept.append(row)


def _row(
    actor: Actor, action: str, object_type: str, object_id: str, summary: str, changes: dict[str, Any] | None
) -> dict[str, Any]:
    """`audit_record`'s arguments, held until the write they belong to ends."""
    return {
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "summary": summary,
        "changes": changes,
    }


@contextmanager
def write_scope(*, immediate: bool = False) -> Iterator[WriteScope]:
    scope = WriteScope(immediate=immediate)
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def write_row(scope: WriteScope) -> AuditLog | None:
    """The write's one row, from its description with any further description folded in."""
    if scope.description is None:
        return None
    row = dict(scope.description)
    if scope.folded:
        row["summary"] = "; ".join([row["summary"], *(extra["summary"] for extra in scope.folded)])
        row["changes"] = {
            **(row["changes"] or {}),
            "also": [{"action": extra["action"], "changes": extra["changes"] or {}} for extra in scope.folded],
        }
    return audit_record(**row)


def write_kept(scope: WriteScope) -> None:
    for row in scope.kept:
        audit_record(**row)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
