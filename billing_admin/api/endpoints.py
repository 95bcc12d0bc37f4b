"""The REST API as a table: each Togai path and method, the operation it runs, and how Togai's
path, query and body map onto the operation's request schema. Views, URLs and the OpenAPI document
are all generated from `ENDPOINTS`; where Togai's shapes differ from ours, adapters.py (one call)
and handlers.py (several calls) bridge them."""

from __future__ import annotations

from billing_admin import schemas as s

from . import adapters as a
from . import handlers as h
from . import shapes as sh
from .routing import Endpoint, Query, query_value

__all__ = ["ENDPOINTS", "Endpoint", "Query", "query_value"]

PAGE = (
    Query("nextToken", "nextToken", "cursor", "Cursor from the previous page's nextToken."),
    Query("pageSize", "pageSize", "int", "Items per page, 1-200 (default 50)."),
)
INVOICE_QUERY = (
    *PAGE,
    Query("status", "status", description="DRAFT, DUE, PAID, PARTIALLY_PAID, VOID or UN_COLLECTIBLE."),
    Query("owner_id", "accountId", description="Only this account's invoices."),
    Query("customer_id", "customerId", description="Only this customer's invoices."),
    Query("start_time", "startTime", "epoch_ms", "Only invoices whose period ends after this (epoch ms)."),
    Query("end_time", "endTime", "epoch_ms", "Only invoices whose period starts before this (epoch ms)."),
)
EVENT_QUERY = (
    *PAGE,
    Query("status", "status", description="Only events with this ingestion status."),
    Query("account_id", "accountId", description="Only this account's events (id or alias)."),
    Query("schema_name", "schemaName", description="Only events of this schema."),
    Query("start_time", "startTime", "epoch_ms", "Only events at or after this time (epoch ms)."),
    Query("end_time", "endTime", "epoch_ms", "Only events before this time (epoch ms)."),
)

ACCOUNT = {"account_id": "accountId"}

