from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from .common import (
    ID_PATTERN,
    Address,
    Amount,
    Currency,
    Page,
    PageRequest,
    Quantity,
    Request,
    Response,
    UtcDatetime,
    WriteRequest,
)
from .invoices import CloseFailure
from .wallets import Credit

AccountStatus = Literal["ACTIVE", "DRAFT", "ARCHIVED"]


class AccountAlias(Response):
    alias: str = Field(description="An alias events may use instead of the account id.")


class Account(Response):
    id: str = Field(description="The account's id.")
    togaiAccountId: str = Field(description="Internal id of the account.")
    customerId: str = Field(description="The owning customer's id.")
    togaiCustomerId: str = Field(description="Internal id of the owning customer.")
    name: str = Field(description="Account name.")
    invoiceCurrency: str = Field(description="ISO-4217 currency the account is invoiced in.")
    aliases: list[AccountAlias] = Field(default_factory=list, description="Aliases of the account.")
    netTermDays: int = Field(description="Days until an invoice is due.")
    address: Address | None = Field(default=None, description="Billing address.")
    primaryEmail: str | None = Field(default=None, description="Billing email.")
    status: AccountStatus = Field(description="ACTIVE, DRAFT or ARCHIVED.")
    metadata: dict[str, str] = Field(default_factory=dict, description="Free-form key/value pairs.")
    tags: list[str] = Field(default_factory=list, description="Lower-case tags.")
    pricePlanId: str | None = Field(default=None, description="The plan in effect now, if any.")
    createdAt: datetime = Field(description="When the account was created.")
    updatedAt: datetime = Field(description="When the account last changed.")


class _AccountFields(WriteRequest):
    invoiceCurrency: Currency | None = Field(
        default=None, description="ISO-4217 currency the account is invoiced in; default the organisation's."
    )
    primaryEmail: str | None = Field(default=None, max_length=320, description="Billing email of the account.")
    address: Address | None = Field(default=None, description="Billing address.")
    netTermDays: int | None = Field(default=None, ge=0, le=365, description="Days until an invoice is due.")
    metadata: dict[str, str] | None = Field(
        default=None, description="Free-form key/value pairs; on update it replaces the whole map ({} clears)."
    )
    tags: list[str] | None = Field(default=None, max_length=20, description="Tags, stored lower-case.")
    pricePlanId: str | None = Field(
        default=None, description="Assign this price plan (see list_price_plans); needs effectiveFrom."
    )
    effectiveFrom: UtcDatetime | None = Field(
        default=None, description="When the plan assignment starts (ISO-8601, UTC without an offset); default now."
    )


class CreateAccountRequest(_AccountFields):
    id: str = Field(max_length=512, pattern=ID_PATTERN, description="Your id for the account, e.g. acc_987.")
    name: str = Field(min_length=3, max_length=255, description="Account name.")
    customerId: str = Field(max_length=50, description="The owning customer's id (see list_customers).")
    aliases: list[str] = Field(
        default_factory=list, max_length=10, description="Other ids events may use for this account."
    )
    status: Literal["ACTIVE", "DRAFT"] = Field(default="ACTIVE", description="ACTIVE (default) or DRAFT.")


class UpdateAccountRequest(_AccountFields):
    accountId: str = Field(max_length=512, description="The account's id or alias (see list_accounts).")
    name: str | None = Field(default=None, min_length=3, max_length=255, description="New name.")
    status: AccountStatus | None = Field(default=None, description="ACTIVE, DRAFT or ARCHIVED.")


class GetAccountRequest(Request):
    accountId: str = Field(max_length=512, description="The account's id or alias, e.g. acc_987.")


class ListAccountsRequest(PageRequest):
    customerId: str | None = Field(default=None, max_length=50, description="Only this customer's accounts.")
    status: AccountStatus | None = Field(default=None, description="Only accounts in this status.")
    query: str | None = Field(default=None, max_length=255, description="Only accounts whose name or id contains this.")


AccountPage = Page[Account]


class MeterUsage(Response):
    usageMeterId: str = Field(description="The usage meter's id.")
    name: str = Field(description="The meter's name.")
    quantity: Quantity = Field(description="Units metered in the current cycle.")


class CurrentCycle(Response):
    startDate: datetime = Field(description="Cycle start (inclusive).")
    endDate: datetime = Field(description="Cycle end (exclusive).")
    invoiceId: str | None = Field(default=None, description="The live DRAFT invoice of this cycle.")
    chargesSoFar: Amount | None = Field(
        default=None, description="What the cycle has cost so far; null when it could not be computed."
    )
    chargesError: str | None = Field(
        default=None, description="Why the charges so far could not be computed from this account's usage data."
    )
    currency: str = Field(description="Currency of the charges.")
    usage: list[MeterUsage] = Field(default_factory=list, description="Usage per meter in this cycle.")


class OutstandingInvoice(Response):
    id: str = Field(description="Invoice id.")
    status: str = Field(description="DUE or PARTIALLY_PAID.")
    totalAmount: Amount = Field(description="Invoice total.")
    dueAmount: Amount = Field(description="What is still owed.")
    currency: str = Field(description="Currency.")
    dueDate: datetime | None = Field(default=None, description="When payment is due.")


class PlanRef(Response):
    id: str = Field(description="Price plan id.")
    name: str = Field(description="Price plan name.")
    effectiveFrom: datetime = Field(description="When the assignment started.")


class AccountDetail(Account):
    """An account with its whole financial picture."""

    pricePlan: PlanRef | None = Field(default=None, description="The plan in effect now.")
    currentCycle: CurrentCycle | None = Field(default=None, description="The open billing cycle.")
    walletBalance: Amount = Field(default=Decimal(0), description="Prepaid wallet balance.")
    creditBalance: Amount = Field(default=Decimal(0), description="Granted credit still available.")
    availableBalance: Amount = Field(default=Decimal(0), description="Wallet plus credits.")
    credits: list[Credit] = Field(
        default_factory=list, description="Credits still active (not consumed, expired or voided), in apply order."
    )
    outstandingInvoices: list[OutstandingInvoice] = Field(
        default_factory=list, description="Invoices that are DUE or PARTIALLY_PAID."
    )
    outstandingAmount: Amount = Field(default=Decimal(0), description="Sum still owed on those invoices.")
    closeFailures: list[CloseFailure] = Field(
        default_factory=list,
        description="Cycles of this account that could not be closed into invoices; they stay OPEN until fixed.",
    )
