"""The invoice list: filters, two sort orders, keyset pages in both directions, and the CSV export.

Rows are found by keyset over (sort column, id), so page N costs what page 1 costs and the table
is never counted. Amounts come from the engine's invoice renderer, so a DRAFT (an open cycle)
shows its charges so far exactly as the invoice page and the API do.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from billing_admin.engine.invoicing import invoices_render
from billing_admin.engine.models import Account, AccountAlias, Customer, Invoice

# sort key -> (column, descending, label)
SORTS: dict[str, tuple[str, bool, str]] = {
    "-date": ("invoice_date", True, "Newest first"),
    "date": ("invoice_date", False, "Oldest first"),
    "-total": ("total_minor", True, "Largest total"),
    "total": ("total_minor", False, "Smallest total"),
}
DEFAULT_SORT = "-date"


@dataclass(frozen=True)
class InvoiceFilters:
    status: str | None = None
    account: str | None = None
    customer: str | None = None
    start: date | None = None  # invoice date from (inclusive)
    end: date | None = None  # invoice date to (inclusive)
    sort: str = DEFAULT_SORT


@dataclass(frozen=True)
class InvoiceRow:
    id: str
    status: str
    currency: str
    total: Decimal
    paid: Decimal
    invoice_date: datetime
    due_date: datetime | None
    start_date: datetime
    end_date: datetime
    account_id: str
    account_name: str
    customer_id: str
    customer_name: str
    problem: str = ""  # why a draft's charges could not be computed (its total is then not meaningful)


@dataclass
class KeysetPage:
    rows: list[InvoiceRow]
    next_cursor: str | None = None
    prev_cursor: str | None = None
    notes: list[str] = field(default_factory=list)
    restart: bool = False  # a forward-only cursor brought us here: the way back is the first page


def account_pk(ref: str) -> int | None:
    """The row id of the account with this id or alias."""
    pk = Account.objects.filter(account_id=ref).values_list("pk", flat=True).first()
    if pk is None:
        pk = AccountAlias.objects.filter(alias=ref).values_list("account_id", flat=True).first()
    return pk


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def invoice_queryset(filters: InvoiceFilters) -> tuple[QuerySet[Invoice], list[str]]:
    """Invoices matching `filters`, unordered, and notes a person should read about the result."""
    invoices = Invoice.objects.all()
    notes: list[str] = []
    if filters.status:
        invoices = invoices.filter(status=filters.status)
    if filters.account:
        pk = account_pk(filters.account)
        if pk is None:
            return invoices.none(), [f"No account has the id or alias '{filters.account}'."]
        invoices = invoices.filter(account_id=pk)
    if filters.customer:
        pk = Customer.objects.filter(customer_id=filters.customer).values_list("pk", flat=True).first()
        if pk is None:
            return invoices.none(), [f"No customer has the id '{filters.customer}'."]
        invoices = invoices.filter(customer_id=pk)
    if filters.start:
        invoices = invoices.filter(invoice_date__gte=_day_start(filters.start))
    if filters.end:
        invoices = invoices.filter(invoice_date__lt=_day_start(filters.end + timedelta(days=1)))
    if filters.start and filters.end and filters.end < filters.start:
        notes.append("The 'To' date is before the 'From' date, so nothing can match.")
    column, _, _ = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    if column == "total_minor" and filters.status != "DRAFT":
        # A draft's total is priced live from usage and is not stored until its cycle closes.
        invoices = invoices.exclude(status="DRAFT")
        if not filters.status:
            notes.append("Sorted by total: drafts (open cycles, still accruing) are left out.")
    elif column == "total_minor":
        notes.append("Drafts have no final total yet; they are listed newest first.")
    return invoices, notes


def _order(filters: InvoiceFilters) -> tuple[str, bool]:
    column, descending, _ = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    if column == "total_minor" and filters.status == "DRAFT":
        return "invoice_date", True
    return column, descending


def _encode(value: Any, pk: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, column: str) -> tuple[Any, int] | None:
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        value = datetime.fromisoformat(value) if column == "invoice_date" else int(value)
        return value, int(pk)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None


def _rows(invoices: list[Invoice]) -> list[InvoiceRow]:
    rendered = invoices_render(invoices)
    return [
        InvoiceRow(
            id=r.id,
            status=r.status,
            currency=r.currency,
            total=r.totalAmount,
            paid=r.paidAmount,
            invoice_date=r.invoiceDate,
            due_date=r.dueDate,
            start_date=r.startDate,
            end_date=r.endDate,
            account_id=i.account.account_id,
            account_name=i.account.name,
            customer_id=i.customer.customer_id,
            customer_name=i.customer.name,
            problem=r.computationError or "",
        )
        for i, r in zip(invoices, rendered, strict=True)
    ]


def _with_relations(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    # What the engine's renderer reads (a draft's cycle, plan and assignment), fetched in the same query.
    return invoices.select_related("account", "customer", "price_plan", "cycle__assignment__plan")


def invoice_page(
    filters: InvoiceFilters, *, page_size: int = 50, after: str | None = None, before: str | None = None
) -> KeysetPage:
    """One page of the list, ordered by the sort column then id. Fetching `page_size + 1` rows tells
    whether another page exists. `before` walks backwards: the same walk in the opposite order,
    flipped."""
    column, descending = _order(filters)
    invoices, notes = invoice_queryset(filters)
    cursor = _decode(before or after or "", column) if (before or after) else None
    if (before or after) and cursor is None:
        notes.append("That page link was not valid; showing the first page.")
    backwards = bool(before and cursor)
    walk_desc = descending != backwards
    if cursor is not None:
        value, pk = cursor
        op = "lt" if walk_desc else "gt"
        # (column, id) beyond the cursor; the first condition alone is an index range scan.
        invoices = invoices.filter(**{f"{column}__{op}e": value}).filter(
            Q(**{f"{column}__{op}": value}) | Q(**{f"id__{op}": pk})
        )
    order = [f"-{column}", "-id"] if walk_desc else [column, "id"]
    found = list(_with_relations(invoices).order_by(*order)[: page_size + 1])
    more = len(found) > page_size
    found = found[:page_size]
    if backwards:
        found.reverse()
    page = KeysetPage(rows=_rows(found), notes=notes)
    if found:
        first, last = found[0], found[-1]
        # Forwards, more rows mean a next page and arriving by a cursor means a previous one.
        # Backwards, the cursor's row lies ahead, and more rows mean a previous page.
        if backwards or more:
            page.next_cursor = _encode(getattr(last, column), last.pk)
        if more if backwards else cursor is not None:
            page.prev_cursor = _encode(getattr(first, column), first.pk)
    return page


def invoice_export(filters: InvoiceFilters, *, chunk: int = 500) -> Iterator[InvoiceRow]:
    """Every invoice matching `filters`, in the list's order, read and priced a chunk at a time."""
    column, descending = _order(filters)
    invoices, _ = invoice_queryset(filters)
    order = [f"-{column}", "-id"] if descending else [column, "id"]
    batch: list[Invoice] = []
    for invoice in _with_relations(invoices).order_by(*order).iterator(chunk_size=chunk):
        batch.append(invoice)
        if len(batch) == chunk:
            yield from _rows(batch)
            batch = []
    if batch:
        yield from _rows(batch)
