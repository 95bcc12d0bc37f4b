"""The billing service interface: one method per operation in `operations.OPERATIONS`, named as the
tool, taking the operation's request schema and the acting `Actor`, returning its response schema.

Two backends implement it: the embedded engine (default) and the hosted Togai API client.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from pydantic import BaseModel, ValidationError

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.errors import InvalidInputError, NotFoundError
from billing_admin.operations import BY_NAME
from billing_admin.schemas.nul import NUL_PROBLEM, may_hold_nul, nul_events, nul_path


class BillingService(Protocol):
    # customers and accounts
    def list_customers(self, request: s.ListCustomersRequest, *, actor: Actor) -> s.CustomerPage: ...
    def get_customer(self, request: s.GetCustomerRequest, *, actor: Actor) -> s.CustomerWithAccounts: ...
    def create_customer(self, request: s.CreateCustomerRequest, *, actor: Actor) -> s.CreateCustomerResponse: ...
    def update_customer(self, request: s.UpdateCustomerRequest, *, actor: Actor) -> s.Customer: ...
    def list_accounts(self, request: s.ListAccountsRequest, *, actor: Actor) -> s.AccountPage: ...
    def get_account(self, request: s.GetAccountRequest, *, actor: Actor) -> s.AccountDetail: ...
    def create_account(self, request: s.CreateAccountRequest, *, actor: Actor) -> s.Account: ...
    def update_account(self, request: s.UpdateAccountRequest, *, actor: Actor) -> s.Account: ...
    # metering
    def create_usage_meter(self, request: s.CreateUsageMeterRequest, *, actor: Actor) -> s.UsageMeter: ...
    def list_usage_meters(self, request: s.ListUsageMetersRequest, *, actor: Actor) -> s.UsageMeterPage: ...
    def ingest_event(self, request: s.IngestEventRequest, *, actor: Actor) -> s.IngestEventResponse: ...
    def ingest_batch_events(self, request: s.IngestBatchRequest, *, actor: Actor) -> s.IngestBatchResponse: ...
    def list_events(self, request: s.ListEventsRequest, *, actor: Actor) -> s.EventPage: ...
    def get_metrics(self, request: s.GetMetricsRequest, *, actor: Actor) -> s.GetMetricsResponse: ...
    # pricing and invoicing
    def create_price_plan(self, request: s.CreatePricePlanRequest, *, actor: Actor) -> s.PricePlan: ...
    def list_price_plans(self, request: s.ListPricePlansRequest, *, actor: Actor) -> s.PricePlanPage: ...
    def list_rate_cards(self, request: s.ListRateCardsRequest, *, actor: Actor) -> s.RateCardList: ...
    def list_invoices(self, request: s.ListInvoicesRequest, *, actor: Actor) -> s.InvoicePage: ...
    def get_invoice(self, request: s.GetInvoiceRequest, *, actor: Actor) -> s.Invoice: ...
    def update_invoice_status(self, request: s.UpdateInvoiceStatusRequest, *, actor: Actor) -> s.Invoice: ...
    def generate_invoices(self, request: s.GenerateInvoicesRequest, *, actor: Actor) -> s.GenerateInvoicesResponse: ...
    # money on account
    def get_wallet_balance(self, request: s.GetWalletBalanceRequest, *, actor: Actor) -> s.WalletBalance: ...
    def top_up_wallet(self, request: s.TopUpWalletRequest, *, actor: Actor) -> s.WalletBalance: ...
    def grant_credit(self, request: s.GrantCreditRequest, *, actor: Actor) -> s.GrantCreditResponse: ...
    def void_credit(self, request: s.VoidCreditRequest, *, actor: Actor) -> s.wallets.Credit: ...
    def check_entitlement(self, request: s.CheckEntitlementRequest, *, actor: Actor) -> s.EntitlementCheck: ...
    def get_entitlements(self, request: s.GetEntitlementsRequest, *, actor: Actor) -> s.Entitlements: ...


if TYPE_CHECKING:
    from billing_admin.engine.backend import EngineOps
    from billing_admin.togai.backend import TogaiOps

    # mypy holds both backends to the interface: the services as a whole where `_backend` returns them,
    # and their own operations here, beneath the money-move ceilings that wrap three of them.
    _engine_ops: type[BillingService] = EngineOps
    _togai_ops: type[BillingService] = TogaiOps


@cache
def _backend(name: str) -> BillingService:
    from billing_admin.boundary import Boundary

    if name == "togai":
        from billing_admin.togai.backend import TogaiService

        return Boundary(TogaiService.from_settings())
    from billing_admin.engine.backend import EngineService

    return Boundary(EngineService())


def get_service() -> BillingService:
    """The backend settings choose (BILLING_BACKEND=engine, the default, or togai), behind the boundary
    that keeps idempotency records and the audit row of every write (`billing_admin.boundary`)."""
    return _backend(settings.BILLING_BACKEND)


def field_path(parts: Iterable[str | int]) -> str:  # pydantic's loc tuple
    """`rateCards[0].rateCardDetails`: list positions in brackets, as the engine's own messages name them."""
    path = ""
    for part in parts:
        if part == "":
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def validation_error(exc: ValidationError, *, prefix: str = "") -> InvalidInputError:
    """A pydantic error as a field-level InvalidInputError: `event.timestamp: invalid datetime`."""
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        path = field_path((prefix, *error["loc"]))
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field; remove it"
        elif error["type"] == "missing":
            message = "required"
        fields.setdefault(path or "request", message)
    return InvalidInputError.for_fields(fields)


def parse_request(operation: str, payload: dict[str, Any] | BaseModel) -> BaseModel:
    op = BY_NAME.get(operation)
    if op is None:
        raise NotFoundError(f"unknown operation '{operation}'")
    if isinstance(payload, op.request):
        return payload
    try:
        return op.request.model_validate(payload, context=_nul_refused(operation, payload))
    except ValidationError as exc:
        raise validation_error(exc) from None


def _nul_refused(operation: str, payload: Any) -> dict[str, Any] | None:
    """Refuse arguments holding a NUL character (PostgreSQL cannot store one) with a field error, as the
    REST API does; a batch instead names the events that hold one and keeps the rest."""
    if not may_hold_nul(payload):
        return None
    if operation == "ingest_batch_events" and isinstance(payload, dict) and isinstance(payload.get("events"), list):
        where = nul_path({key: value for key, value in payload.items() if key != "events"})
        refused = nul_events(payload["events"])
        context = {"refused_events": refused} if refused else None
    else:
        where, context = nul_path(payload), None
    if where is not None:
        raise InvalidInputError.for_field(where or "arguments", NUL_PROBLEM)
    return context


def call(
    operation: str, payload: dict[str, Any] | BaseModel, *, actor: Actor, service: BillingService | None = None
) -> BaseModel:
    """Validate `payload` against the operation's request schema and run it behind the boundary: the
    one entry point the doors share."""
    from billing_admin.boundary import behind_boundary

    request = parse_request(operation, payload)
    backend = behind_boundary(service) if service is not None else get_service()
    return getattr(backend, operation)(request, actor=actor)
