"""One pydantic request and one response per operation, in Togai's field names.

The REST API, the MCP tool schemas and the Togai client all parse and render through these.
"""

from __future__ import annotations

from .accounts import (
    Account,
    AccountDetail,
    AccountPage,
    CreateAccountRequest,
    GetAccountRequest,
    ListAccountsRequest,
    UpdateAccountRequest,
)
from .customers import (
    CreateCustomerRequest,
    CreateCustomerResponse,
    Customer,
    CustomerPage,
    CustomerWithAccounts,
    GetCustomerRequest,
    ListCustomersRequest,
    UpdateCustomerRequest,
)
from .entitlements import (
    CheckEntitlementRequest,
    Entitlement,
    EntitlementCheck,
    Entitlements,
    GetEntitlementsRequest,
)
from .events import (
    Event,
    EventPage,
    EventWithStatus,
    FailedEvent,
    IngestBatchRequest,
    IngestBatchResponse,
    IngestEventRequest,
    IngestEventResponse,
    ListEventsRequest,
    MeterCount,
    SetAside,
)
from .invoices import (
    CloseFailure,
    GenerateInvoicesRequest,
    GenerateInvoicesResponse,
    GetInvoiceRequest,
    Invoice,
    InvoicePage,
    InvoiceSummary,
    ListInvoicesRequest,
    UpdateInvoiceStatusRequest,
)
from .meters import CreateUsageMeterRequest, ListUsageMetersRequest, UsageMeter, UsageMeterPage
from .metrics import GetMetricsRequest, GetMetricsResponse, MetricQuery, MetricResult, MetricSeries
from .plans import (
    CreatePricePlanRequest,
    ListPricePlansRequest,
    ListRateCardsRequest,
    PricePlan,
    PricePlanPage,
    RateCardList,
)
from .wallets import (
    GetWalletBalanceRequest,
    GrantCreditRequest,
    GrantCreditResponse,
    TopUpWalletRequest,
    VoidCreditRequest,
    WalletBalance,
)

__all__ = [name for name in dir() if name[0].isupper()]
