from __future__ import annotations

import pytest

from billing_admin import schemas as s
from billing_admin.engine.models import Account, AuditLog, Customer
from billing_admin.errors import ConflictError, InvalidInputError, NotFoundError
from billing_admin.service import call

pytestmark = pytest.mark.django_db


def test_creating_a_customer_with_a_first_account_creates_both_in_one_audit_row(customer):
    assert customer.id == "cust_123"
    assert customer.account.id == "acc_987"
    assert customer.account.aliases[0].alias == "acme-prod"
    (row,) = AuditLog.objects.all()
    assert (row.action, row.object_id, row.door) == ("create_customer", "cust_123", "page")
    assert "acc_987" in row.summary
    assert [also["action"] for also in row.changes["also"]] == ["create_account"]


def test_a_customer_id_cannot_be_taken_twice(service, actor, customer):
    with pytest.raises(ConflictError, match="already exists"):
        service.create_customer(
            s.CreateCustomerRequest(id="cust_123", name="Other Corp", primaryEmail="x@y.example"), actor=actor
        )


def test_a_bad_nested_account_writes_neither_customer_nor_account(actor):
    with pytest.raises(InvalidInputError) as info:
        call(
            "create_customer",
            {
                "id": "cust_9",
                "name": "Nine Ltd",
                "primaryEmail": "a@b.example",
                "account": {"id": "acc_9", "name": "Nine", "invoiceCurrency": "XXX"},
            },
            actor=actor,
        )
    assert "account.invoiceCurrency" in info.value.details["fields"]
    assert not Customer.objects.exists() and not Account.objects.exists()


def test_an_alias_clash_in_a_nested_account_rolls_back_the_customer(service, actor, customer):
    with pytest.raises(InvalidInputError, match="acme-prod"):
        service.create_customer(
            s.CreateCustomerRequest(
                id="cust_2",
                name="Two Ltd",
                primaryEmail="a@two.example",
                account={"id": "acc_2", "name": "Two main", "aliases": ["acme-prod"]},
            ),
            actor=actor,
        )
    assert not Customer.objects.filter(customer_id="cust_2").exists()


def test_unknown_fields_are_refused_by_name(actor):
    with pytest.raises(InvalidInputError) as info:
        call(
            "create_customer", {"id": "c1", "name": "Acme", "primaryEmail": "a@b.example", "colour": "red"}, actor=actor
        )
    assert info.value.details["fields"] == {"colour": "unknown field; remove it"}


def test_customers_are_listed_in_pages_with_a_query(service, actor):
    for n in range(5):
        service.create_customer(
            s.CreateCustomerRequest(id=f"c{n}", name=f"Firm {n}", primaryEmail=f"f{n}@x.example"), actor=actor
        )
    first = service.list_customers(s.ListCustomersRequest(pageSize=2), actor=actor)
    second = service.list_customers(s.ListCustomersRequest(pageSize=2, nextToken=first.nextToken), actor=actor)
    third = service.list_customers(s.ListCustomersRequest(pageSize=2, nextToken=second.nextToken), actor=actor)
    assert [c.id for c in first.data + second.data + third.data] == ["c0", "c1", "c2", "c3", "c4"]
    assert third.nextToken is None
    assert [c.id for c in service.list_customers(s.ListCustomersRequest(query="firm 3"), actor=actor).data] == ["c3"]


def test_a_garbled_page_token_is_a_field_error(service, actor):
    with pytest.raises(InvalidInputError, match="nextToken"):
        service.list_customers(s.ListCustomersRequest(nextToken="%%%"), actor=actor)


def test_updating_a_customer_changes_only_given_fields(service, actor, customer):
    updated = service.update_customer(
        s.UpdateCustomerRequest(customerId="cust_123", name="Acme Corporation"), actor=actor
    )
    assert updated.name == "Acme Corporation"
    assert updated.primaryEmail == "billing@acme.example"
    assert AuditLog.objects.filter(action="update_customer", object_id="cust_123").count() == 1


def test_an_unknown_customer_says_where_to_look(service, actor):
    with pytest.raises(NotFoundError, match="list_customers"):
        service.get_customer(s.GetCustomerRequest(customerId="nope"), actor=actor)


def test_get_customer_lists_its_accounts(service, actor, customer):
    found = service.get_customer(s.GetCustomerRequest(customerId="cust_123"), actor=actor)
    assert [a.id for a in found.accounts] == ["acc_987"]


def test_accounts_resolve_by_alias_and_filter_by_customer_and_status(service, actor, customer):
    service.create_account(
        s.CreateAccountRequest(id="acc_2", name="Acme Staging", customerId="cust_123", status="DRAFT", tags=["Beta"]),
        actor=actor,
    )
    assert service.get_account(s.GetAccountRequest(accountId="acme-prod"), actor=actor).id == "acc_987"
    drafts = service.list_accounts(s.ListAccountsRequest(customerId="cust_123", status="DRAFT"), actor=actor)
    assert [(a.id, a.tags) for a in drafts.data] == [("acc_2", ["beta"])]


def test_updating_an_account_replaces_metadata_and_keeps_the_rest(service, actor, customer):
    service.update_account(s.UpdateAccountRequest(accountId="acc_987", metadata={"po": "42"}), actor=actor)
    cleared = service.update_account(s.UpdateAccountRequest(accountId="acc_987", metadata={}), actor=actor)
    assert cleared.metadata == {} and cleared.name == "Acme Production"


def test_an_idempotency_key_replays_the_first_result_and_refuses_other_arguments(service, actor):
    request = s.CreateCustomerRequest(id="c7", name="Seven Ltd", primaryEmail="s@x.example", idempotencyKey="k1")
    first = service.create_customer(request, actor=actor)
    again = service.create_customer(request, actor=actor)
    assert again == first and Customer.objects.count() == 1
    with pytest.raises(ConflictError, match="idempotencyKey"):
        service.create_customer(request.model_copy(update={"name": "Other Ltd"}), actor=actor)
