"""The operation list: every billing tool once, with its schemas, kind and a description written for
a model reader. The service interface, the MCP server, the REST API's OpenAPI document and the chat
panel's tool console are all generated from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from billing_admin import schemas as s

Kind = Literal["read", "write"]


@dataclass(frozen=True)
class Operation:
    name: str
    kind: Kind
    request: type[BaseModel]
    response: type[BaseModel]
    title: str
    description: str
    idempotent: bool = False  # a repeat with the same arguments changes nothing more
    destructive: bool = False  # may overwrite or remove what exists

    @property
    def is_write(self) -> bool:
        return self.kind == "write"


def _op(
    name: str,
    kind: Kind,
    request: type[BaseModel],
    response: type[BaseModel],
    title: str,
    description: str,
    *,
    idempotent: bool = False,
    destructive: bool = False,
) -> Operation:
    return Operation(name, kind, request, response, title, " ".join(description.split()), idempotent, destructive)


OPERATIONS: tuple[Operation, ...] = (
    _op(
        "list_customers",
        "read",
        s.ListCustomersRequest,
        s.CustomerPage,
        "List customers",
        """List customers, newest ids first by id order, optionally filtered by `query` (name, email or id
        contains). Use it to find a customerId before get_customer, create_account or list_invoices.""",
    ),
    _op(
        "get_customer",
        "read",
        s.GetCustomerRequest,
        s.CustomerWithAccounts,
        "Get a customer",
        """One customer with its billing accounts. Call list_customers first if you only know the name.""",
    ),
    _op(
        "create_customer",
        "write",
        s.CreateCustomerRequest,
        s.CreateCustomerResponse,
        "Create a customer",
        """Create a customer (the company billed), optionally with its first account in `account`. The key
        path is create_customer -> create_usage_meter -> create_price_plan -> assign the plan with
        create_account/update_account -> ingest_event -> list_invoices.""",
        idempotent=True,
    ),
    _op(
        "update_customer",
        "write",
        s.UpdateCustomerRequest,
        s.Customer,
        "Update a customer",
        """Change a customer's name, primary email or address. Fields left out stay as they are.""",
        idempotent=True,
        destructive=True,
    ),
    _op(
        "list_accounts",
        "read",
        s.ListAccountsRequest,
        s.AccountPage,
        "List accounts",
        """List billing accounts, optionally only one customer's (customerId) or one status. Use it to find
        an accountId for ingest_event, get_account, grant_credit or get_wallet_balance.""",
    ),
    _op(
        "get_account",
        "read",
        s.GetAccountRequest,
        s.AccountDetail,
        "Get an account",
        """An account's whole financial picture: plan and current cycle, usage and charges so far, wallet
        and credit balances, outstanding invoices. accountId may be an alias.""",
    ),
    _op(
        "create_account",
        "write",
        s.CreateAccountRequest,
        s.Account,
        "Create an account",
        """Create a billing account under an existing customer (get the customerId from list_customers).
        Pass pricePlanId (from list_price_plans) and effectiveFrom to assign a plan at once; the plan must
        support the account's invoiceCurrency.""",
        idempotent=True,
    ),
    _op(
        "update_account",
        "write",
        s.UpdateAccountRequest,
        s.Account,
        "Update an account",
        """Change an account's name, status, currency, terms, contact, metadata or tags, or assign a price
        plan (pricePlanId + effectiveFrom): a change mid-cycle closes the old schedule and opens the new
        one.""",
        idempotent=True,
        destructive=True,
    ),
    _op(
        "create_usage_meter",
        "write",
        s.CreateUsageMeterRequest,
        s.UsageMeter,
        "Create a usage meter",
        """Create an ACTIVE usage meter over an event schema: COUNT counts matching events, SUM adds up a
        JsonLogic computation such as {"var":"attribute.units"}. A schema that does not exist is created
        from the attribute and dimension names the meter uses. Then reference the meter id in a USAGE rate
        card of create_price_plan.""",
        idempotent=True,
    ),
    _op(
        "list_usage_meters",
        "read",
        s.ListUsageMetersRequest,
        s.UsageMeterPage,
        "List usage meters",
        """List usage meters with their ids, schemas and computations. Use it to find a usageMeterId for a
        rate card or a metrics filter.""",
    ),
    _op(
        "create_price_plan",
        "write",
        s.CreatePricePlanRequest,
        s.PricePlan,
        "Create a price plan",
        """Create and finalize a price plan in one call: cycle config plus rate cards (USAGE with
        TIERED/VOLUME slabs referencing a usage meter id from list_usage_meters, FIXED_FEE,
        BILLING_ENTITLEMENT, ENTITLEMENT_OVERAGE, CREDIT_GRANT, MINIMUM_COMMITMENT), one rate per supported
        currency. Assign it with create_account or update_account (pricePlanId).""",
        idempotent=True,
    ),
    _op(
        "list_price_plans",
        "read",
        s.ListPricePlansRequest,
        s.PricePlanPage,
        "List price plans",
        """List price plans with their ids, currencies and cycles; use a plan id with update_account.""",
    ),
    _op(
        "list_rate_cards",
        "read",
        s.ListRateCardsRequest,
        s.RateCardList,
        "List a plan's rate cards",
        """The rate cards of one price plan (id or name; see list_price_plans), with slabs and rates.""",
    ),
    _op(
        "ingest_event",
        "write",
        s.IngestEventRequest,
        s.IngestEventResponse,
        "Ingest a usage event",
        """Record one usage event for an account (id or alias). It is metered at once; the answer names
        the ingestion status and the meters it counted toward. Give it an `id` to make retries safe: the
        same id is never counted twice. For many events use ingest_batch_events.""",
        idempotent=True,
    ),
    _op(
        "ingest_batch_events",
        "write",
        s.IngestBatchRequest,
        s.IngestBatchResponse,
        "Ingest a batch of events",
        """Record up to 1000 usage events at once. Good events are kept; each bad one is named by index
        with the reason (unknown account, unknown schema, non-numeric attribute, missing field, timestamp
        too far in the future). Events whose id was seen before are reported as duplicates, not counted
        again.""",
        idempotent=True,
    ),
    _op(
        "list_events",
        "read",
        s.ListEventsRequest,
        s.EventPage,
        "List events",
        """Recent events, newest first, with ingestion status and the meters they counted toward;
        filter by account, schema, status or time range.""",
    ),
    _op(
        "get_metrics",
        "read",
        s.GetMetricsRequest,
        s.GetMetricsResponse,
        "Get metrics",
        """Time series over a range: EVENTS (event counts), METER_USAGE (metered units) or REVENUE, in
        HOUR/DAY/WEEK/MONTH buckets, optionally grouped (ACCOUNT_ID, CUSTOMER_ID, USAGE_METER_ID,
        SCHEMA_NAME, EVENT_STATUS) and filtered. Up to 5 queries per call.""",
    ),
    _op(
        "list_invoices",
        "read",
        s.ListInvoicesRequest,
        s.InvoicePage,
        "List invoices",
        """List invoices, newest first, filtered by account, customer, status or period. status=DRAFT shows
        each open cycle with its charges so far ("what do they owe this month"); DUE is finalized and
        unpaid. Use get_invoice for the line items.""",
    ),
    _op(
        "get_invoice",
        "read",
        s.GetInvoiceRequest,
        s.Invoice,
        "Get an invoice",
        """One invoice with its line-item tree: usage per meter with slab lines, fixed fees, true-up,
        credits and wallet applied, totals.""",
    ),
    _op(
        "update_invoice_status",
        "write",
        s.UpdateInvoiceStatusRequest,
        s.Invoice,
        "Change an invoice's status",
        """Move a DUE invoice to PAID, VOID or UN_COLLECTIBLE with a reason. Other moves are refused.""",
        idempotent=True,
        destructive=True,
    ),
    _op(
        "generate_invoices",
        "write",
        s.GenerateInvoicesRequest,
        s.GenerateInvoicesResponse,
        "Close billing cycles",
        """Close billing cycles into DUE invoices and open the next cycles: one account's ended cycles
        (accountId, without waiting for the grace period), or every cycle whose grace period is over
        (all=true; one of the two is required). asOf may name a past moment, never a future one: only cycles
        that had ended by then are closed, so an open month is never closed early. Running it twice changes
        nothing more.""",
        idempotent=True,
    ),
    _op(
        "get_wallet_balance",
        "read",
        s.GetWalletBalanceRequest,
        s.WalletBalance,
        "Get the wallet balance",
        """An account's prepaid wallet balance, its granted credit balance and their sum (availableBalance),
        all in the account's currency.""",
    ),
    _op(
        "top_up_wallet",
        "write",
        s.TopUpWalletRequest,
        s.WalletBalance,
        "Top up a wallet",
        """Add prepaid money to an account's wallet (in its invoice currency). DUE invoices are netted off
        the wallet. Pass idempotencyKey so a retry does not add the money twice.""",
    ),
    _op(
        "grant_credit",
        "write",
        s.GrantCreditRequest,
        s.GrantCreditResponse,
        "Grant credit",
        """Grant credit to an account (amount > 0 in its invoice currency) with a purpose, an optional
        effective window and a priority (1-100, lower applied first). Credits are applied to invoices when
        they are finalized. Pass idempotencyKey so a retry does not grant twice.""",
    ),
    _op(
        "void_credit",
        "write",
        s.VoidCreditRequest,
        s.wallets.Credit,
        "Void a credit",
        """Void an account's ACTIVE credit so it pays for nothing more, with a reason. What invoices
        already consumed stays consumed; voiding twice changes nothing. Credit ids are in get_account
        and grant_credit results.""",
        idempotent=True,
        destructive=True,
    ),
    _op(
        "check_entitlement",
        "read",
        s.CheckEntitlementRequest,
        s.EntitlementCheck,
        "Check an entitlement",
        """Whether an account may use `quantity` more of a feature now: granted, used, remaining and
        overage allowance this cycle, with the reason. See get_entitlements for the feature ids.""",
    ),
    _op(
        "get_entitlements",
        "read",
        s.GetEntitlementsRequest,
        s.Entitlements,
        "List entitlements",
        """Every feature an account has this cycle with granted, used, remaining and overage.""",
    ),
)

BY_NAME: dict[str, Operation] = {op.name: op for op in OPERATIONS}
TOOL_NAMES_19 = [
    "check_entitlement",
    "create_account",
    "create_customer",
    "create_price_plan",
    "create_usage_meter",
    "get_account",
    "get_customer",
    "get_entitlements",
    "get_metrics",
    "get_wallet_balance",
    "grant_credit",
    "ingest_batch_events",
    "ingest_event",
    "list_accounts",
    "list_customers",
    "list_invoices",
    "list_rate_cards",
    "update_account",
    "update_customer",
]
