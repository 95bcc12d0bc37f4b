"""The audit trail: call `audit_record` inside the transaction of the change it describes."""

from __future__ import annotations

from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from billing_admin.actors import Actor

from .models import AuditLog


def audit_record(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> AuditLog:
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


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
