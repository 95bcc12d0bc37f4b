"""Builders for money tests: a meter, cards and plans in Togai's shapes, an account on a plan, usage
in a cycle, closing a cycle and reading its invoice. Everything goes through the service."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from billing_admin.service import call

TIERS = [(0, "0.10"), (1000, "0.08"), (5000, "0.05")]
D = Decimal


def at(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def api_meter(actor, name: str = "api_requests") -> str:
    meter = call(
        "create_usage_meter",
        {
            "name": name,
            "aggregation": "SUM",
            "eventSchemaName": name,
            "computations": [{"matcher": "true", "computation": '{"var":"attribute.units"}', "order": 1}],
        },
        actor=actor,
    )
    return meter.id


def slabs_of(tiers, price_types=None, packages=None) -> list[dict]:
    price_types = price_types or {}
    packages = packages or {}
    slabs = []
    for i, (after, _) in enumerate(tiers):
        slab = {"order": i + 1, "startAfter": str(after), "priceType": price_types.get(i + 1, "PER_UNIT")}
        if i + 1 in packages:
            slab["slabConfig"] = {"packageSize": str(packages[i + 1])}
        slabs.append(slab)
    return slabs


def rate_values(tiers, currencies=("USD",), rate_config=None, factor=None) -> list[dict]:
    """One rateValue per currency; `factor` maps a currency to a multiplier of the USD rates."""
    factor = factor or {}
    values = []
    for c in currencies:
        k = D(factor.get(c, 1))
        rates = [{"order": i + 1, "rate": str(D(r) * k)} for i, (_, r) in enumerate(tiers)]
        value = {"currency": c, "slabRates": rates}
        if rate_config:
            value["rateConfig"] = rate_config
        values.append(value)
    return values


def usage_card(
    meter_id: str,
    *,
    model: str = "TIERED",
    tiers=TIERS,
    currencies=("USD",),
    price_types=None,
    packages=None,
    rate_config=None,
    factor=None,
    display: str = "API requests",
) -> dict:
    return {
        "type": "USAGE",
        "displayName": display,
        "invoiceTiming": "IN_ARREARS",
        "rateCardDetails": {
            "usageRateCard": {
                "usageMeterId": meter_id,
                "ratePlan": {"pricingModel": model, "slabs": slabs_of(tiers, price_types, packages)},
                "rateValues": rate_values(tiers, currencies, rate_config, factor),
            }
        },
    }


def fixed_fee_card(
    amount: str,
    *,
    fee_id: str = "platform_fee",
    kind: str = "RECURRING",
    timing: str = "IN_ARREARS",
    prorate: bool = False,
    currencies=("USD",),
    recurrence: dict | None = None,
) -> dict:
    detail = {
        "id": fee_id,
        "rateValues": [{"currency": c, "rate": amount} for c in currencies],
        "enableProration": prorate,
        "type": kind,
        "invoiceTiming": timing,
    }
    if recurrence:
        detail["recurrenceConfig"] = recurrence
    return {
        "type": "FIXED_FEE",
        "displayName": fee_id.replace("_", " ").capitalize(),
        "invoiceTiming": timing,
        "rateCardDetails": {"fixedFeeRateCard": detail},
    }


def commitment_card(amount: str, currencies=("USD",)) -> dict:
    return {
        "type": "MINIMUM_COMMITMENT",
        "displayName": "Minimum commitment",
        "rateCardDetails": {
            "minimumCommitmentRateCard": {"rateValues": [{"currency": c, "rate": amount} for c in currencies]}
        },
    }


def entitlement_card(feature: str, limit: str, *, schema: str = "ai_queries", attribute: str = "queries") -> dict:
    return {
        "type": "BILLING_ENTITLEMENT",
        "displayName": f"{feature} included",
        "rateCardDetails": {
            "billingEntitlementRateCard": {
                "featureId": feature,
                "schemaAssociations": [{"schemaName": schema, "attributeName": attribute}],
                "featureConfigs": [{"featureCreditLimit": limit}],
            }
        },
    }


def overage_card(feature: str, rate: str, *, max_quantity: str | None = None) -> dict:
    detail = {
        "featureId": feature,
        "ratePlan": {"pricingModel": "TIERED", "slabs": [{"order": 1, "startAfter": "0", "priceType": "PER_UNIT"}]},
        "rateValues": [{"currency": "USD", "slabRates": [{"order": 1, "rate": rate}]}],
    }
    if max_quantity is not None:
        detail["maxQuantity"] = max_quantity
    return {"type": "ENTITLEMENT_OVERAGE", "displayName": f"{feature} overage", "rateCardDetails": {
        "entitlementOverageRateCard": detail}}  # fmt: skip


def credit_grant_card(
    amount: str, *, price: str = "0", priority: int = 10, expiry: str = "PRICING_CYCLE", applicable=(), kind="RECURRING"
) -> dict:
    return {
        "type": "CREDIT_GRANT",
        "displayName": "Monthly credits",
        "rateCardDetails": {
            "creditGrantRateCard": {
                "id": "monthly_credits",
                "type": kind,
                "grantDetails": {"priority": priority, "expiryType": expiry, "applicableEntityIds": list(applicable)},
                "rateValues": [{"currency": "USD", "creditAmount": amount, "rate": price}],
            }
        },
    }


def plan(
    actor,
    name: str,
    cards: list[dict],
    *,
    interval: str = "MONTHLY",
    grace: int = 0,
    currencies=("USD",),
    day: str = "1",
    month: str = "NIL",
):
    return call(
        "create_price_plan",
        {
            "name": name,
            "supportedCurrencies": list(currencies),
            "pricingCycleConfig": {
                "interval": interval,
                "startOffset": {"dayOffset": day, "monthOffset": month},
                "gracePeriod": grace,
            },
            "rateCards": cards,
        },
        actor=actor,
    )


def assign(actor, account_id: str, plan_id: str, when: datetime) -> None:
    payload = {"accountId": account_id, "pricePlanId": plan_id, "effectiveFrom": when.isoformat()}
    call("update_account", payload, actor=actor)


def account(actor, account_id: str, *, currency: str = "USD", customer: str = "cust_123") -> None:
    call("create_account", {"id": account_id, "name": account_id, "customerId": customer, "invoiceCurrency": currency},
         actor=actor)  # fmt: skip


def send(actor, account_id: str, units, when: datetime, *, event_id: str, schema: str = "api_requests", now=None,
         attribute: str = "units"):  # fmt: skip
    """Ingest one event as if it arrived at `now` (default: when it happened); returns the batch result."""
    from billing_admin import schemas as s
    from billing_admin.engine.ingestion import ingest_batch

    request = s.IngestBatchRequest(
        events=[
            {
                "id": event_id,
                "accountId": account_id,
                "schemaName": schema,
                "timestamp": when.isoformat(),
                "attributes": [{"name": attribute, "value": str(units)}],
            }
        ]
    )
    return ingest_batch(request=request, actor=actor, now=now or when)


def use(actor, account_id: str, units, when: datetime, *, event_id: str, schema: str = "api_requests", now=None,
        attribute: str = "units"):  # fmt: skip
    result = send(actor, account_id, units, when, event_id=event_id, schema=schema, now=now, attribute=attribute)
    assert result.success, result.failed
    return result


def close(actor, as_of: datetime, account_id: str | None = None):
    payload = {"asOf": as_of.isoformat()}
    if account_id:
        payload["accountId"] = account_id
    else:
        payload["all"] = True
    return call("generate_invoices", payload, actor=actor)


def invoices(actor, account_id: str = "acc_987", **filters) -> list:
    return call("list_invoices", {"accountId": account_id, "pageSize": 200, **filters}, actor=actor).data


def invoice(actor, invoice_id: str):
    return call("get_invoice", {"invoiceId": invoice_id}, actor=actor)


def only_invoice(actor, account_id: str = "acc_987", status: str | None = None):
    found = invoices(actor, account_id, **({"status": status} if status else {}))
    assert len(found) == 1, [(i.id, i.status, i.startDate) for i in found]
    return invoice(actor, found[0].id)


def find(tree, kind: str) -> list:
    """Every line of a type in an invoice's line-item tree (schema objects or dicts)."""
    if tree is None:
        return []
    node = tree if isinstance(tree, dict) else tree.model_dump()
    out = [node] if node["type"] == kind else []
    for child in node.get("lineItems") or []:
        out.extend(find(child, kind))
    return out


def value(tree, kind: str) -> Decimal:
    lines = find(tree, kind)
    assert len(lines) == 1, f"{len(lines)} {kind} lines"
    return D(str(lines[0]["value"]))


def total(inv) -> Decimal:
    return D(str(inv.totalAmount))


def plant_negative_usage(account_id: str, when: datetime) -> None:
    """Legacy bad data as it can already sit in a database: the cycle containing `when` holds a negative
    usage total (stored before the door refused such values). Raw ORM on purpose: no service writes it."""
    from billing_admin.engine.models import CycleUsage

    planted = CycleUsage.objects.filter(
        cycle__account__account_id=account_id, cycle__start__lte=when, cycle__end__gt=when
    ).update(quantity_micros=-5_000_000)
    assert planted, f"{account_id} has no usage in the cycle of {when}"


def repair_usage(account_id: str, units: int = 5) -> None:
    """What an operator's correction leaves behind: the account's usage totals non-negative again."""
    from billing_admin.engine.models import CycleUsage

    CycleUsage.objects.filter(cycle__account__account_id=account_id, quantity_micros__lt=0).update(
        quantity_micros=units * 1_000_000
    )