ENDPOINTS: tuple[Endpoint, ...] = (
    # event ingestion
    Endpoint("POST", "ingest", "ingest_event", "Ingest one event", status=202, body=True),
    Endpoint(
        "POST",
        "ingestBatch",
        "ingest_batch_events",
        "Ingest up to 1000 events (202 all accepted, 207 some refused)",
        body=True,
        render=a.batch_result,
        nul_run=h.ingest_batch_with_nul,
        body_schema=sh.IngestBatchBody,
        statuses=(202, 207),
    ),
    Endpoint(
        "GET",
        "events",
        "list_events",
        "List events with their ingestion status",
        query=EVENT_QUERY,
        render=a.events,
        response_schema=sh.EventList,
    ),
    Endpoint("POST", "metrics", "get_metrics", "Query metrics", body=True),
    # customers
    Endpoint(
        "POST",
        "customers",
        "create_customer",
        "Create a customer (and its first account)",
        status=201,
        body=True,
        render=a.customer_201,
    ),
    Endpoint(
        "GET",
        "customers",
        "list_customers",
        "List customers",
        query=(*PAGE, Query("query", "query", description="Name, email or id contains (extension).")),
        render=a.customer_page,
    ),
    Endpoint(
        "GET",
        "customers/{customer_id}",
        "get_customer",
        "Get a customer with its accounts",
        path_fields={"customer_id": "customerId"},
        render=a.customer_200,
    ),
    Endpoint(
        "PATCH",
        "customers/{customer_id}",
        "update_customer",
        "Update a customer",
        path_fields={"customer_id": "customerId"},
        body=True,
        render=a.customer_200,
    ),
    # accounts
    Endpoint("POST", "accounts", "create_account", "Create an account", status=201, body=True),
    Endpoint(
        "GET",
        "accounts",
        "list_accounts",
        "List accounts",
        query=(
            *PAGE,
            Query("customerId", "customerId", description="Only this customer's accounts (extension)."),
            Query("status", "status", description="Only accounts in this status (extension)."),
            Query("query", "query", description="Name or id contains (extension)."),
        ),
    ),
    Endpoint(
        "GET", "accounts/{account_id}", "get_account", "Get an account with its financial picture", path_fields=ACCOUNT
    ),
    Endpoint("PATCH", "accounts/{account_id}", "update_account", "Update an account", path_fields=ACCOUNT, body=True),
    Endpoint(
        "GET",
        "accounts/{account_id}/wallet",
        "get_wallet_balance",
        "Get the wallet balance",
        path_fields=ACCOUNT,
        finish=h.wallet,
        response_schema=sh.TogaiWallet,
    ),
    Endpoint(
        "GET",
        "accounts/{account_id}/credit_balance",
        "get_wallet_balance",
        "Get the account's credit balance",
        path_fields=ACCOUNT,
        render=a.credit_balance,
        response_schema=sh.CreditBalance,
    ),
    Endpoint(
        "POST",
        "accounts/{account_id}/wallet_topup",
        "top_up_wallet",
        "Top up the wallet",
        path_fields=ACCOUNT,
        body=True,
        finish=h.wallet,
        response_schema=sh.TogaiWallet,
    ),
    Endpoint(
        "GET",
        "accounts/{account_id}/entitlements",
        "get_entitlements",
        "List the account's entitlements",
        path_fields=ACCOUNT,
        render=a.entitlement_values,
        response_schema=sh.EntitlementValues,
    ),
    Endpoint(
        "GET",
        "accounts/{account_id}/entitlements/{feature_id}",
        "check_entitlement",
        "One feature's entitlement value and balance",
        path_fields={**ACCOUNT, "feature_id": "featureId"},
        render=a.one_entitlement,
        response_schema=sh.EntitlementValues,
    ),
    Endpoint(
        "GET",
        "accounts/{account_id}/features/{feature_id}",
        "check_entitlement",
        "A feature's balance for the account (granted, balance, overage)",
        path_fields={**ACCOUNT, "feature_id": "featureId"},
        query=(Query("quantity", "quantity", "decimal", "How much the caller wants to use (extension)."),),
        render=a.feature_balance,
    ),
    Endpoint(
        "POST",
        "accounts/{account_id}/entitlements/{feature_id}",
        "check_entitlement",
        "Check whether the account may use `quantity` of a feature",
        path_fields={**ACCOUNT, "feature_id": "featureId"},
        body=True,
        adapt=a.entitlement_check_body,
        render=a.entitlement_check,
    ),
    Endpoint(
        "POST",
        "v2/accounts/{account_id}/edit_schedules",
        "update_account",
        "Assign a price plan (one open-ended ASSOCIATE edit, applied at once)",
        run=h.edit_schedules,
        body=True,
        body_schema=sh.ScheduleEdits,
        response_schema=sh.ScheduleEditResult,
    ),
    Endpoint(
        "POST",
        "v2/accounts/{account_id}/finalize_schedules",
        "update_account",
        "Finalize schedule edits (they are applied when made) and list the schedule",
        run=h.finalize_schedules,
        body=True,
        body_schema=sh.FinalizeSchedules,
        response_schema=sh.Schedules,
    ),
    Endpoint(
        "GET",
        "v2/accounts/{account_id}/schedules",
        "get_account",
        "The account's price-plan schedule",
        run=h.schedules,
        query=(Query("mode", "mode", "mode", "ACTIVE or DRAFT; both show the one schedule here."),),
        response_schema=sh.Schedules,
    ),
    # metering and pricing
    Endpoint("POST", "usage_meters", "create_usage_meter", "Create an ACTIVE usage meter", status=201, body=True),
    Endpoint(
        "GET",
        "usage_meters/{usage_meter_id}",
        "list_usage_meters",
        "Get a usage meter by id (or name)",
        run=h.usage_meter,
        response_schema=s.UsageMeter,
    ),
    Endpoint(
        "POST",
        "usage_meters/{usage_meter_id}/activate",
        "create_usage_meter",
        "Activate a usage meter (a no-op: meters are ACTIVE when created)",
        run=h.usage_meter,
    ),
    Endpoint(
        "GET",
        "usage_meters",
        "list_usage_meters",
        "List usage meters",
        query=(
            *PAGE,
            Query("status", "status", description="ACTIVE or INACTIVE."),
            Query("aggregations", "aggregation", description="COUNT or SUM."),
        ),
    ),
    Endpoint(
        "POST",
        "v2/price_plans",
        "create_price_plan",
        "Create and finalize a price plan with its rate cards",
        body=True,
        adapt=a.price_plan_body,
        render=a.price_plan,
        response_schema=sh.TogaiPricePlan,
    ),
    Endpoint(
        "GET",
        "v2/price_plans",
        "list_price_plans",
        "List price plans",
        query=PAGE,
        render=a.price_plan_page,
        response_schema=sh.TogaiPricePlanPage,
    ),
    Endpoint(
        "GET",
        "v2/price_plans/{price_plan_id}",
        "list_price_plans",
        "Get a price plan by id (or name)",
        run=h.price_plan,
        response_schema=sh.TogaiPricePlan,
    ),
    Endpoint(
        "GET",
        "v2/price_plans/{price_plan_id}/rate_cards",
        "list_rate_cards",
        "List a plan's rate cards",
        path_fields={"price_plan_id": "pricePlanId"},
        render=a.rate_cards,
        response_schema=sh.TogaiRateCards,
    ),
    Endpoint(
        "POST",
        "v2/price_plans/{price_plan_id}/rate_cards",
        "create_price_plan",
        "Edit a plan's rate cards (refused: plans are finalized when created)",
        run=h.edit_rate_cards,
        body=True,
        body_schema=sh.RateCardOperations,
    ),
    Endpoint(
        "POST",
        "v2/price_plans/{price_plan_id}/finalize",
        "create_price_plan",
        "Finalize a plan (a no-op: plans are finalized when created)",
        run=h.finalize_plan,
        response_schema=sh.Success,
    ),
    # invoices and money
    Endpoint("GET", "invoices", "list_invoices", "List invoices", query=INVOICE_QUERY),
    Endpoint(
        "POST",
        "invoices/generate",
        "generate_invoices",
        "Close billing cycles that are due into DUE invoices (extension)",
        body=True,
        extension=True,
    ),
    Endpoint(
        "GET",
        "invoices/{invoice_id}",
        "get_invoice",
        "Get an invoice with its line items",
        path_fields={"invoice_id": "invoiceId"},
    ),
    Endpoint(
        "PATCH",
        "invoices/{invoice_id}",
        "update_invoice_status",
        "Change an invoice's status",
        path_fields={"invoice_id": "invoiceId"},
        body=True,
        adapt=a.invoice_status_body,
    ),
    Endpoint(
        "POST",
        "credits",
        "grant_credit",
        "Grant credits",
        run=h.grant_credits,
        body=True,
        body_schema=sh.CreditRequests,
        response_schema=sh.CreditsResponse,
    ),
    Endpoint(
        "POST",
        "credits/{credit_id}/void",
        "void_credit",
        "Void a credit",
        path_fields={"credit_id": "creditId"},
        body=True,
        adapt=a.void_credit_body,
    ),
)
