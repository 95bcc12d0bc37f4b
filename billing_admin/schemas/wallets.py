from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from .common import Amount, Day, Request, Response, WriteRequest


class GetWalletBalanceRequest(Request):
    accountId: str = Field(max_length=512, description="The account's id or alias, e.g. acc_987.")


class WalletBalance(Response):
    accountId: str = Field(description="The account.")
    currency: str = Field(description="Currency of every amount here.")
    walletBalance: Amount = Field(description="Prepaid wallet money.")
    creditBalance: Amount = Field(description="Granted credit not yet used or expired.")
    availableBalance: Amount = Field(description="walletBalance + creditBalance.")
    holdAmount: Amount = Field(description="Earmarked for the open cycle's charges so far.")


class TopUpWalletRequest(WriteRequest):
    accountId: str = Field(max_length=512, description="The account's id or alias.")
    topupAmount: Decimal = Field(gt=0, max_digits=18, decimal_places=6, description="Amount to add, > 0.")
    description: str | None = Field(default=None, max_length=255, description="Ledger note.")


class GrantCreditRequest(WriteRequest):
    accountId: str = Field(max_length=512, description="The account's id or alias (see list_accounts).")
    creditAmount: Decimal = Field(
        gt=0, max_digits=18, decimal_places=6, description="Amount in the account's invoice currency, > 0."
    )
    purpose: str = Field(min_length=3, max_length=255, description="Why the credit is granted.")
    effectiveFrom: Day | None = Field(default=None, description="First day it applies (default today).")
    effectiveUntil: Day | None = Field(default=None, description="Last day it applies (default never expires).")
    priority: int = Field(default=50, ge=1, le=100, description="1-100; lower is applied first.")
    applicableEntityIds: list[str] = Field(
        default_factory=list, description="Billable ids it may pay for; empty = the whole invoice."
    )


class Credit(Response):
    id: str = Field(description="Credit id.")
    accountId: str = Field(description="The account.")
    customerId: str = Field(description="The customer.")
    purpose: str = Field(description="Why it was granted.")
    status: str = Field(description="ACTIVE, CONSUMED, EXPIRED or VOIDED.")
    creditUnit: str = Field(description="Currency.")
    creditAmount: Amount = Field(description="Amount granted.")
    consumedAmount: Amount = Field(description="Used so far.")
    holdAmount: Amount = Field(description="Earmarked for the open cycle.")
    remainingAmount: Amount = Field(description="Still available.")
    priority: int = Field(description="Lower is applied first.")
    effectiveFrom: date = Field(description="First day it applies.")
    effectiveUntil: date | None = Field(default=None, description="Last day it applies.")
    applicableEntityIds: list[str] = Field(default_factory=list, description="What it may pay for.")
    createdAt: datetime = Field(description="When granted.")


class GrantCreditResponse(Response):
    credit: Credit = Field(description="The credit granted.")
    balance: WalletBalance = Field(description="The account's balance after the grant.")


class VoidCreditRequest(WriteRequest):
    creditId: str = Field(max_length=40, description="The credit's id (from grant_credit or get_account).")
    reason: str = Field(min_length=3, max_length=500, description="Why the credit is voided, for the audit log.")
