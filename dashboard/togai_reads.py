"""The selectors' figures read through the billing service, for when Togai is the backend and the
engine's tables are not the billing data. What the service cannot answer is said plainly, as an
`Unavailable`, instead of being filled in from elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from billing_admin import schemas as s
from billing_admin.service import call

from .access import staff_actor
from .calls import Unavailable, read, without_unset
from .selectors.invoices import InvoiceFilters, InvoiceRow, KeysetPage
from .selectors.ledger import CreditLine
from .selectors.overview import OUTSTANDING, Owed, OwedInvoice, UsageLeader

PAGE_LIMIT = 50  # the largest page hosted Togai lists
OWED_PAGES = 20  # per status: enough for the overview without walking an unbounded list on every visit
LIST_NOTE = "Listed in the order the Togai API returns them: it cannot sort invoices or count the matches."
DATES_NOTE = "The dates match each invoice's billing period, the only dates the Togai API filters on."
LEDGER = Unavailable(
    "The ledger (credit movements and wallet entries) is not available from hosted Togai; "
    "the balances above are Togai's."
)
CREDITS_UNLISTED = "Hosted Togai reports the credit balance but does not list the individual credits."
LEADERS_UNAVAILABLE = Unavailable("Usage per account is not available from the Togai API.")


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def invoice_query(filters: InvoiceFilters) -> dict[str, Any]:
    return {
        "status": filters.status,
        "accountId": filters.account,
        "customerId": filters.customer,
        "startTime": _day_start(filters.start) if filters.start else None,
        "endTime": _day_start(filters.end + timedelta(days=1)) if filters.end else None,
    }


def _row(invoice: s.invoices.InvoiceSummary) -> InvoiceRow:
    # The list answer names no account or customer; the ids stand in (blank names) rather than a
    # lookup per row.
    return InvoiceRow(
        id=invoice.id,
        status=invoice.status,
        currency=invoice.currency,
        total=invoice.totalAmount,
        paid=invoice.paidAmount,
        invoice_date=invoice.invoiceDate,
        due_date=invoice.dueDate,
        start_date=invoice.startDate,
        end_date=invoice.endDate,
        account_id=invoice.ownerId,
        account_name="",
        customer_id=invoice.customerId,
        customer_name="",
        problem=invoice.computationError or "",
    )


def invoice_page(request: HttpRequest, filters: InvoiceFilters, *, page_size: int, token: str | None) -> KeysetPage:
    """One page in Togai's order. Its cursor only goes forwards, so a later page links back to the
    first rather than to the previous one (`prev_cursor` stays empty; `restart` is set)."""
    notes = [LIST_NOTE]
    if filters.start or filters.end:
        notes.append(DATES_NOTE)
    payload = {**invoice_query(filters), "pageSize": min(page_size, PAGE_LIMIT), "nextToken": token}
    found = read(request, "list_invoices", payload, missing_is_404=False)
    if isinstance(found, Unavailable):
        return KeysetPage(rows=[], notes=[*notes, found.message], restart=bool(token))
    rows = [_row(invoice) for invoice in found.data]
    return KeysetPage(rows=rows, next_cursor=found.nextToken, notes=notes, restart=bool(token))


def first_invoices(request: HttpRequest, filters: InvoiceFilters) -> s.invoices.InvoicePage | Unavailable:
    """The export's first page, read before any byte is sent so a refusal can still be shown."""
    payload = {**invoice_query(filters), "pageSize": PAGE_LIMIT}
    return read(request, "list_invoices", payload, missing_is_404=False)


def invoice_export(
    request: HttpRequest, filters: InvoiceFilters, first: s.invoices.InvoicePage
) -> Iterator[InvoiceRow]:
    """Every matching invoice, following Togai's cursor. A later page that fails raises: a cut-off
    download is better than a file that looks complete."""
    actor = staff_actor(request)
    page = first
    while True:
        yield from (_row(invoice) for invoice in page.data)
        if not page.nextToken:
            return
        payload = {**invoice_query(filters), "pageSize": PAGE_LIMIT, "nextToken": page.nextToken}
        following = call("list_invoices", without_unset(payload), actor=actor)
        assert isinstance(following, s.invoices.InvoicePage)  # what list_invoices answers
        page = following


