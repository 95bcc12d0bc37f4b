"""The audit trail, newest first, with keyset paging on id."""

from __future__ import annotations

from billing_admin.engine.filters import filter_given
from billing_admin.engine.models import AuditLog

DOORS = ("page", "chat", "mcp", "api", "cli", "system")


def audit_page(
    *,
    action: str | None = None,
    door: str | None = None,
    actor: str | None = None,
    object_id: str | None = None,
    before_id: int | None = None,
    page_size: int = 50,
) -> tuple[list[AuditLog], int | None]:
    """A page of audit rows and the id to continue from (None on the last page)."""
    rows = filter_given(
        AuditLog.objects.order_by("-id"),
        action=action, door=door, actor_name__icontains=actor, object_id=object_id, id__lt=before_id or None,
    )  # fmt: skip
    found = list(rows[: page_size + 1])
    more = len(found) > page_size
    found = found[:page_size]
    return found, (found[-1].id if more and found else None)


def audit_actions() -> list[str]:
    """Every action the trail holds, for the filter's choices."""
    return list(AuditLog.objects.order_by("action").values_list("action", flat=True).distinct())
