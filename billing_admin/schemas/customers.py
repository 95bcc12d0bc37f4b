from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .common import ID_PATTERN, Address, Currency, Page, PageRequest, Request, Response, WriteRequest

CustomerStatus = Literal["ACTIVE", "ARCHIVED"]


class NewAccount(BaseModel):
    """The optional first account created together with a customer."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(max_length=512, pattern=ID_PATTERN, description="Your id for the account, e.g. acc_987.")
    name: str = Field(min_length=3, max_length=255, description="Account name, e.g. 'Acme - Production'.")
    invoiceCurrency: Currency | None = Field(
        default=None, description="ISO-4217 currency the account is invoiced in; default the organisation's."
    )
    aliases: list[str] = Field(
        default_factory=list, max_length=10, description="Other ids events may use for this account."
    )
    primaryEmail: str | None = Field(default=None, max_length=320, description="Billing email of the account.")
    netTermDays: int | None = Field(default=None, ge=0, le=365, description="Days until an invoice is due.")


class CreateCustomerRequest(WriteRequest):
    id: str = Field(max_length=50, pattern=ID_PATTERN, description="Your id for the customer, e.g. cust_123.")
    name: str = Field(min_length=3, max_length=255, description="Customer (company) name, e.g. 'Acme Corp'.")
    primaryEmail: str = Field(
        max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="Primary billing email."
    )
    address: Address | None = Field(default=None, description="Billing address.")
    account: NewAccount | None = Field(default=None, description="Optionally create the first account too.")


class Customer(Response):
    id: str = Field(description="The customer's id.")
    togaiCustomerId: str = Field(description="Internal id of the customer.")
    name: str = Field(description="Customer name.")
    primaryEmail: str = Field(description="Primary billing email.")
    billingAddress: str = Field(description="The address flattened to one line.")
    address: Address | None = Field(default=None, description="Billing address.")
    status: CustomerStatus = Field(description="ACTIVE or ARCHIVED.")
    createdAt: datetime = Field(description="When the customer was created.")
    updatedAt: datetime = Field(description="When the customer last changed.")


class CreateCustomerResponse(Customer):
    account: Account | None = Field(default=None, description="The first account, when one was created.")


class GetCustomerRequest(Request):
    customerId: str = Field(max_length=50, description="The customer's id, e.g. cust_123 (see list_customers).")


class CustomerWithAccounts(Customer):
    accounts: list[Account] = Field(description="The customer's accounts.")


class UpdateCustomerRequest(WriteRequest):
    customerId: str = Field(max_length=50, description="The customer's id, e.g. cust_123.")
    name: str | None = Field(default=None, min_length=3, max_length=255, description="New name.")
    primaryEmail: str | None = Field(
        default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="New primary email."
    )
    address: Address | None = Field(default=None, description="New billing address (replaces the old one).")


class ListCustomersRequest(PageRequest):
    query: str | None = Field(
        default=None, max_length=255, description="Only customers whose name, email or id contains this text."
    )


CustomerPage = Page[Customer]

from .accounts import Account  # noqa: E402  (Account and Customer refer to each other)

CreateCustomerResponse.model_rebuild()
CustomerWithAccounts.model_rebuild()
