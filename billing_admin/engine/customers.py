"""Customers: services (write) and selectors (read)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.audit import audit_describe
from billing_admin.errors import ConflictError, NotFoundError

from . import ids
from .accounts import account_create, account_to_schema
from .models import Customer


def flatten_address(address: dict | None) -> str:
    if not address:
        return ""
    parts = [address.get(k) for k in ("line1", "line2", "city", "state", "postalCode", "country")]
    return ", ".join(p for p in parts if p)[:1000]


def customer_to_schema(customer: Customer) -> s.Customer:
    return s.Customer(
        id=customer.customer_id,
        togaiCustomerId=customer.togai_id,
        name=customer.name,
        primaryEmail=customer.primary_email,
        billingAddress=flatten_address(customer.address),
        address=customer.address or None,
        status=customer.status,
        createdAt=customer.created_at,
        updatedAt=customer.updated_at,
    )


def customer_get(*, customer_id: str) -> Customer:
    customer = Customer.objects.filter(customer_id=customer_id).first()
    if customer is None:
        raise NotFoundError(f"customer '{customer_id}' not found; call list_customers to find ids")
    return customer


def customer_list(*, query: str | None = None) -> QuerySet[Customer]:
    customers = Customer.objects.all()
    if query:
        customers = customers.filter(
            Q(name__icontains=query) | Q(primary_email__icontains=query) | Q(customer_id__icontains=query)
        )
    return customers


def customer_create(*, request: s.CreateCustomerRequest, actor: Actor) -> s.CreateCustomerResponse:
    if Customer.objects.filter(customer_id=request.id).exists():
        raise ConflictError(f"customer '{request.id}' already exists; call get_customer or choose another id")
    address = request.address.model_dump(exclude_none=True) if request.address else {}
    customer = Customer.objects.create(
        customer_id=request.id,
        togai_id=ids.new_id("customer"),
        name=request.name,
        primary_email=request.primaryEmail,
        address=address,
    )
    audit_describe(
        actor=actor,
        action="create_customer",
        object_type="customer",
        object_id=customer.customer_id,
        summary=f"created customer {customer.name} ({customer.customer_id})",
        changes=request.model_dump(mode="json", exclude_none=True),
    )
    account = None
    if request.account is not None:
        first = request.account
        account = account_create(
            request=s.CreateAccountRequest(
                id=first.id,
                name=first.name,
                customerId=customer.customer_id,
                invoiceCurrency=first.invoiceCurrency,
                aliases=first.aliases,
                primaryEmail=first.primaryEmail or customer.primary_email,
                netTermDays=first.netTermDays,
                address=request.address,
            ),
            actor=actor,
        )
    body = customer_to_schema(customer).model_dump()
    return s.CreateCustomerResponse(**body, account=account_to_schema(account) if account else None)


def customer_update(*, request: s.UpdateCustomerRequest, actor: Actor) -> s.Customer:
    customer = customer_get(customer_id=request.customerId)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    changes = request.model_dump(mode="json", exclude_unset=True, exclude={"customerId", "idempotencyKey"})
    if "name" in changes and request.name is not None:
        customer.name = request.name
    if "primaryEmail" in changes and request.primaryEmail is not None:
        customer.primary_email = request.primaryEmail
    if "address" in changes:
        customer.address = request.address.model_dump(exclude_none=True) if request.address else {}
    customer.save()
    audit_describe(
        actor=actor,
        action="update_customer",
        object_type="customer",
        object_id=customer.customer_id,
        summary=f"updated customer {customer.customer_id}: {', '.join(changes) or 'nothing'}",
        changes=changes,
    )
    return customer_to_schema(customer)
