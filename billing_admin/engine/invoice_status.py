"""Moving a finalized invoice on: paid, voided (returning what credits and the wallet paid) or written
off as uncollectible."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum

from billing_admin.actors import Actor
from billing_admin.audit import audit_describe
from billing_admin.errors import InvalidStateError, NotFoundError
from billing_admin.money import from_minor
from billing_admin.schemas.invoices import InvoiceStatus

from .models import Credit, CreditTransaction, Invoice, WalletEntry
from .wallets import wallet_for_update, wallet_post

MOVES = {
    "DUE": {"PAID", "VOID", "UN_COLLECTIBLE"},
    "PARTIALLY_PAID": {"PAID", "VOID", "UN_COLLECTIBLE"},
    # A write-off is an opinion about collection, not a settlement: late money or a correction still lands.
    "UN_COLLECTIBLE": {"PAID", "VOID"},
}


def invoice_status_update(*, invoice_id: str, status: InvoiceStatus, reason: str, actor: Actor) -> Invoice:
    # The row lock makes two concurrent moves of one invoice happen one after the other.
    invoice = Invoice.objects.select_for_update().filter(invoice_id=invoice_id).first()
    if invoice is None:
        raise NotFoundError(f"invoice '{invoice_id}' not found; call list_invoices to find ids")
    if invoice.status == status:
        return invoice  # a repeat changes nothing more
    if status not in MOVES.get(invoice.status, set()):
        hint = "; close its cycle first with generate_invoices" if invoice.status == "DRAFT" else ""
        raise InvalidStateError(
            f"invoice '{invoice_id}' is {invoice.status} and cannot become {status}: DUE and PARTIALLY_PAID "
            f"invoices can be marked PAID, VOID or UN_COLLECTIBLE, UN_COLLECTIBLE ones PAID or VOID{hint}"
        )
    before = invoice.status
    if status == "PAID":
        invoice.paid_minor = invoice.total_minor
    elif status == "VOID":
        _give_back(invoice)
    invoice.status = status
    invoice.status_reason = reason
    invoice.save(update_fields=["status", "status_reason", "paid_minor", "updated_at"])
    audit_describe(
        actor=actor,
        action="update_invoice_status",
        object_type="invoice",
        object_id=invoice.invoice_id,
        summary=f"{invoice.invoice_id}: {before} -> {status} ({reason})",
        changes={"from": before, "to": status, "reason": reason},
    )
    return invoice


def _give_back(invoice: Invoice) -> None:
    """A voided invoice returns the credit it consumed and the wallet money it took."""
    used: defaultdict[int, int] = defaultdict(int)
    for credit_pk, kind, minor in CreditTransaction.objects.filter(invoice=invoice).values_list(
        "credit_id", "transaction_type", "amount_minor"
    ):
        used[credit_pk] += minor if kind == "DEBITED" else -minor
    for credit in Credit.objects.select_for_update().filter(pk__in=[k for k, v in used.items() if v > 0]):
        credit.consumed_minor -= used[credit.pk]
        if credit.status == "CONSUMED":
            credit.status = "ACTIVE"  # the expiry job retires it if its window has passed
        credit.save(update_fields=["consumed_minor", "status", "updated_at"])
        CreditTransaction.objects.create(
            credit=credit, transaction_type="CREDITED", amount_minor=used[credit.pk], invoice=invoice
        )
    entries = WalletEntry.objects.filter(wallet__account_id=invoice.account_id, entity_id=invoice.invoice_id)
    taken = entries.filter(transaction_type="DEBITED").aggregate(t=Sum("amount_minor"))["t"] or 0
    returned = entries.filter(transaction_type="CREDITED").aggregate(t=Sum("amount_minor"))["t"] or 0
    if taken > returned:
        wallet = wallet_for_update(invoice.account)
        entry = wallet_post(
            wallet,
            kind="CREDITED",
            minor=taken - returned,
            entity_id=invoice.invoice_id,
            description=f"Returned: {invoice.invoice_id} voided ({from_minor(taken - returned, invoice.currency)})",
        )
        entry.save()
        wallet.save(update_fields=["balance_minor", "updated_at"])
    invoice.paid_minor = 0
