"""Invoices: the filtered, sorted list (filters live in the URL), its CSV export, the detail with its
line-item tree, and settling a DUE invoice (paid, void, uncollectible) with a reason."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from billing_admin import money
from billing_admin import schemas as s
from billing_admin.approvals.models import Approval

from .. import togai_reads
from ..access import finance_admin_required, viewer_required
from ..backend_mode import engine_tables_answer
from ..calls import Unavailable, money_write, read
from ..forms.invoices import InvoiceFilterForm, InvoiceStatusForm
from ..rendering import redirect_to, render_page
from ..selectors.invoices import InvoiceRow, invoice_export, invoice_page
from ..spreadsheet import text_cell
from .approvals import waiting_notice

PAGE_SIZE = 50
SETTLEABLE = ("DUE", "PARTIALLY_PAID")
CSV_HEADER = [
    "Invoice", "Status", "Customer id", "Customer", "Account id", "Account", "Invoice date",
    "Period start", "Period end", "Due date", "Currency", "Total", "Paid", "Problem",
]  # fmt: skip


@viewer_required
@require_GET
def invoice_list(request: HttpRequest) -> HttpResponse:
    form = InvoiceFilterForm(request.GET)
    sortable = engine_tables_answer()
    if sortable:
        page = invoice_page(
            form.filters(),
            page_size=PAGE_SIZE,
            after=request.GET.get("after") or None,
            before=request.GET.get("before") or None,
        )
    else:
        page = togai_reads.invoice_page(
            request, form.filters(), page_size=PAGE_SIZE, token=request.GET.get("after") or None
        )
    context = {"form": form, "page": page, "sortable": sortable, "nav": "invoices"}
    return render_page(request, "dashboard/invoices/list.html", context, partial="invoice-table")


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def csv_lines(rows: Iterable[InvoiceRow]) -> Iterator[str]:
    """Text cells go through `text_cell` (no formulas); amounts stay numbers. A draft whose charges could
    not be computed has an empty Total and says why under Problem, so nobody sums a made-up zero."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for row in rows:
        text = [
            row.id, row.status, row.customer_id, row.customer_name, row.account_id, row.account_name,
            _when(row.invoice_date), _when(row.start_date), _when(row.end_date), _when(row.due_date), row.currency,
        ]  # fmt: skip
        total = "" if row.problem else money.money_str(row.total, row.currency)
        yield writer.writerow(
            [*map(text_cell, text), total, money.money_str(row.paid, row.currency), text_cell(row.problem)]
        )


@viewer_required
@require_GET
def invoice_export_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Every invoice the list's filters match (all pages), streamed so a large export holds no memory."""
    filters = InvoiceFilterForm(request.GET).filters()
    if engine_tables_answer():
        rows = invoice_export(filters)
    else:
        first = togai_reads.first_invoices(request, filters)
        if isinstance(first, Unavailable):
            messages.error(request, f"The export could not start: {first.message}")
            return redirect_to(request, reverse("dashboard:invoice-list") + _query(request))
        rows = togai_reads.invoice_export(request, filters, first)
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="invoices-{stamp}.csv"'
    return response


def _query(request: HttpRequest) -> str:
    query = request.GET.urlencode()
    return f"?{query}" if query else ""


@viewer_required
@require_GET
def invoice_detail(request: HttpRequest, invoice_id: str) -> HttpResponse:
    invoice = read(request, "get_invoice", {"invoiceId": invoice_id})
    context = {"invoice": invoice, "invoice_id": invoice_id, "status_form": InvoiceStatusForm(), "nav": "invoices"}
    context["settleable"] = not isinstance(invoice, Unavailable) and invoice.status in SETTLEABLE
    return render_page(request, "dashboard/invoices/detail.html", context)


@finance_admin_required
@require_POST
def invoice_status(request: HttpRequest, invoice_id: str) -> HttpResponse:
    """Mark a DUE invoice paid, void or uncollectible, with a reason for the audit log. Errors (an
    invoice that is no longer DUE, a reason too short) come back on the form."""
    form = InvoiceStatusForm(request.POST)
    updated = (
        money_write(request, form, "update_invoice_status", form.payload(invoice_id=invoice_id))
        if form.is_valid()
        else None
    )
    if isinstance(updated, Approval):
        messages.info(request, waiting_notice(updated))
        return redirect_to(request, reverse("dashboard:invoice-detail", args=[invoice_id]))
    if isinstance(updated, s.Invoice):
        messages.success(request, f"Invoice {invoice_id} is now {updated.status.replace('_', ' ').lower()}.")
        return redirect_to(request, reverse("dashboard:invoice-detail", args=[invoice_id]))
    invoice = read(request, "get_invoice", {"invoiceId": invoice_id})
    context = {"invoice": invoice, "invoice_id": invoice_id, "status_form": form, "settleable": True, "nav": "invoices"}
    return render_page(request, "dashboard/invoices/detail.html", context, partial="invoice-status-form")
