"""Customers and accounts: the same answers from both backends."""

from __future__ import annotations

import pytest

from billing_admin import schemas as s
from billing_admin.errors import ConflictError, InvalidInputError, NotFoundError


def test_a_customer_is_created_with_its_first_account(acme):
    assert acme.id == "cust_123" and acme.status == "ACTIVE"
    assert acme.togaiCustomerId.startswith("customer.")
    assert acme.address.city == "Florence"
    assert acme.account.id == "acc_987" and acme.account.aliases[0].alias == "acme-prod"


def test_a_customer_is_read_back_with_its_accounts(backend, actor, acme):
    customer = backend.get_customer(s.GetCustomerRequest(customerId="cust_123"), actor=actor)
    assert customer.name == "Acme Corp"
    assert [a.id for a in customer.accounts] == ["acc_987"]
    assert customer.createdAt == acme.createdAt


def test_a_taken_customer_id_is_a_conflict(backend, actor, acme):
    with pytest.raises(ConflictError, match="already exists"):
        backend.create_customer(
            s.CreateCustomerRequest(id="cust_123", name="Other Corp", primaryEmail="o@other.example"), actor=actor
        )


def test_an_unknown_customer_is_not_found(backend, actor):
    with pytest.raises(NotFoundError, match="nobody"):
        backend.get_customer(s.GetCustomerRequest(customerId="nobody"), actor=actor)


def test_updating_a_customer_keeps_what_was_not_sent(backend, actor, acme):
    updated = backend.update_customer(
        s.UpdateCustomerRequest(customerId="cust_123", name="Acme Corporation"), actor=actor
    )
    assert updated.name == "Acme Corporation" and updated.primaryEmail == "billing@acme.example"


def test_customers_page_with_next_tokens_and_filter_by_query(backend, actor):
    for n in range(3):
        backend.create_customer(
            s.CreateCustomerRequest(id=f"c_{n}", name=f"Customer {n}", primaryEmail=f"c{n}@x.example"), actor=actor
        )
    first = backend.list_customers(s.ListCustomersRequest(pageSize=2), actor=actor)
    assert [c.id for c in first.data] == ["c_0", "c_1"] and first.nextToken
    rest = backend.list_customers(s.ListCustomersRequest(pageSize=2, nextToken=first.nextToken), actor=actor)
    assert [c.id for c in rest.data] == ["c_2"] and rest.nextToken is None
    found = backend.list_customers(s.ListCustomersRequest(query="Customer 1"), actor=actor)
    assert [c.id for c in found.data] == ["c_1"]


def test_accounts_are_created_listed_updated_and_read(backend, actor, acme):
    created = backend.create_account(
        s.CreateAccountRequest(id="acc_2", name="Acme Staging", customerId="cust_123", invoiceCurrency="EUR"),
        actor=actor,
    )
    assert created.invoiceCurrency == "EUR" and created.status == "ACTIVE"
    page = backend.list_accounts(s.ListAccountsRequest(customerId="cust_123"), actor=actor)
    assert [a.id for a in page.data] == ["acc_2", "acc_987"]
    updated = backend.update_account(s.UpdateAccountRequest(accountId="acc_2", netTermDays=45), actor=actor)
    assert updated.netTermDays == 45
    detail = backend.get_account(s.GetAccountRequest(accountId="acme-prod"), actor=actor)
    assert detail.id == "acc_987" and detail.availableBalance == 0


def test_an_invalid_account_currency_is_refused_naming_the_field(backend, actor, acme):
    with pytest.raises((InvalidInputError, NotFoundError)):
        backend.create_account(
            s.CreateAccountRequest(id="acc_3", name="Acme Three", customerId="cust_missing"), actor=actor
        )
