"""Closing billing cycles into finalized invoices, in batches, and opening the next cycles.

A close locks its cycle rows FOR UPDATE; ingestion holds them FOR SHARE while it adds an event.
So an event either committed before the close (and is on this invoice) or sees the cycle CLOSED
afterwards and is refused: each event lands in exactly one invoice. Running it twice changes
nothing: a CLOSED cycle is skipped.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from billing_admin.actors import Actor
from billing_admin.money import from_minor, to_minor

from .billing_cycles import cycles_open_unstarted, rows_insert, rows_update, successors_ensure
from .credits import APPLY_ORDER, allocate, credit_applies, credits_expire
from .invoice_lines import line
from .invoicing import cycles_price, invoice_tree
from .models import (
    Account,
    AuditLog,
    BillingCycle,
    Credit,
    CreditTransaction,
    Invoice,
    Wallet,
    WalletEntry,
)
from .wallets import wallet_net

BATCH = 500


def invoices_generate(*, as_of: datetime, actor: Actor, account: Account | None = None) -> list[str]:
    """Close every cycle whose grace period is over (or, for one account, every ended cycle), open
    the cycles after them, and return the invoice ids finalized."""
    cycles_open_unstarted(as_of=as_of, account=account)
    finalized: list[str] = []
    while True:
        due = BillingCycle.objects.filter(status="OPEN")
        due = due.filter(account=account, end__lte=as_of) if account else due.filter(grace_ends__lte=as_of)
        pks = list(due.order_by("end", "pk").values_list("pk", flat=True)[:BATCH])
        if not pks:
            break
        finalized.extend(cycles_close(cycle_pks=pks, as_of=as_of, actor=actor))
    # Cycles that ended but are still in their grace period get their successor now, so the new
    # period already has its DRAFT invoice and feature grants.
    ended = BillingCycle.objects.filter(status="OPEN", end__lte=as_of)
    if account:
        ended = ended.filter(account=account)
    for start in range(0, ended.count(), BATCH):
        with transaction.atomic():
            successors_ensure(list(ended.order_by("pk")[start : start + BATCH]))
    credits_expire(as_of=as_of, account_pks=[account.pk] if account else None)
    return finalized


def cycles_close(*, cycle_pks: list[int], as_of: datetime, actor: Actor) -> list[str]:
    with transaction.atomic():
        accounts = set(BillingCycle.objects.filter(pk__in=cycle_pks).values_list("account_id", flat=True))
        # Account first, then cycles (the engine's lock order); a plan change waits for this close.
        # NO KEY UPDATE, not UPDATE: ingestion's foreign-key checks take KEY SHARE on the account while
        # it holds its cycle FOR SHARE, and a full UPDATE lock here would deadlock against that.
        list(Account.objects.select_for_update(no_key=True).filter(pk__in=accounts).order_by("pk").values_list("pk"))
        cycles = list(
            BillingCycle.objects.select_for_update(of=("self",), no_key=True)
            .select_related("assignment__plan", "account")
            .filter(pk__in=cycle_pks, status="OPEN")
            .order_by("pk")
        )
        if not cycles:
            return []
        invoices = {i.cycle_id: i for i in Invoice.objects.select_related("account").filter(cycle__in=cycles)}
        priced = cycles_price(cycles)
        credits = defaultdict(list)
        for credit in (
            Credit.objects.select_for_update().filter(account_id__in=accounts, status="ACTIVE").order_by(*APPLY_ORDER)
        ):
            credits[credit.account_id].append(credit)
        wallets = {w.account_id: w for w in Wallet.objects.select_for_update().filter(account_id__in=accounts)}
        book = _Book()
        for cycle in sorted(cycles, key=lambda c: (c.account_id, c.start)):
            book.finalize(cycle, invoices[cycle.pk], priced[cycle.pk], credits[cycle.account_id], wallets, as_of)
        book.save(cycles, wallets, actor)
        BillingCycle.objects.filter(pk__in=[c.pk for c in cycles]).update(status="CLOSED", closed_at=as_of)
        successors_ensure(cycles)
        return [i.invoice_id for i in book.invoices]


class _Book:
    """What one batch of closes writes, collected so each table gets one bulk statement."""

    def __init__(self) -> None:
        self.invoices: list[Invoice] = []
        self.credits: dict[int, Credit] = {}
        self.credit_rows: list[CreditTransaction] = []
        self.wallet_rows: list[WalletEntry] = []

    def finalize(self, cycle, invoice, priced, credits, wallets, as_of) -> None:  # noqa: ANN001
        cur = cycle.currency
        billables = [(b, cat, to_minor(v, cur)) for b, cat, v in priced.billables]
        usable = [c for c in credits if credit_applies(c, cycle)]
        applied = allocate(
            [(c.pk, c.amount_minor - c.consumed_minor - c.hold_minor, c.applicable_entity_ids) for c in usable],
            billables,
        )
        credit_lines = []
        for credit in usable:
            minor = applied.get(credit.pk, 0)
            if not minor:
                continue
            credit.consumed_minor += minor
            if credit.consumed_minor + credit.hold_minor >= credit.amount_minor:
                credit.status = "CONSUMED"
            self.credits[credit.pk] = credit
            self.credit_rows.append(
                CreditTransaction(credit=credit, transaction_type="DEBITED", amount_minor=minor, invoice=invoice)
            )
            value = -from_minor(minor, cur)
            credit_lines.append(line("SUB_CREDITS", credit.purpose, value, cur, id=credit.credit_id))
        net = to_minor(priced.gross, cur) - sum(applied.values())
        paid, entry = 0, None
        wallet = wallets.get(cycle.account_id)
        if wallet is not None:
            paid, entry = wallet_net(wallet, invoice, net)
        if entry is not None:
            self.wallet_rows.append(entry)
        invoice.line_items = invoice_tree(priced, cur, credit_lines, paid)
        invoice.total_minor = net
        invoice.paid_minor = paid
        invoice.status = "PAID" if paid >= net else ("PARTIALLY_PAID" if paid else "DUE")
        invoice.end_date = cycle.end
        invoice.finalized_at = as_of
        invoice.due_date = as_of + timedelta(days=invoice.net_term_days)
        invoice.updated_at = as_of
        self.invoices.append(invoice)

    def save(self, cycles, wallets, actor: Actor) -> None:  # noqa: ANN001
        fields = ["line_items", "total_minor", "paid_minor", "status", "end_date", "finalized_at", "due_date"]
        for invoice in self.invoices:
            invoice.sequence_id = f"INV-{invoice.pk:08d}"
        rows_update(Invoice, self.invoices, [*fields, "sequence_id", "updated_at"])
        if self.credits:
            for credit in self.credits.values():
                credit.updated_at = timezone.now()
            rows_update(Credit, list(self.credits.values()), ["consumed_minor", "status", "updated_at"])
        CreditTransaction.objects.bulk_create(self.credit_rows)
        if self.wallet_rows:
            touched = {e.wallet_id for e in self.wallet_rows}
            rows_update(Wallet, [w for w in wallets.values() if w.pk in touched], ["balance_minor"])
            WalletEntry.objects.bulk_create(self.wallet_rows)
        rows_insert(
            AuditLog,
            [
                {
                    "actor_kind": actor.kind,
                    "actor_name": actor.name[:255],
                    "door": actor.door,
                    "user_id": actor.user_id,
                    "token_id": actor.token_id,
                    "action": "generate_invoices",
                    "object_type": "invoice",
                    "object_id": i.invoice_id,
                    "summary": f"finalized {i.invoice_id} for {i.account.account_id}: "
                    f"{from_minor(i.total_minor, i.currency)} {i.currency}, {i.status}",
                    "changes": {"status": i.status, "totalMinor": i.total_minor, "paidMinor": i.paid_minor},
                }
                for i in self.invoices
            ],
        )
