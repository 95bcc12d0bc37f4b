"""Revenue points for get_metrics. Filled in with invoicing."""

from __future__ import annotations

from datetime import datetime

from billing_admin import schemas as s
from billing_admin.errors import UnsupportedError


def revenue_rows(*, query: s.MetricQuery, start: datetime, end: datetime) -> list[dict]:
    """[{"at": datetime, "group": str | None, "total": Decimal}] for invoices in [start, end)."""
    raise UnsupportedError("REVENUE metrics need invoicing, which is not available yet")
