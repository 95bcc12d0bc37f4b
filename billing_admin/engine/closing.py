"""Closing billing cycles into finalized invoices, in batches, and opening the next cycles.

A close locks its cycle rows FOR UPDATE; ingestion holds them FOR SHARE while it adds an event.
So an event either committed before the close (and is on this invoice) or sees the cycle CLOSED
afterwards and is refused: each event lands in exactly one invoice. Running it twice changes
nothing: a CLOSED cycle is skipped.

One account's data never stops the others: a cycle that cannot be priced keeps its account's cycles
from it on OPEN and is recorded (close_failures.py) while the batch closes the rest; should a batch
fail anyway, each account is closed again in its own transaction, so the failure stays with the
account that caused it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from billing_admin.actors import Actor
from billing_admin.audit import audit_rows
from billing_admin.errors import AccountDataError
from billing_admin.money import from_minor, to_minor

from .billing_cycles import cycles_open_unstarted, rows_insert, rows_update, successors_ensure
from .close_failures import ACCOUNT_FAILURES, close_failure_record, close_failures_clear, failure_of
from .credits import APPLY_ORDER, allocate, credit_applies, credits_expire
from .invoice_lines import PricedCycle, line
from .invoicing import cycles_price, invoice_tree
from .models import (
    Account,
    AuditLog,
    BillingCycle,
    CloseFailure,
    Credit,
    CreditTransaction,
    Invoice,
    Wallet,
    WalletEntry,
)
from .wallets import wallet_net

BATCH = 500


@dataclass
class CloseRun:
    """What a close finalized, and the cycles it had to leave OPEN with why."""

    invoice_ids: list[str] = field(default_factory=list)
    failures: list[CloseFailure] = field(default_factory=list)

    def add(self, other: CloseRun) -> None:
        self.invoice_ids.extend(other.invoice_ids)
        self.failures.extend(other.failures)


def invoices_generate(*, as_of: datetime, actor: Actor, account: Account | None = None) -> CloseRun:
    """Close every cycle whose grace period is over (or, for one account, every ended cycle), open
    the cycles after them, and return the invoice ids finalized and the accounts that failed."""
    cycles_open_unstarted(as_of=as_of, account=account)
    run = CloseRun()
    failed: set[int] = set()
    while True:
        due = BillingCycle.objects.filter(status="OPEN")
        due = due.filter(account=account, end__lte=as_of) if account else due.filter(grace_ends__lte=as_of)
        if failed:
            # A failed account's later cycles wait for the one that failed: an account closes in order.
            due = due.exclude(account_id__in=failed)
        pks = list(due.order_by("end", "pk").values_list("pk", flat=True)[:BATCH])
        if not pks:
            break
        batch = cycles_close(cycle_pks=pks, as_of=as_of, actor=actor)
        run.add(batch)
        failed.update(f.account_id for f in batch.failures)
    # Cycles that ended but are still in their grace period get their successor now, so the new
    # period already has its DRAFT invoice and feature grants.
    ended = BillingCycle.objects.filter(status="OPEN", end__lte=as_of)
    if account:
        ended = ended.filter(account=account)
    for start in range(0, ended.count(), BATCH):
        with transaction.atomic():
            successors_ensure(list(ended.order_by("pk")[start : start + BATCH]))
    credits_expire(as_of=as_of, account_pks=[account.pk] if account else None)
    return run


def cycles_close(*, cycle_pks: list[int], as_of: datetime, actor: Actor) -> CloseRun:
    blocked: dict[int, tuple[BillingCycle, AccountDataError]] = {}
    try:
        with transaction.atomic():
            run = CloseRun(_close_batch(cycle_pks, as_of, actor, blocked))
    except ACCOUNT_FAILURES as exc:
        return _close_apart(cycle_pks, as_of, actor, exc)
    for cycle, error in blocked.values():
        run.failures.append(close_failure_record(cycle, error, actor=actor))
    return run


def _close_apart(cycle_pks: list[int], as_of: datetime, actor: Actor, exc: Exception) -> CloseRun:
    """The batch failed: close each account alone (one cycle at a time for a single account) until the
    failing cycle is the only one left, and record it."""
    cycles = list(
        BillingCycle.objects.select_related("account").filter(pk__in=cycle_pks, status="OPEN").order_by("start", "pk")
    )
    if not cycles:
        raise exc
    if len(cycles) == 1:
        return CloseRun(failures=[close_failure_record(cycles[0], failure_of(cycles[0], exc), actor=actor)])
    by_account: dict[int, list[int]] = defaultdict(list)
    for cycle in cycles:
        by_account[cycle.account_id].append(cycle.pk)
    run = CloseRun()
    if len(by_account) > 1:
        for pks in by_account.values():
            run.add(cycles_close(cycle_pks=pks, as_of=as_of, actor=actor))
        return run
    for cycle in cycles:
        part = cycles_close(cycle_pks=[cycle.pk], as_of=as_of, actor=actor)
        run.add(part)
        if part.failures:
            break  # its later cycles wait for this one
    return run


def _close_batch(cycle_pks: list[int], as_of: datetime, actor: Actor, blocked: dict) -> list[str]:
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
    priced = cycles_price(cycles)
    for cycle in sorted(cycles, key=lambda c: c.start):
        error = priced[cycle.pk]
        if isinstance(error, AccountDataError) and cycle.account_id not in blocked:
            blocked[cycle.account_id] = (cycle, error)
    # The blocked account's cycles before the failing one still close; it and those after wait.
    cycles = [c for c in cycles if c.account_id not in blocked or c.start < blocked[c.account_id][0].start]
    if not cycles:
        return []
    accounts = {c.account_id for c in cycles}
    invoices = {i.cycle_id: i for i in Invoice.objects.select_related("account").filter(cycle__in=cycles)}
    credits = defaultdict(list)
    for credit in (
        Credit.objects.select_for_update().filter(account_id__in=accounts, status="ACTIVE").order_by(*APPLY_ORDER)
    ):
        credits[credit.account_id].append(credit)
    wallets = {w.account_id: w for w in Wallet.objects.select_for_update().filter(account_id__in=accounts)}
    book = _Book()
    for cycle in sorted(cycles, key=lambda c: (c.account_id, c.start)):
        charges = priced[cycle.pk]
        assert isinstance(charges, PricedCycle)  # a cycle that could not be priced was left OPEN above
        book.finalize(cycle, invoices[cycle.pk], charges, credits[cycle.account_id], wallets, as_of)
    book.save(cycles, wallets, actor)
    closed = [c.pk for c in cycles]
    BillingCycle.objects.filter(pk__in=closed).update(status="CLOSED", closed_at=as_of)
    close_failures_clear(closed)
    successors_ensure(cycles)
    return [i.invoice_id for i in book.invoices]


class _Book:
    """What one batch of closes writes, collected so each table gets one bulk statement."""

    def __init__(self) -> None:
        self.invoices: list[Invoice] = []
        self.credits: dict[int, Credit] = {}
        self.credit_rows: list[CreditTransaction] = []
        self.wallet_rows: list[WalletEntry] = []

    def finalize(
        self,
        cycle: BillingCycle,
        invoice: Invoice,
        priced: PricedCycle,
        credits: list[Credit],
        wallets: dict[int, Wallet],
        as_of: datetime,
    ) -> None:
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

    def save(self, cycles: list[BillingCycle], wallets: dict[int, Wallet], actor: Actor) -> None:
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
            audit_rows(
                actor=actor,
                action="generate_invoices",
                entries=(
                    (
                        "invoice",
                        i.invoice_id,
                        f"finalized {i.invoice_id} for {i.account.account_id}: "
                        f"{from_minor(i.total_minor, i.currency)} {i.currency}, {i.status}",
                        {"status": i.status, "totalMinor": i.total_minor, "paidMinor": i.paid_minor},
                    )
                    for i in self.invoices
                ),
            ),
        )