def _unpaid(request: HttpRequest) -> tuple[list[s.invoices.InvoiceSummary], bool] | Unavailable:
    invoices: list[s.invoices.InvoiceSummary] = []
    cut_short = False
    for status in OUTSTANDING:
        token = None
        for _ in range(OWED_PAGES):
            page = read(
                request,
                "list_invoices",
                {"status": status, "pageSize": PAGE_LIMIT, "nextToken": token},
                missing_is_404=False,
            )
            if isinstance(page, Unavailable):
                return page
            invoices.extend(page.data)
            token = page.nextToken
            if not token:
                break
        else:
            cut_short = cut_short or bool(token)
    return invoices, cut_short


Owing = tuple[list[Owed] | Unavailable, list[OwedInvoice] | Unavailable, str]


def owed(request: HttpRequest, *, limit: int = 5) -> Owing:
    """What DUE and PARTIALLY_PAID invoices still owe per currency, the oldest of them, and a note
    when the Togai list was longer than the pages read."""
    found = _unpaid(request)
    if isinstance(found, Unavailable):
        return found, found, ""
    invoices, cut_short = found
    totals: dict[str, tuple[Decimal, int]] = {}
    for invoice in invoices:
        amount, count = totals.get(invoice.currency, (Decimal(0), 0))
        totals[invoice.currency] = (amount + invoice.totalAmount - invoice.paidAmount, count + 1)
    rows = [Owed(currency, amount, count) for currency, (amount, count) in sorted(totals.items())]
    oldest = sorted(invoices, key=lambda i: (i.invoiceDate, i.id))[:limit]
    owed_invoices = [
        OwedInvoice(
            id=i.id,
            account_id=i.ownerId,
            account_name="",
            due_date=i.dueDate,
            owed=i.totalAmount - i.paidAmount,
            currency=i.currency,
        )
        for i in oldest
    ]
    note = f"Counted from the first {len(invoices)} unpaid invoices the Togai API listed." if cut_short else ""
    return rows, owed_invoices, note


def usage_leaders(
    request: HttpRequest, *, since: datetime, until: datetime, limit: int = 5
) -> list[UsageLeader] | Unavailable:
    """Accounts with the most events in [since, until), from Togai's event metrics grouped by account.
    An answer without groups cannot rank anyone, so it is reported as unavailable."""
    result = read(
        request,
        "get_metrics",
        {
            "startTime": since,
            "endTime": until,
            "metricQueries": [
                {"id": "leaders", "name": "EVENTS", "aggregationPeriod": "MONTH", "groupBy": "ACCOUNT_ID"}
            ],
        },
        missing_is_404=False,
    )
    if isinstance(result, Unavailable):
        return result
    series = result.results[0].data if result.results else []
    if any(item.groupedBy is None for item in series):
        return LEADERS_UNAVAILABLE
    counts = [(sum(item.metricValues, Decimal(0)), item.groupedBy.fieldValue) for item in series]
    ranked = sorted((c for c in counts if c[0] > 0), key=lambda c: (-c[0], c[1]))[:limit]
    return [
        UsageLeader(account_id=account, account_name="", customer_name="", events=int(events))
        for events, account in ranked
    ]


def account_money(request: HttpRequest, account_id: str, account: s.AccountDetail | None = None) -> dict[str, Any]:
    """The wallet panel from Togai's balance and the account's credits; the ledger has no read."""
    balance = read(request, "get_wallet_balance", {"accountId": account_id})
    if account is None:
        account = read(request, "get_account", {"accountId": account_id})
    credits: list[CreditLine] = []
    note = ""
    if isinstance(account, Unavailable):
        note = account.message
    else:
        credits = [_credit(c) for c in account.credits if c.status == "ACTIVE"][:10]
        if not credits and not isinstance(balance, Unavailable) and balance.creditBalance > 0:
            note = CREDITS_UNLISTED
    return {"balance": balance, "credits": credits, "credits_note": note, "ledger": LEDGER}


def _credit(credit: s.wallets.Credit) -> CreditLine:
    return CreditLine(
        id=credit.id,
        purpose=credit.purpose,
        status=credit.status,
        currency=credit.creditUnit,
        amount=credit.creditAmount,
        remaining=credit.remainingAmount,
        priority=credit.priority,
        effective_from=credit.effectiveFrom,
        effective_until=credit.effectiveUntil,
    )
