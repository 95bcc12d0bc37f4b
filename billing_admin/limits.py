"""Ceilings on money moves: a credit, a wallet top-up or an invoice status change above its ceiling
needs a second finance admin (four-eyes). One person, one token or one tool call cannot move more.

The rule lives in the backends themselves (`MoneyCeilings` is the first base of both), so every door
that reaches a backend is held to it: REST, MCP, the tool console, the chat and the pages. Above the
ceiling the write is refused with `AboveLimitError`; the dashboard and the chat turn that refusal
into a pending approval (`billing_admin.approvals`), which a different finance admin may approve, and
only then does the write run, through `MoneyCeilings.run_approved`.

Ceilings are in the units of the currency the money moves in (the account's invoice currency for a
credit or top-up, the invoice's currency for a status change): `BILLING_MAX_CREDIT_AMOUNT`,
`BILLING_MAX_TOPUP_AMOUNT`, `BILLING_MAX_INVOICE_AMOUNT` apply to every currency alike, and
`BILLING_MAX_AMOUNT_BY_CURRENCY` (e.g. `JPY=15000000`) replaces all three for one currency whose unit is
far from the others'. An empty value means no ceiling. Amounts are never converted between currencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pydantic import BaseModel

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.audit import audit_refusal
from billing_admin.errors import PermissionDeniedError
from billing_admin.money import exponent, money_str, quantize

SETTING_FOR = {
    "grant_credit": "BILLING_MAX_CREDIT_AMOUNT",
    "top_up_wallet": "BILLING_MAX_TOPUP_AMOUNT",
    "update_invoice_status": "BILLING_MAX_INVOICE_AMOUNT",
}
DEFAULT_CEILING = "100000"
SETTLEABLE = {"DUE", "PARTIALLY_PAID", "UN_COLLECTIBLE"}


@dataclass(frozen=True)
class MoneyMove:
    """What a write would move: how much, in which currency, to or on what, against which ceiling."""

    operation: str
    amount: Decimal
    currency: str
    ceiling: Decimal
    target: str  # the account or invoice id

    def describe(self) -> str:
        return (
            f"amount {display(self.amount, self.currency)} is above the {display(self.ceiling, self.currency)} "
            f"limit for {self.operation}"
        )


class AboveLimitError(PermissionDeniedError):
    """The amount is above the operation's ceiling: only a second finance admin's approval can run it."""

    code = "above_limit"

    def __init__(self, move: MoneyMove, request: BaseModel) -> None:
        super().__init__(
            f"{move.describe()}; a second finance admin must approve it in the dashboard",
            details={
                "operation": move.operation,
                "amount": money_str(move.amount, move.currency),
                "currency": move.currency,
                "limit": money_str(move.ceiling, move.currency),
            },
        )
        self.move = move
        self.request = request


def display(amount: Decimal, currency: str) -> str:
    """1,000,000,000.00 USD: grouped, at the currency's precision."""
    places = exponent(currency)
    return f"{quantize(amount, currency):,.{places}f} {currency}"


def _parse(raw: Any, name: str) -> Decimal | None:
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = Decimal(str(raw).strip().replace("_", "").replace(",", ""))
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be an amount such as 100000, not {raw!r}") from None
    if not value.is_finite() or value < 0:
        raise ImproperlyConfigured(f"{name} must be 0 or more, not {raw!r}")
    return value


def ceiling_for(operation: str, currency: str) -> Decimal | None:
    """The ceiling of `operation` in `currency`, or None when there is none."""
    by_currency = getattr(settings, "BILLING_MAX_AMOUNT_BY_CURRENCY", None) or {}
    upper = {str(code).upper(): value for code, value in by_currency.items()}
    if currency.upper() in upper:
        return _parse(upper[currency.upper()], f"BILLING_MAX_AMOUNT_BY_CURRENCY[{currency.upper()}]")
    name = SETTING_FOR[operation]
    return _parse(getattr(settings, name, DEFAULT_CEILING), name)


