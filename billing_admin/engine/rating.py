"""A plan's rate cards compiled once into plain values, and a cycle priced on them.

Plans are immutable once created, so a compiled plan is cached by its plan id for the life of the
process; pricing a cycle is then pure arithmetic over the cycle's usage totals (no ORM).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from billing_admin.money import quantize

from .cycles import CycleConfig, cycle_at, cycles_between
from .models import Feature, PricePlan, RateCard, UsageMeter
from .plans import plan_config, rate_card_slab_objects
from .pricing import PricingModel, Slab

ZERO = Decimal(0)
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


@dataclass(frozen=True)
class RatedCard:
    """A card with a rate plan: per currency, its model, slabs and card-level bounds."""

    name: str
    display: str
    billable_id: str
    model: PricingModel
    slabs: dict[str, tuple[Slab, ...]]
    bounds: dict[str, tuple[Decimal | None, Decimal | None]]
    target_pk: int = 0  # the meter or feature it prices
    limit: Decimal = ZERO  # billing entitlement: units granted per cycle
    validity: str = "P1M"
    max_quantity: Decimal | None = None  # entitlement overage: allowance, None = unlimited


@dataclass(frozen=True)
class FixedFee:
    name: str
    display: str
    billable_id: str
    rates: dict[str, Decimal]
    prorate: bool
    one_time: bool
    advance: bool
    every: int = 1
    offset: int = 0

    def bills_in(self, index: int) -> bool:
        if self.one_time:
            return index == 0
        return index >= self.offset and (index - self.offset) % self.every == 0


@dataclass(frozen=True)
class CreditGrantCard:
    name: str
    display: str
    billable_id: str
    amounts: dict[str, Decimal]
    rates: dict[str, Decimal]
    priority: int
    expiry_type: str
    expiry_duration: str | None
    applicable: tuple[str, ...]
    one_time: bool


@dataclass(frozen=True)
class CompiledPlan:
    plan_pk: int
    plan_id: str
    name: str
    config: CycleConfig
    usage: tuple[RatedCard, ...] = ()
    fixed: tuple[FixedFee, ...] = ()
    entitlements: tuple[RatedCard, ...] = ()
    overages: tuple[RatedCard, ...] = ()
    grants: tuple[CreditGrantCard, ...] = ()
    commitment: dict[str, Decimal] = field(default_factory=dict)
    commitment_display: str = "Minimum commitment"

    @property
    def needs_index(self) -> bool:
        return any(f.one_time or f.every > 1 or f.offset for f in self.fixed) or any(g.one_time for g in self.grants)


_COMPILED: dict[str, CompiledPlan] = {}


def compiled(plan: PricePlan) -> CompiledPlan:
    found = _COMPILED.get(plan.plan_id)
    if found is None:
        found = _COMPILED[plan.plan_id] = _compile(plan)
    return found


def _rated(details: dict, *, name: str, display: str, billable: str, **extra: Any) -> RatedCard:
    slabs, bounds = {}, {}
    for value in details.get("rateValues", []):
        currency = value["currency"]
        slabs[currency] = tuple(rate_card_slab_objects(details["ratePlan"], value))
        config = value.get("rateConfig") or {}
        bounds[currency] = (_dec(config.get("minimumRate")), _dec(config.get("maximumRate")))
    model = (details.get("ratePlan") or {}).get("pricingModel", "TIERED")
    return RatedCard(name, display, billable, model, slabs, bounds, **extra)


def _dec(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _compile(plan: PricePlan) -> CompiledPlan:
    cards = list(plan.rate_cards.all())
    meters = dict(UsageMeter.objects.values_list("meter_id", "pk"))
    features = dict(Feature.objects.values_list("feature_id", "pk"))
    parts: dict[str, list] = {"usage": [], "fixed": [], "entitlements": [], "overages": [], "grants": []}
    commitment: dict[str, Decimal] = {}
    commitment_display = "Minimum commitment"
    for card in cards:
        kind, d = next(iter(card.details.items()))
        common = {"name": card.name, "display": card.display_name or card.name, "billable": card.billable_id}
        if kind == "usageRateCard":
            parts["usage"].append(_rated(d, **common, target_pk=meters.get(d["usageMeterId"], 0)))
        elif kind == "fixedFeeRateCard":
            parts["fixed"].append(_fixed_fee(card, d))
        elif kind == "billingEntitlementRateCard":
            config = d["featureConfigs"][0]
            extra = {"limit": Decimal(str(config["featureCreditLimit"])), "validity": config.get("effectiveUntil", "")}
            priced = d if d.get("ratePlan") else {"rateValues": []}
            parts["entitlements"].append(_rated(priced, **common, target_pk=features[d["featureId"]], **extra))
        elif kind == "entitlementOverageRateCard":
            extra = {"max_quantity": _dec(d.get("maxQuantity")), "target_pk": features[d["featureId"]]}
            parts["overages"].append(_rated(d, **common, **extra))
        elif kind == "creditGrantRateCard":
            parts["grants"].append(_credit_grant(card, d))
        elif kind == "minimumCommitmentRateCard":
            commitment = {v["currency"]: Decimal(str(v["rate"])) for v in d["rateValues"]}
            commitment_display = d.get("displayName") or card.display_name
    return CompiledPlan(
        plan.pk,
        plan.plan_id,
        plan.name,
        plan_config(plan),
        **{k: tuple(v) for k, v in parts.items()},
        commitment=commitment,
        commitment_display=commitment_display,
    )


def _fixed_fee(card: RateCard, d: dict) -> FixedFee:
    recurrence = d.get("recurrenceConfig") or {}
    return FixedFee(
        name=card.name,
        display=card.display_name or card.name,
        billable_id=card.billable_id,
        rates={v["currency"]: Decimal(str(v["rate"])) for v in d["rateValues"]},
        prorate=bool(d.get("enableProration")),
        one_time=d.get("type") == "ONE_TIME",
        advance=card.invoice_timing == "IN_ADVANCE",
        every=int(recurrence.get("interval", 1)),
        offset=int(recurrence.get("offset", 0)),
    )


def _credit_grant(card: RateCard, d: dict) -> CreditGrantCard:
    grant = d.get("grantDetails") or {}
    return CreditGrantCard(
        name=card.name,
        display=card.display_name or card.name,
        billable_id=card.billable_id,
        amounts={v["currency"]: Decimal(str(v["creditAmount"])) for v in d["rateValues"]},
        rates={v["currency"]: Decimal(str(v.get("rate", "0"))) for v in d["rateValues"]},
        priority=int(grant.get("priority", 50)),
        expiry_type=grant.get("expiryType", "PRICING_CYCLE"),
        expiry_duration=grant.get("expiryDuration"),
        applicable=tuple(grant.get("applicableEntityIds") or ()),
        one_time=d.get("type") == "ONE_TIME",
    )


def add_duration(start: datetime, duration: str) -> datetime:
    """start + an ISO-8601 date duration (PnYnMnWnD); months clamp to the month's last day."""
    match = _DURATION.match(duration or "")
    if not match or not any(match.groups()):
        raise ValueError(f"'{duration}' is not an ISO-8601 duration like P1M or P30D")
    years, months, weeks, days = (int(g or 0) for g in match.groups())
    month_index = start.year * 12 + start.month - 1 + years * 12 + months
    year, month0 = divmod(month_index, 12)
    import calendar

    day = min(start.day, calendar.monthrange(year, month0 + 1)[1])
    return start.replace(year=year, month=month0 + 1, day=day) + timedelta(weeks=weeks, days=days)


def cycle_index(config: CycleConfig, effective_from: datetime, start: datetime) -> int:
    """How many cycles of an assignment come before the one starting at `start` (0 = the first)."""
    return len(cycles_between(effective_from, start, config)) if start > effective_from else 0


def natural_seconds(config: CycleConfig, start: datetime) -> int:
    return cycle_at(start, config).seconds


def money(amount: Decimal, currency: str) -> Decimal:
    """The one rounding rule, applied where a line is priced."""
    return quantize(amount, currency)
