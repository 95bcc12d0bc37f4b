"""Reading approval requests: what waits for a second finance admin, and what was decided lately."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from .models import Approval


def _live() -> QuerySet[Approval]:
    """Pending and not yet past their age (the expiry job may not have marked them yet)."""
    hours = getattr(settings, "BILLING_APPROVAL_MAX_AGE_HOURS", 72)
    return Approval.objects.filter(
        status=Approval.Status.PENDING, created_at__gte=timezone.now() - timedelta(hours=hours)
    )


def approvals_pending() -> QuerySet[Approval]:
    return _live().order_by("created_at", "id")


def approvals_pending_count() -> int:
    return _live().count()


def approvals_decided(*, limit: int = 20) -> list[Approval]:
    return list(Approval.objects.exclude(status=Approval.Status.PENDING).order_by("-decided_at", "-id")[:limit])
