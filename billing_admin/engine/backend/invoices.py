from __future__ import annotations

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.errors import UnsupportedError


class InvoiceOps:
    def list_invoices(self, request: s.ListInvoicesRequest, *, actor: Actor) -> s.InvoicePage:
        raise UnsupportedError("invoices are not available yet")

    def get_invoice(self, request: s.GetInvoiceRequest, *, actor: Actor) -> s.Invoice:
        raise UnsupportedError("invoices are not available yet")

    def update_invoice_status(self, request: s.UpdateInvoiceStatusRequest, *, actor: Actor) -> s.Invoice:
        raise UnsupportedError("invoices are not available yet")

    def generate_invoices(self, request: s.GenerateInvoicesRequest, *, actor: Actor) -> s.GenerateInvoicesResponse:
        raise UnsupportedError("invoices are not available yet")
