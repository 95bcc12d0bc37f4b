"""The embedded billing engine's tables, one module per area."""

from __future__ import annotations

from .audit import AuditLog, IdempotencyRecord
from .billing import BillingCycle, CloseFailure, CycleUsage, Invoice, PlanAssignment, PricePlan, RateCard
from .customers import Account, AccountAlias, Customer
from .entitlements import Feature, FeatureGrant, FeatureUsage
from .events import Event, EventRollup, EventSchema, MetricBacklog, UsageMeter, UsageRollup
from .tokens import ApiToken
from .wallets import Credit, CreditTransaction, Wallet, WalletEntry

__all__ = [
    "Account",
    "AccountAlias",
    "ApiToken",
    "AuditLog",
    "BillingCycle",
    "CloseFailure",
    "Credit",
    "CreditTransaction",
    "Customer",
    "CycleUsage",
    "Event",
    "EventRollup",
    "EventSchema",
    "Feature",
    "FeatureGrant",
    "FeatureUsage",
    "IdempotencyRecord",
    "Invoice",
    "MetricBacklog",
    "PlanAssignment",
    "PricePlan",
    "RateCard",
    "UsageMeter",
    "UsageRollup",
    "Wallet",
    "WalletEntry",
]
