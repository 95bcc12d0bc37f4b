"""Billing cycles as ingestion sees them. The pricing engine owns opening and closing them."""

from __future__ import annotations

from datetime import datetime

from .models import BillingCycle


def cycles_covering(account_pks: set[int], start: datetime, end: datetime) -> list[BillingCycle]:
    """Every cycle of these accounts overlapping [start, end]."""
    return list(BillingCycle.objects.filter(account_id__in=account_pks, start__lte=end, end__gt=start))
