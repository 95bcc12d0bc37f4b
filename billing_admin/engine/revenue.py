"""Revenue points for get_metrics: finalized invoice totals by invoice date.

Amounts in different currencies are never added together: without a CURRENCY filter or grouping,
only invoices in the organisation's currency count.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import F, Sum

from billing_admin import schemas as s
from billing_admin.errors import InvalidInputError
from billing_admin.money import from_minor

from .models import Invoice

RECOGNIZED = ("DUE", "PAID", "PARTIALLY_PAID", "UN_COLLECTIBLE")
REVENUE_FIELDS = {
    "ACCOUNT_ID": "account__account_id",
    "CUSTOMER_ID": "customer__customer_id",
    "CURRENCY": "currency",
}


def revenue_rows(*, query: s.MetricQuery, start: datetime, end: datetime) -> list[dict]:
    """[{"at": datetime, "group": str | None, "total": Decimal}] for invoices dated in [start, end)."""
    invoices = Invoice.objects.filter(status__in=RECOGNIZED, invoice_date__gte=start, invoice_date__lt=end)
    by_currency = query.groupBy == "CURRENCY"
    for f in query.filters:
        column = REVENUE_FIELDS.get(f.fieldName)
        if column is None:
            raise InvalidInputError.for_field(
                "metricQueries.filters",
                f"REVENUE cannot be filtered by {f.fieldName}; use one of {', '.join(sorted(REVENUE_FIELDS))}",
            )
        invoices = invoices.filter(**{f"{column}__in": f.fieldValues})
        by_currency = by_currency or f.fieldName == "CURRENCY"
    if not by_currency:
        invoices = invoices.filter(currency=settings.BILLING_CURRENCY)
    names = {"at": F("invoice_date"), "cur": F("currency")}
    if query.groupBy:
        if query.groupBy not in REVENUE_FIELDS:
            raise InvalidInputError.for_field(
                "metricQueries.groupBy",
                f"REVENUE cannot be grouped by {query.groupBy}; use one of {', '.join(sorted(REVENUE_FIELDS))}",
            )
        names["group"] = F(REVENUE_FIELDS[query.groupBy])
    rows = invoices.values(**names).annotate(minor=Sum("total_minor")).order_by()
    return [{"at": r["at"], "group": r.get("group"), "total": from_minor(r["minor"], r["cur"])} for r in rows]
