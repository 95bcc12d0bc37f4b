"""Overview figures the service has no operation for: what is owed, who uses the most, what changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, F, Sum

from billing_admin import schemas as s
from billing_admin.engine import metric_backlog
from billing_admin.engine.close_failures import close_failure_list, close_failure_to_schema
from billing_admin.engine.models import Account, AuditLog, EventRollup, Invoice
from billing_admin.money import from_minor

OUTSTANDING = ("DUE", "PARTIALLY_PAID")


@dataclass(frozen=True)
class Owed:
    currency: str
    amount: Decimal
    count: int


@dataclass(frozen=True)
class OwedInvoice:
    id: str
    account_id: str
    account_name: str
    due_date: datetime | None
    owed: Decimal
    currency: str


@dataclass(frozen=True)
class UsageLeader:
    account_id: str
    account_name: str
    customer_name: str
    events: int


def outstanding_totals() -> list[Owed]:
    """What finalized, unpaid invoices still owe, per currency (amounts in different currencies are
    never added together)."""
    rows = (
        Invoice.objects.filter(status__in=OUTSTANDING)
        .values("currency")
        .annotate(minor=Sum(F("total_minor") - F("paid_minor")), count=Count("id"))
        .order_by("currency")
    )
    return [Owed(r["currency"], from_minor(r["minor"] or 0, r["currency"]), r["count"]) for r in rows]


def oldest_outstanding(*, limit: int = 5) -> list[OwedInvoice]:
    """The longest-standing unpaid invoices, oldest invoice date first. One status at a time, so each
    read walks the (status, invoice date) index instead of sorting every unpaid invoice."""
    found: list[Invoice] = []
    for status in OUTSTANDING:
        rows = Invoice.objects.filter(status=status).select_related("account").order_by("invoice_date")
        found.extend(rows[:limit])
    found.sort(key=lambda i: (i.invoice_date, i.invoice_id))
    return [
        OwedInvoice(
            id=i.invoice_id,
            account_id=i.account.account_id,
            account_name=i.account.name,
            due_date=i.due_date,
            owed=from_minor(i.total_minor - i.paid_minor, i.currency),
            currency=i.currency,
        )
        for i in found[:limit]
    ]


def usage_leaders(*, since: datetime, limit: int = 5) -> list[UsageLeader]:
    """Accounts with the most events since `since`, from the daily rollups."""
    metric_backlog.fold()
    rows = list(
        EventRollup.objects.filter(grain="D", bucket__gte=since)
        .values("account_id")
        .annotate(events=Sum("events"))
        .order_by("-events", "account_id")[:limit]
    )
    accounts = Account.objects.select_related("customer").in_bulk([r["account_id"] for r in rows])
    return [
        UsageLeader(
            account_id=accounts[r["account_id"]].account_id,
            account_name=accounts[r["account_id"]].name,
            customer_name=accounts[r["account_id"]].customer.name,
            events=r["events"],
        )
        for r in rows
        if r["account_id"] in accounts
    ]


def recent_changes(*, limit: int = 8) -> list[AuditLog]:
    return list(AuditLog.objects.order_by("-at", "-id")[:limit])


def close_failures(*, limit: int = 20) -> tuple[list[s.CloseFailure], int]:
    """Cycles the last close could not finalize, newest first (each one's account is waiting on a fix),
    and how many there are in all."""
    found = close_failure_list()
    shown = [close_failure_to_schema(f) for f in found[:limit]]
    return shown, len(shown) if len(shown) < limit else found.count()
