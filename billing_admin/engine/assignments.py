"""Plan assignments (account schedules). Filled in with the pricing engine."""

from __future__ import annotations

from datetime import datetime

from billing_admin.actors import Actor
from billing_admin.errors import UnsupportedError

from .models import Account, PlanAssignment


def assignment_current(*, account: Account, at: datetime | None = None) -> PlanAssignment | None:
    return None


def assignment_change(
    *, account: Account, plan_ref: str, effective_from: datetime | None, actor: Actor
) -> PlanAssignment:
    raise UnsupportedError("assigning price plans is not available yet")
