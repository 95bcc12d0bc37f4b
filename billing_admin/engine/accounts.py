"""Billing accounts and their aliases: services (write) and selectors (read)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.audit import audit_describe
from billing_admin.errors import ConflictError, InvalidInputError, NotFoundError

from . import ids
from .models import Account, AccountAlias, Customer


def account_resolve(ref: str, *, field: str = "accountId") -> Account:
    """The account named by id or alias, or a NotFoundError that says where to look."""
    account = Account.objects.select_related("customer").filter(account_id=ref).first()
    if account is None:
        alias = AccountAlias.objects.select_related("account__customer").filter(alias=ref).first()
        account = alias.account if alias else None
    if account is None:
        raise NotFoundError(
            f"account '{ref}' not found; call list_accounts to find ids", details={"fields": {field: "not found"}}
        )
    return account


def account_list(
    *, customer_id: str | None = None, status: str | None = None, query: str | None = None
) -> QuerySet[Account]:
    accounts = Account.objects.select_related("customer").prefetch_related("aliases")
    if customer_id:
        accounts = accounts.filter(customer__customer_id=customer_id)
    if status:
        accounts = accounts.filter(status=status)
    if query:
        accounts = accounts.filter(Q(name__icontains=query) | Q(account_id__icontains=query))
    return accounts


def account_to_schema(account: Account) -> s.Account:
    from .assignments import assignment_current

    current = assignment_current(account=account)
    return s.Account(
        id=account.account_id,
        togaiAccountId=account.togai_id,
        customerId=account.customer.customer_id,
        togaiCustomerId=account.customer.togai_id,
        name=account.name,
        invoiceCurrency=account.invoice_currency,
        aliases=[s.accounts.AccountAlias(alias=a.alias) for a in account.aliases.all()],
        netTermDays=account.net_term_days,
        address=account.address or None,
        primaryEmail=account.primary_email or None,
        status=account.status,
        metadata=account.metadata,
        tags=account.tags,
        pricePlanId=current.plan.plan_id if current else None,
        createdAt=account.created_at,
        updatedAt=account.updated_at,
    )


def _check_aliases(aliases: list[str], *, account: Account | None = None) -> None:
    taken = AccountAlias.objects.filter(alias__in=aliases)
    others = Account.objects.filter(account_id__in=aliases)
    if account is not None:
        taken = taken.exclude(account=account)
        others = others.exclude(pk=account.pk)
    clash = set(taken.values_list("alias", flat=True)) | set(others.values_list("account_id", flat=True))
    if clash:
        raise InvalidInputError.for_field("aliases", f"already used by another account: {', '.join(sorted(clash))}")


def account_create(*, request: s.CreateAccountRequest, actor: Actor) -> Account:
    customer = Customer.objects.filter(customer_id=request.customerId).first()
    if customer is None:
        raise NotFoundError(
            f"customer '{request.customerId}' not found; call list_customers or create_customer first",
            details={"fields": {"customerId": "not found"}},
        )
    if Account.objects.filter(account_id=request.id).exists() or AccountAlias.objects.filter(alias=request.id).exists():
        raise ConflictError(f"account '{request.id}' already exists; call get_account or choose another id")
    if request.pricePlanId is None and request.effectiveFrom is not None:
        raise InvalidInputError.for_field("effectiveFrom", "only valid together with pricePlanId")
    _check_aliases(request.aliases)
    account = Account.objects.create(
        account_id=request.id,
        togai_id=ids.new_id("account"),
        customer=customer,
        name=request.name,
        invoice_currency=request.invoiceCurrency or settings.BILLING_CURRENCY,
        primary_email=request.primaryEmail or "",
        address=request.address.model_dump(exclude_none=True) if request.address else {},
        net_term_days=request.netTermDays if request.netTermDays is not None else 30,
        metadata=request.metadata or {},
        tags=sorted({t.lower() for t in request.tags or []}),
        status=request.status,
    )
    AccountAlias.objects.bulk_create([AccountAlias(alias=a, account=account) for a in dict.fromkeys(request.aliases)])
    audit_describe(
        actor=actor,
        action="create_account",
        object_type="account",
        object_id=account.account_id,
        summary=f"created account {account.name} ({account.account_id}) for {customer.customer_id}",
        changes=request.model_dump(mode="json", exclude_none=True),
    )
    if request.pricePlanId:
        from .assignments import assignment_change

        assignment_change(
            account=account, plan_ref=request.pricePlanId, effective_from=request.effectiveFrom, actor=actor
        )
    return account


def account_update(*, request: s.UpdateAccountRequest, actor: Actor) -> Account:
    account = Account.objects.select_for_update(no_key=True).get(pk=account_resolve(request.accountId).pk)
    changes = request.model_dump(mode="json", exclude_unset=True, exclude={"accountId", "idempotencyKey"})
    if request.pricePlanId is None and request.effectiveFrom is not None:
        raise InvalidInputError.for_field("effectiveFrom", "only valid together with pricePlanId")
    if request.invoiceCurrency and request.invoiceCurrency != account.invoice_currency:
        if account.invoices.exclude(status="DRAFT").exists() or account.cycles.exists():
            raise InvalidInputError.for_field(
                "invoiceCurrency", "cannot change once the account has billing cycles; create a new account"
            )
        account.invoice_currency = request.invoiceCurrency
    for field, column in (("name", "name"), ("status", "status"), ("netTermDays", "net_term_days")):
        value = getattr(request, field)
        if value is not None:
            setattr(account, column, value)
    if request.primaryEmail is not None:
        account.primary_email = request.primaryEmail
    if "address" in changes:
        account.address = request.address.model_dump(exclude_none=True) if request.address else {}
    if request.metadata is not None:
        account.metadata = request.metadata
    if request.tags is not None:
        account.tags = sorted({t.lower() for t in request.tags})
    account.save()
    audit_describe(
        actor=actor,
        action="update_account",
        object_type="account",
        object_id=account.account_id,
        summary=f"updated account {account.account_id}: {', '.join(changes) or 'nothing'}",
        changes=changes,
    )
    if request.pricePlanId:
        from .assignments import assignment_change

        assignment_change(
            account=account, plan_ref=request.pricePlanId, effective_from=request.effectiveFrom, actor=actor
        )
    return account
