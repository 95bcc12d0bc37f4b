"""The demo's money: three price plans, accounts on them, closed cycles as invoices in every status,
credits and wallet activity. Every step is a no-op on a second run."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.engine.backend import EngineService
from billing_admin.engine.models import Account, Invoice, PlanAssignment, PricePlan, UsageMeter

from .organisation import demo_service
from .usage import DAYS

Tiers = list[tuple[int, str]]  # (units the slab starts after, rate per unit)

API_TIERS: Tiers = [(0, "0.0005"), (100_000, "0.0004"), (1_000_000, "0.0003")]
GROWTH_VOLUME: Tiers = [(0, "0.0006"), (250_000, "0.00045"), (1_000_000, "0.00035")]
ENTERPRISE_TIERS: Tiers = [(0, "0.00035"), (2_000_000, "0.00025")]

PLAN_OF = {
    "acc_987": "API Tiered",
    "acc_988": "Growth Volume",
    "acc_globex_eu": "API Tiered",
    "acc_globex_us": "Enterprise",
    "acc_vink_01": "Growth Volume",
    "acc_initech": "API Tiered",
    "acc_umbrella": "Enterprise",
    "acc_hooli": "Enterprise",
}


def _usage(
    meter_id: str, display: str, model: str, tiers: Tiers, currencies: tuple[str, ...] = ("USD", "EUR")
) -> dict[str, Any]:
    return {
        "type": "USAGE",
        "displayName": display,
        "invoiceTiming": "IN_ARREARS",
        "rateCardDetails": {
            "usageRateCard": {
                "usageMeterId": meter_id,
                "ratePlan": {
                    "pricingModel": model,
                    "slabs": [
                        {"order": i + 1, "startAfter": str(after), "priceType": "PER_UNIT"}
                        for i, (after, _) in enumerate(tiers)
                    ],
                },
                "rateValues": [
                    {"currency": c, "slabRates": [{"order": i + 1, "rate": r} for i, (_, r) in enumerate(tiers)]}
                    for c in currencies
                ],
            }
        },
    }


def _per_currency(amount: str, currencies: tuple[str, ...] = ("USD", "EUR"), key: str = "rate") -> list[dict[str, str]]:
    return [{"currency": c, key: amount} for c in currencies]


def _plan(**fields: Any) -> s.CreatePricePlanRequest:
    # Plans are written as the wire shape (nested dicts) an API client sends, and validated as one.
    return s.CreatePricePlanRequest.model_validate(fields)


def _plans(api: str, storage: str) -> list[s.CreatePricePlanRequest]:
    cycle = {"interval": "MONTHLY", "startOffset": {"dayOffset": "1", "monthOffset": "NIL"}, "gracePeriod": 3}
    storage_card = _usage(storage, "Storage", "TIERED", [(0, "0.002")])
    return [
        _plan(
            name="API Tiered",
            description="Pay as you go: API requests in falling tiers, storage per GB-hour.",
            supportedCurrencies=["USD", "EUR"],
            pricingCycleConfig=cycle,
            rateCards=[_usage(api, "API requests", "TIERED", API_TIERS), storage_card],
        ),
        _plan(
            name="Growth Volume",
            description="Volume pricing on API requests with a monthly platform fee.",
            supportedCurrencies=["USD"],
            pricingCycleConfig=cycle,
            rateCards=[
                _usage(api, "API requests", "VOLUME", GROWTH_VOLUME, currencies=("USD",)),
                {
                    "type": "FIXED_FEE",
                    "displayName": "Platform fee",
                    "invoiceTiming": "IN_ARREARS",
                    "rateCardDetails": {
                        "fixedFeeRateCard": {
                            "id": "platform_fee",
                            "type": "RECURRING",
                            "rateValues": _per_currency("49.00", ("USD",)),
                            "enableProration": True,
                        }
                    },
                },
            ],
        ),
        _plan(
            name="Enterprise",
            description="Committed spend with an included request quota, metered overage and monthly credits.",
            supportedCurrencies=["USD", "EUR"],
            pricingCycleConfig=cycle,
            rateCards=[
                _usage(api, "API requests", "TIERED", ENTERPRISE_TIERS),
                storage_card,
                {
                    "type": "BILLING_ENTITLEMENT",
                    "displayName": "Included priority support tickets",
                    "invoiceTiming": "IN_ARREARS",
                    "rateCardDetails": {
                        "billingEntitlementRateCard": {
                            "featureId": "support_tickets",
                            "featureName": "Priority support tickets",
                            "schemaAssociations": [{"schemaName": "support_ticket", "attributeName": "tickets"}],
                            "featureConfigs": [{"featureCreditLimit": "20"}],
                        }
                    },
                },
                {
                    "type": "ENTITLEMENT_OVERAGE",
                    "displayName": "Extra support tickets",
                    "invoiceTiming": "IN_ARREARS",
                    "rateCardDetails": {
                        "entitlementOverageRateCard": {
                            "featureId": "support_tickets",
                            "maxQuantity": "10",
                            "ratePlan": {
                                "pricingModel": "TIERED",
                                "slabs": [{"order": 1, "startAfter": "0", "priceType": "PER_UNIT"}],
                            },
                            "rateValues": [
                                {"currency": c, "slabRates": [{"order": 1, "rate": "15"}]} for c in ("USD", "EUR")
                            ],
                        }
                    },
                },
                {
                    "type": "CREDIT_GRANT",
                    "displayName": "Monthly enterprise credit",
                    "invoiceTiming": "IN_ARREARS",
                    "rateCardDetails": {
                        "creditGrantRateCard": {
                            "id": "enterprise_credit",
                            "type": "RECURRING",
                            "grantDetails": {"priority": 10, "expiryType": "PRICING_CYCLE"},
                            "rateValues": _per_currency("100.00", key="creditAmount"),
                        }
                    },
                },
                {
                    "type": "MINIMUM_COMMITMENT",
                    "displayName": "Minimum monthly commitment",
                    "invoiceTiming": "IN_ARREARS",
                    "rateCardDetails": {"minimumCommitmentRateCard": {"rateValues": _per_currency("1500.00")}},
                },
            ],
        ),
    ]


def seed_plans(*, now: datetime, actor: Actor) -> None:
    """Create the plans and put each demo account on one from the first day of the month usage starts in,
    before usage is loaded, so every demo event lands in a billing cycle."""
    service = demo_service()
    meters = dict(UsageMeter.objects.values_list("name", "meter_id"))
    for plan in _plans(meters["api_requests"], meters["storage_gb_hours"]):
        if not PricePlan.objects.filter(name=plan.name).exists():
            service.create_price_plan(plan, actor=actor)
    first_day = now - timedelta(days=DAYS)
    start = first_day.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    plan_ids = dict(PricePlan.objects.values_list("name", "plan_id"))
    for account_id, plan_name in PLAN_OF.items():
        if not PlanAssignment.objects.filter(account__account_id=account_id).exists():
            service.update_account(
                s.UpdateAccountRequest(accountId=account_id, pricePlanId=plan_ids[plan_name], effectiveFrom=start),
                actor=actor,
            )


def seed_money(*, now: datetime, actor: Actor) -> None:
    service = demo_service()
    # Wallets funded before closing, so their invoices are netted off them (PAID / PARTIALLY_PAID).
    for account_id, amount in (("acc_vink_01", "600.00"), ("acc_988", "40.00"), ("acc_hooli", "25000.00")):
        service.top_up_wallet(
            s.TopUpWalletRequest(accountId=account_id, topupAmount=Decimal(amount), description="Prepaid balance",
                                 idempotencyKey=f"demo-prepay-{account_id}"),
            actor=actor,
        )  # fmt: skip
    service.grant_credit(
        s.GrantCreditRequest(accountId="acc_initech", creditAmount=Decimal("75.00"), purpose="Onboarding credit",
                             priority=20, idempotencyKey="demo-credit-acc_initech"),
        actor=actor,
    )  # fmt: skip
    service.generate_invoices(s.GenerateInvoicesRequest(all=True, asOf=now), actor=actor)
    _settle_history(service, actor)
    # acc_987 ends with exactly 150.00 available: a 100.00 wallet and a 50.00 service credit.
    service.top_up_wallet(
        s.TopUpWalletRequest(accountId="acc_987", topupAmount=Decimal("100.00"), description="Prepaid balance",
                             idempotencyKey="demo-prepay-acc_987"),
        actor=actor,
    )  # fmt: skip
    service.grant_credit(
        s.GrantCreditRequest(accountId="acc_987", creditAmount=Decimal("50.00"),
                             purpose="Service credit for an API outage", priority=10,
                             idempotencyKey="demo-credit-acc_987"),
        actor=actor,
    )  # fmt: skip


# The oldest finalized invoice of some accounts gets a status, so the demo shows every one.
OLDEST_BECOMES: dict[str, tuple[Literal["PAID", "VOID", "UN_COLLECTIBLE"], str]] = {
    "acc_987": ("PAID", "Paid by bank transfer"),
    "acc_globex_eu": ("VOID", "Issued against the wrong purchase order"),
    "acc_globex_us": ("PAID", "Paid by card"),
    "acc_initech": ("PAID", "Paid by bank transfer"),
    "acc_umbrella": ("UN_COLLECTIBLE", "Customer in administration; written off"),
}


def _settle_history(service: EngineService, actor: Actor) -> None:
    for account_id, (status, reason) in OLDEST_BECOMES.items():
        account = Account.objects.get(account_id=account_id)
        oldest = Invoice.objects.filter(account=account, status="DUE", total_minor__gt=0).order_by("start_date").first()
        if oldest is not None and not Invoice.objects.filter(account=account, status=status).exists():
            service.update_invoice_status(
                s.UpdateInvoiceStatusRequest(invoiceId=oldest.invoice_id, status=status, reason=reason), actor=actor
            )
