"""An account's money trail: every credit movement and wallet entry, newest first, in one list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import F

from billing_admin.engine.models import Credit, CreditTransaction, WalletEntry
from billing_admin.money import from_minor

CREDIT_ENTRY = {
    "CREDITED": "Credit granted",
    "DEBITED": "Credit applied",
    "EXPIRED": "Credit expired",
    "VOIDED": "Credit voided",
}


@dataclass(frozen=True)
class LedgerEntry:
    at: datetime
    source: str  # "credit" | "wallet"
    kind: str  # CREDITED | DEBITED | EXPIRED | VOIDED
    label: str
    detail: str
    amount: Decimal  # signed: what the entry did to the balance
    currency: str
    wallet_after: Decimal | None  # the wallet's closing balance, for wallet entries


@dataclass(frozen=True)
class CreditLine:
    id: str
    purpose: str
    status: str
    currency: str
    amount: Decimal
    remaining: Decimal
    priority: int
    effective_from: date
    effective_until: date | None


def account_ledger(*, account_pk: int, limit: int = 25) -> list[LedgerEntry]:
    credit_rows = (
        CreditTransaction.objects.filter(credit__account_id=account_pk)
        .select_related("credit", "invoice")
        .order_by("-created_at", "-id")[:limit]
    )
    wallet_rows = WalletEntry.objects.filter(wallet__account_id=account_pk).select_related("wallet")
    entries = [
        LedgerEntry(
            at=t.created_at,
            source="credit",
            kind=t.transaction_type,
            label=CREDIT_ENTRY.get(t.transaction_type, t.transaction_type.title()),
            detail=t.credit.purpose + (f" · {t.invoice.invoice_id}" if t.invoice else ""),
            amount=from_minor(
                t.amount_minor if t.transaction_type == "CREDITED" else -t.amount_minor, t.credit.currency
            ),
            currency=t.credit.currency,
            wallet_after=None,
        )
        for t in credit_rows
    ] + [
        LedgerEntry(
            at=e.created_at,
            source="wallet",
            kind=e.transaction_type,
            label="Wallet top-up" if e.transaction_type == "CREDITED" else "Wallet payment",
            detail=e.description or e.entity_id,
            amount=from_minor(
                e.amount_minor if e.transaction_type == "CREDITED" else -e.amount_minor, e.wallet.currency
            ),
            currency=e.wallet.currency,
            wallet_after=from_minor(e.closing_balance_minor, e.wallet.currency),
        )
        for e in wallet_rows.order_by("-created_at", "-id")[:limit]
    ]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def active_credits(*, account_pk: int, limit: int = 10) -> list[CreditLine]:
    """Credits that can still pay for something, in the order they are applied."""
    remaining = F("amount_minor") - F("consumed_minor") - F("hold_minor")
    credits = (
        Credit.objects.filter(account_id=account_pk, status="ACTIVE")
        .annotate(remaining_minor=remaining)
        .order_by("priority", F("effective_until").asc(nulls_last=True), "id")[:limit]
    )
    return [
        CreditLine(
            id=c.credit_id,
            purpose=c.purpose,
            status=c.status,
            currency=c.currency,
            amount=from_minor(c.amount_minor, c.currency),
            remaining=from_minor(c.remaining_minor, c.currency),
            priority=c.priority,
            effective_from=c.effective_from,
            effective_until=c.effective_until,
        )
        for c in credits
    ]
