from __future__ import annotations

from django.utils import timezone

from billing_admin import schemas as s
from billing_admin.actors import Actor

from ..accounts import account_resolve
from ..atomic import atomic_write
from ..close_failures import close_failure_to_schema
from ..closing import invoices_generate
from ..invoice_status import invoice_status_update
from ..invoicing import invoice_get, invoice_list, invoices_render
from ..pagination import paginate


class InvoiceOps:
    def list_invoices(self, request: s.ListInvoicesRequest, *, actor: Actor) -> s.InvoicePage:
        account_pk = account_resolve(request.accountId).pk if request.accountId else None
        rows, token = paginate(
            invoice_list(
                account_pk=account_pk,
                customer_id=request.customerId,
                status=request.status,
                start=request.startTime,
                end=request.endTime,
            ),
            key="id",
            descending=True,
            page_size=request.pageSize,
            next_token=request.nextToken,
            render=lambda invoice: invoice,
        )
        # Rendered together so every DRAFT on the page is priced in one pass.
        summaries: list[s.InvoiceSummary] = [*invoices_render(rows)]
        return s.InvoicePage(data=summaries, nextToken=token)

    def get_invoice(self, request: s.GetInvoiceRequest, *, actor: Actor) -> s.Invoice:
        return invoices_render([invoice_get(request.invoiceId)], full=True)[0]

    def update_invoice_status(self, request: s.UpdateInvoiceStatusRequest, *, actor: Actor) -> s.Invoice:
        def write() -> s.Invoice:
            invoice = invoice_status_update(
                invoice_id=request.invoiceId, status=request.status, reason=request.reason, actor=actor
            )
            return invoices_render([invoice_get(invoice.invoice_id)], full=True)[0]

        return atomic_write(write)

    def generate_invoices(self, request: s.GenerateInvoicesRequest, *, actor: Actor) -> s.GenerateInvoicesResponse:
        account = account_resolve(request.accountId) if request.accountId else None

        def write() -> s.GenerateInvoicesResponse:
            run = invoices_generate(as_of=request.asOf or timezone.now(), actor=actor, account=account)
            return s.GenerateInvoicesResponse(
                closedCycles=len(run.invoice_ids),
                invoiceIds=run.invoice_ids[:200],
                failed=[close_failure_to_schema(f) for f in run.failures[:200]],
            )

        # Closing commits batch by batch (10,000 accounts must not be one transaction), so it is not
        # wrapped whole; a repeat is harmless because closed cycles are skipped.
        return write()
