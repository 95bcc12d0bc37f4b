from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from .common import Amount, Page, PageRequest, Quantity, Request, Response, UtcDatetime, WriteRequest

InvoiceStatus = Literal["DRAFT", "DUE", "PAID", "PARTIALLY_PAID", "VOID", "UN_COLLECTIBLE"]


class ListInvoicesRequest(PageRequest):
    accountId: str | None = Field(default=None, max_length=512, description="Only this account's invoices.")
    customerId: str | None = Field(default=None, max_length=50, description="Only this customer's invoices.")
    status: InvoiceStatus | None = Field(
        default=None, description="DRAFT = open cycles with charges so far; DUE = finalized and unpaid."
    )
    startTime: UtcDatetime | None = Field(default=None, description="Only invoices whose period ends after this.")
    endTime: UtcDatetime | None = Field(default=None, description="Only invoices whose period starts before this.")


class InvoiceSummary(Response):
    id: str = Field(description="Invoice id.")
    customerId: str = Field(description="Customer id.")
    ownerId: str = Field(description="Account id.")
    pricePlanId: str | None = Field(default=None, description="Plan that priced it.")
    invoiceClass: str = Field(default="INVOICE", description="INVOICE.")
    invoiceType: str = Field(description="STANDARD, or AD_HOC.")
    status: InvoiceStatus = Field(description="Status.")
    finalizingStatus: str | None = Field(default=None, description="FINALIZED once DUE.")
    currency: str = Field(description="Currency of the amounts.")
    totalAmount: Amount = Field(description="Total to pay.")
    paidAmount: Amount = Field(description="Paid so far.")
    netTermDays: int = Field(description="Days to pay.")
    startDate: datetime = Field(description="Period start.")
    endDate: datetime = Field(description="Period end (exclusive).")
    invoiceDate: datetime = Field(description="Invoice date.")
    dueDate: datetime | None = Field(default=None, description="Due date.")
    updatedAt: datetime = Field(description="Last change.")
    computationError: str | None = Field(
        default=None,
        description="Set when this DRAFT's charges could not be computed from its account's stored usage: the "
        "amounts are then the last stored ones. Only this account is affected; correct its usage data.",
    )


InvoicePage = Page[InvoiceSummary]


class LineItem(Response):
    description: str = Field(description="What the line is.")
    type: str = Field(description="Line type, e.g. USAGE_RATE_CARD_AMOUNT.")
    value: Amount = Field(description="Amount of the line.")
    quantity: Quantity | None = Field(default=None, description="Units, where the line has them.")
    valuePerQuantity: Decimal | None = Field(default=None, description="Rate, where the line has one.")
    id: str | None = Field(default=None, description="The billable it refers to.")
    metadata: dict[str, str] | None = Field(default=None, description="Extra facts, e.g. packageQuantity.")
    lineItems: list[LineItem] = Field(default_factory=list, description="Child lines.")


class Invoice(InvoiceSummary):
    revenueInfo: LineItem | None = Field(default=None, description="The line-item tree.")
    statusReason: str = Field(default="", description="Why the status was last changed.")


class GetInvoiceRequest(Request):
    invoiceId: str = Field(description="The invoice id (see list_invoices).")


class UpdateInvoiceStatusRequest(WriteRequest):
    invoiceId: str = Field(description="The invoice id (see list_invoices).")
    status: Literal["PAID", "VOID", "UN_COLLECTIBLE"] = Field(
        description="New status; only from DUE or PARTIALLY_PAID. VOID returns applied credit and wallet money."
    )
    reason: str = Field(min_length=3, max_length=500, description="Why, for the audit log.")


class GenerateInvoicesRequest(WriteRequest):
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["accountId"], "properties": {"accountId": {"type": "string", "description": "One."}}},
                {"required": ["all"], "properties": {"all": {"const": True, "description": "Every account."}}},
            ]
        }
    )

    accountId: str | None = Field(
        default=None,
        max_length=512,
        description="Close this account's ended cycles now, without waiting for the grace period. Leave it out "
        "only together with all=true.",
    )
    all: bool = Field(
        default=False,
        validate_default=True,
        description="true: close every account's cycles whose grace period is over (what the scheduled job does). "
        "Required when accountId is left out, so an empty call never closes every account by accident.",
    )
    asOf: UtcDatetime | None = Field(
        default=None,
        description="Close as of this past moment (default: now); cannot be in the future. Only cycles that had "
        "ended by then are closed, so a month that has not ended is never closed; invoices are dated asOf.",
    )

    @field_validator("all")
    @classmethod
    def _one_scope(cls, value: bool, info: ValidationInfo) -> bool:
        if "accountId" not in info.data:
            return value  # accountId itself was refused
        if value and info.data["accountId"]:
            raise ValueError("leave it out when accountId is given: one account, or every account")
        if not value and not info.data["accountId"]:
            raise ValueError("send accountId to close one account's cycles, or all=true to close every due cycle")
        return value

    @field_validator("asOf")
    @classmethod
    def _not_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value > timezone.now():
            raise ValueError("cannot be in the future; leave it out to close as of now")
        return value


class CloseFailure(Response):
    accountId: str = Field(description="The account whose cycle could not be closed.")
    cycleStart: datetime = Field(description="Start of the cycle left OPEN.")
    cycleEnd: datetime = Field(description="End of the cycle left OPEN.")
    code: str = Field(description="Error code, e.g. account_data_error.")
    message: str = Field(description="What went wrong and what to do.")
    failedAt: datetime = Field(description="When the last attempt failed.")
    attempts: int = Field(description="Attempts that failed so far.")


class GenerateInvoicesResponse(Response):
    closedCycles: int = Field(description="Cycles closed into DUE invoices.")
    invoiceIds: list[str] = Field(description="Invoices finalized (first 200).")
    failed: list[CloseFailure] = Field(
        default_factory=list,
        description="Accounts whose cycles could not be closed on this run (first 200); every other account "
        "was closed. Their cycles stay OPEN until a later run closes them.",
    )