def _lowest_ceiling(operation: str) -> Decimal | None:
    """The smallest ceiling `operation` has in any currency: an amount at or below it is within every one,
    so the account's currency need not be looked up."""
    by_currency = getattr(settings, "BILLING_MAX_AMOUNT_BY_CURRENCY", None) or {}
    values = [_parse(getattr(settings, SETTING_FOR[operation], DEFAULT_CEILING), SETTING_FOR[operation])]
    values += [_parse(v, f"BILLING_MAX_AMOUNT_BY_CURRENCY[{k}]") for k, v in by_currency.items()]
    if any(v is None for v in values):
        return None  # some currency has no ceiling: look the currency up
    return min(v for v in values if v is not None)


class MoneyCeilings:
    """The first base of every backend: the three money moves check their ceiling, then run."""

    def grant_credit(self, request: s.GrantCreditRequest, *, actor: Actor) -> s.GrantCreditResponse:
        self.hold_to_ceiling("grant_credit", request, actor)
        return super().grant_credit(request, actor=actor)  # type: ignore[misc]

    def top_up_wallet(self, request: s.TopUpWalletRequest, *, actor: Actor) -> s.WalletBalance:
        self.hold_to_ceiling("top_up_wallet", request, actor)
        return super().top_up_wallet(request, actor=actor)  # type: ignore[misc]

    def update_invoice_status(self, request: s.UpdateInvoiceStatusRequest, *, actor: Actor) -> s.Invoice:
        self.hold_to_ceiling("update_invoice_status", request, actor)
        return super().update_invoice_status(request, actor=actor)  # type: ignore[misc]

    def run_approved(self, operation: str, request: BaseModel, *, actor: Actor) -> BaseModel:
        """Run a money move a second finance admin approved: the backend's own write, past its ceiling.
        Only `billing_admin.approvals` calls this, after checking the approval."""
        if operation not in SETTING_FOR:
            raise PermissionDeniedError(f"{operation} is not a money move that takes an approval")
        return getattr(super(), operation)(request, actor=actor)

    def money_move_above_limit(self, operation: str, request: BaseModel, *, actor: Actor) -> MoneyMove | None:
        """The move `request` would make when it is above its ceiling, else None (also for other writes)."""
        if operation not in SETTING_FOR:
            return None
        if operation == "update_invoice_status":
            return self._invoice_move(request, actor)  # type: ignore[arg-type]
        amount = request.creditAmount if operation == "grant_credit" else request.topupAmount  # type: ignore[attr-defined]
        lowest = _lowest_ceiling(operation)
        if lowest is not None and amount <= lowest:
            return None
        account_id = request.accountId  # type: ignore[attr-defined]
        balance = self.get_wallet_balance(s.GetWalletBalanceRequest(accountId=account_id), actor=actor)  # type: ignore[attr-defined]
        ceiling = ceiling_for(operation, balance.currency)
        if ceiling is None or amount <= ceiling:
            return None
        return MoneyMove(operation, amount, balance.currency, ceiling, account_id)

    def _invoice_move(self, request: s.UpdateInvoiceStatusRequest, actor: Actor) -> MoneyMove | None:
        """Marking an invoice paid or uncollectible settles what is outstanding; voiding it reverses the
        whole total (what credits and the wallet paid comes back). A repeat of its status moves nothing."""
        invoice = self.get_invoice(s.GetInvoiceRequest(invoiceId=request.invoiceId), actor=actor)  # type: ignore[attr-defined]
        if invoice.status == request.status or invoice.status not in SETTLEABLE:
            return None  # nothing moves, or the backend refuses the move itself and says why
        amount = invoice.totalAmount if request.status == "VOID" else invoice.totalAmount - invoice.paidAmount
        ceiling = ceiling_for("update_invoice_status", invoice.currency)
        if ceiling is None or amount <= ceiling:
            return None
        return MoneyMove("update_invoice_status", amount, invoice.currency, ceiling, request.invoiceId)

    def hold_to_ceiling(self, operation: str, request: BaseModel, actor: Actor) -> None:
        """Refuse (and audit the refusal) when `request` is above its ceiling."""
        move = self.money_move_above_limit(operation, request, actor=actor)
        if move is None:
            return
        # Kept when the write's transaction rolls back: the refusal is what happened.
        audit_refusal(
            actor=actor,
            action="limit_refused",
            object_type="invoice" if operation == "update_invoice_status" else "account",
            object_id=move.target,
            summary=f"{operation} refused: {move.describe()}",
            changes={"operation": operation, "request": request.model_dump(mode="json", exclude_none=True)},
        )
        raise AboveLimitError(move, request)
