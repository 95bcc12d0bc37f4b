"""The prepaid wallet: one per account, an append-only ledger, and the balance row writers lock.

balance = credited - consumed (the running `balance_minor`), available = balance - held.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.audit import audit_describe
from billing_admin.money import from_minor

from . import ids
from .credits import exact_minor
from .models import Account, Credit, Invoice, Wallet, WalletEntry


def wallet_for_update(account: Account) -> Wallet:
    """The account's wallet row, locked: concurrent top-ups, grants and invoice netting on one
    account queue here, so each reads the balance the previous one wrote (no lost update)."""
    wallet = Wallet.objects.select_for_update().filter(account=account).first()
    if wallet is not None:
        return wallet
    try:
        with transaction.atomic():
            Wallet.objects.create(wallet_id=ids.new_id("wallet"), account=account, currency=account.invoice_currency)
    except IntegrityError:
        pass  # a concurrent first top-up created it; lock that one
    return Wallet.objects.select_for_update().get(account=account)


def wallet_post(
    wallet: Wallet, *, kind: str, minor: int, entity_id: str = "", description: str = "", key: str | None = None
) -> WalletEntry:
    """Post one ledger entry to a locked wallet and move its running balance with it."""
    wallet.balance_minor += minor if kind == "CREDITED" else -minor
    entry = WalletEntry(
        wallet=wallet,
        transaction_type=kind,
        amount_minor=minor,
        closing_balance_minor=wallet.balance_minor,
        entity_id=entity_id,
        description=description[:255],
        idempotency_key=key,
    )
    return entry


def wallet_top_up(*, request: s.TopUpWalletRequest, account: Account, actor: Actor) -> s.WalletBalance:
    currency = account.invoice_currency
    minor = exact_minor(request.topupAmount, currency, field="topupAmount")
    wallet = wallet_for_update(account)
    entry = wallet_post(
        wallet,
        kind="CREDITED",
        minor=minor,
        description=request.description or "Top-up",
        key=request.idempotencyKey,
    )
    entry.save()
    wallet.save(update_fields=["balance_minor", "updated_at"])
    audit_describe(
        actor=actor,
        action="top_up_wallet",
        object_type="wallet",
        object_id=wallet.wallet_id,
        summary=f"topped up {account.account_id}'s wallet by {from_minor(minor, currency)} {currency}",
        changes=request.model_dump(mode="json", exclude_none=True),
    )
    return balance_of(account, wallet)


def wallet_net(wallet: Wallet, invoice: Invoice, due_minor: int) -> tuple[int, WalletEntry | None]:
    """Pay what the locked wallet can of an invoice; returns (minor applied, unsaved ledger entry)."""
    available = wallet.balance_minor - wallet.hold_minor
    if wallet.status != "ACTIVE" or available <= 0 or due_minor <= 0 or wallet.currency != invoice.currency:
        return 0, None
    take = min(available, due_minor)
    entry = wallet_post(
        wallet, kind="DEBITED", minor=take, entity_id=invoice.invoice_id, description=f"Paid {invoice.invoice_id}"
    )
    return take, entry


def _balance_sql() -> str:
    qn = connection.ops.quote_name
    wallet, credit = qn(Wallet._meta.db_table), qn(Credit._meta.db_table)
    return (
        f"SELECT w.currency, w.balance_minor, w.hold_minor, "
        f"(SELECT SUM(c.amount_minor - c.consumed_minor - c.hold_minor) FROM {credit} c "
        f"WHERE c.account_id = %s AND c.status = 'ACTIVE' AND c.effective_from <= %s "
        f"AND (c.effective_until IS NULL OR c.effective_until >= %s)) "
        f"FROM (SELECT 1 AS one) o LEFT JOIN {wallet} w ON w.account_id = %s"
    )


def balance_of(account: Account, wallet: Wallet | None = None) -> s.WalletBalance:
    """Wallet and credit balances in one statement. Callers check funds before every request, so this
    is written as plain SQL: compiling the equivalent ORM query costs more than running it."""
    today = connection.ops.adapt_datefield_value(timezone.now().date())
    with connection.cursor() as cursor:
        cursor.execute(_balance_sql(), [account.pk, today, today, account.pk])
        currency, balance, held, credit = cursor.fetchone()
    if wallet is not None:
        currency, balance, held = wallet.currency, wallet.balance_minor, wallet.hold_minor
    currency = currency or account.invoice_currency
    held = held or 0
    in_wallet = (balance or 0) - held
    credit = int(credit or 0)
    return s.WalletBalance(
        accountId=account.account_id,
        currency=currency,
        walletBalance=from_minor(in_wallet, currency),
        creditBalance=from_minor(credit, currency),
        availableBalance=from_minor(in_wallet + credit, currency),
        holdAmount=from_minor(held, currency),
    )
