"""Price plans and rate cards: created, checked and finalized in one call (ACTIVE at once)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.audit import audit_describe
from billing_admin.errors import ConflictError, InvalidInputError, NotFoundError
from billing_admin.schemas import plans as ps

from . import ids
from .cycles import CycleConfig, validate_config
from .models import Feature, PricePlan, RateCard, UsageMeter
from .pricing import Slab, validate_slabs

DETAIL_FOR_TYPE = {
    "USAGE": "usageRateCard",
    "FIXED_FEE": "fixedFeeRateCard",
    "BILLING_ENTITLEMENT": "billingEntitlementRateCard",
    "ENTITLEMENT_OVERAGE": "entitlementOverageRateCard",
    "CREDIT_GRANT": "creditGrantRateCard",
    "MINIMUM_COMMITMENT": "minimumCommitmentRateCard",
}


def plan_config(plan: PricePlan) -> CycleConfig:
    return CycleConfig(plan.interval, plan.day_offset, plan.month_offset, plan.grace_period_days)


def plan_resolve(ref: str, *, field: str = "pricePlanId") -> PricePlan:
    """The plan named by id or name, or a NotFoundError that says where to look."""
    plan = PricePlan.objects.filter(Q(plan_id=ref) | Q(name=ref)).first()
    if plan is None:
        raise NotFoundError(
            f"price plan '{ref}' not found; call list_price_plans to find ids",
            details={"fields": {field: "not found"}},
        )
    return plan


def plan_list() -> QuerySet[PricePlan]:
    return PricePlan.objects.prefetch_related("rate_cards")


def rate_card_slab_objects(rate_plan: dict, rate_value: dict) -> list[Slab]:
    """Togai's ratePlan slabs joined with one currency's slabRates, as pricing.Slab values."""
    rates = {r["order"]: r for r in rate_value.get("slabRates", [])}
    slabs = []
    for slab in rate_plan["slabs"]:
        rate = rates.get(slab["order"], {})
        bounds = rate.get("slabRateConfig") or {}
        package = (slab.get("slabConfig") or {}).get("packageSize")
        slabs.append(
            Slab(
                order=slab["order"],
                start_after=Decimal(str(slab["startAfter"])),
                price_type=slab.get("priceType", "PER_UNIT"),
                rate=Decimal(str(rate.get("rate", "0"))),
                package_size=_decimal_or_none(package),
                minimum_rate=_decimal_or_none(bounds.get("minimumRate")),
                maximum_rate=_decimal_or_none(bounds.get("maximumRate")),
            )
        )
    return slabs


def _decimal_or_none(value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def plan_create(*, request: s.CreatePricePlanRequest, actor: Actor) -> PricePlan:
    if PricePlan.objects.filter(name=request.name).exists():
        raise ConflictError(f"price plan '{request.name}' already exists; call list_price_plans or choose another name")
    cycle = request.pricingCycleConfig
    config = CycleConfig(cycle.interval, cycle.startOffset.dayOffset, cycle.startOffset.monthOffset, cycle.gracePeriod)
    problems = {f"pricingCycleConfig.startOffset[{i}]": p for i, p in enumerate(validate_config(config))}
    checker = _CardChecker(request)
    problems.update(checker.check())
    if problems:
        raise InvalidInputError.for_fields(problems)
    plan = PricePlan.objects.create(
        plan_id=ids.new_id("pp"),
        name=request.name,
        description=request.description or "",
        supported_currencies=list(dict.fromkeys(request.supportedCurrencies)),
        interval=cycle.interval,
        day_offset=str(cycle.startOffset.dayOffset).upper(),
        month_offset=str(cycle.startOffset.monthOffset).upper(),
        grace_period_days=cycle.gracePeriod,
        status="ACTIVE",
    )
    checker.create_features()
    RateCard.objects.bulk_create(
        RateCard(
            plan=plan,
            name=name,
            type=card.type,
            display_name=card.displayName or name,
            billable_id=billable,
            invoice_timing=_timing(card),
            details=card.rateCardDetails.model_dump(mode="json", exclude_none=True),
            position=i,
        )
        for i, (card, name, billable) in enumerate(checker.named)
    )
    audit_describe(
        actor=actor,
        action="create_price_plan",
        object_type="price_plan",
        object_id=plan.plan_id,
        summary=f"created price plan {plan.name} ({plan.plan_id}) with {len(checker.named)} rate cards",
        changes=request.model_dump(mode="json", exclude_none=True),
    )
    return plan


def _timing(card: ps.RateCardData) -> str:
    # The fixed-fee detail carries its own timing; either place saying IN_ADVANCE makes it so.
    detail = card.rateCardDetails.fixedFeeRateCard
    if detail is not None and detail.invoiceTiming == "IN_ADVANCE":
        return "IN_ADVANCE"
    return card.invoiceTiming


class _CardChecker:
    """Checks every rate card of a create request and names each problem by its field path."""

    def __init__(self, request: s.CreatePricePlanRequest) -> None:
        self.request = request
        self.currencies = set(request.supportedCurrencies)
        self.problems: dict[str, str] = {}
        self.named: list[tuple[ps.RateCardData, str, str]] = []
        self.new_features: dict[str, ps.BillingEntitlementRateCard] = {}

    def check(self) -> dict[str, str]:
        meters_seen: set[str] = set()
        names: set[str] = set()
        commitments = 0
        for i, card in enumerate(self.request.rateCards):
            path = f"rateCards[{i}]"
            key = DETAIL_FOR_TYPE[card.type]
            detail = getattr(card.rateCardDetails, key)
            if detail is None:
                self.problems[f"{path}.rateCardDetails"] = f"a {card.type} card needs rateCardDetails.{key}"
                continue
            billable = getattr(self, f"_check_{key}")(detail, f"{path}.rateCardDetails.{key}", card)
            if card.type == "USAGE":
                if billable in meters_seen:
                    self.problems[f"{path}.rateCardDetails.{key}.usageMeterId"] = "this meter already has a card"
                meters_seen.add(billable)
            commitments += card.type == "MINIMUM_COMMITMENT"
            name = card.name or _unique(billable or card.type.lower(), names)
            if name in names:
                self.problems[f"{path}.name"] = f"'{name}' is used by another card of this plan"
            names.add(name)
            self.named.append((card, name, card.billableId or billable))
        if commitments > 1:
            self.problems["rateCards"] = "a plan may have one MINIMUM_COMMITMENT card"
        return self.problems

    def _check_rates(self, values: list, path: str, rate_plan: ps.RatePlan | None = None) -> None:
        given = [v.currency for v in values]
        for currency in sorted(self.currencies - set(given)):
            self.problems[f"{path}.rateValues"] = f"no rate for {currency}; give one rate per supported currency"
        for currency in sorted(set(given) - self.currencies):
            self.problems[f"{path}.rateValues"] = f"{currency} is not in supportedCurrencies"
        if len(given) != len(set(given)):
            self.problems[f"{path}.rateValues"] = "one rate per currency"
        if rate_plan is None:
            return
        orders = sorted(slab.order for slab in rate_plan.slabs)
        for j, value in enumerate(values):
            if sorted(r.order for r in value.slabRates) != orders:
                self.problems[f"{path}.rateValues[{j}].slabRates"] = f"give one rate for each slab order {orders}"
                continue
            slabs = rate_card_slab_objects(rate_plan.model_dump(mode="json"), value.model_dump(mode="json"))
            found = validate_slabs(slabs)
            bounds = value.rateConfig
            if (
                bounds
                and None not in (bounds.minimumRate, bounds.maximumRate)
                and bounds.minimumRate > bounds.maximumRate
            ):
                found.append("rateConfig.minimumRate is above maximumRate")
            if found:
                self.problems[f"{path}.ratePlan"] = "; ".join(found)

    def _check_usageRateCard(self, detail: ps.UsageRateCard, path: str, card: ps.RateCardData) -> str:
        meter = UsageMeter.objects.filter(Q(meter_id=detail.usageMeterId) | Q(name=detail.usageMeterId)).first()
        if meter is None:
            self.problems[f"{path}.usageMeterId"] = "not found; call list_usage_meters or create_usage_meter first"
        elif meter.meter_id != detail.usageMeterId:
            detail.usageMeterId = meter.meter_id  # a meter named by name is stored by id
        if card.invoiceTiming != "IN_ARREARS":
            self.problems[f"{path.rsplit('.', 2)[0]}.invoiceTiming"] = "usage is billed IN_ARREARS"
        self._check_rates(detail.rateValues, path, detail.ratePlan)
        return detail.usageMeterId

    def _check_fixedFeeRateCard(self, detail: ps.FixedFeeRateCard, path: str, card: ps.RateCardData) -> str:
        self._check_rates(detail.rateValues, path)
        if detail.type == "ONE_TIME" and detail.recurrenceConfig is not None:
            self.problems[f"{path}.recurrenceConfig"] = "a ONE_TIME fee has no recurrence"
        return detail.id

    def _check_billingEntitlementRateCard(
        self, detail: ps.BillingEntitlementRateCard, path: str, card: ps.RateCardData
    ) -> str:
        if detail.ratePlan is not None or detail.rateValues:
            if detail.ratePlan is None:
                self.problems[f"{path}.ratePlan"] = "rateValues need a ratePlan"
            else:
                self._check_rates(detail.rateValues, path, detail.ratePlan)
        existing = Feature.objects.filter(feature_id=detail.featureId).first()
        wanted = [a.model_dump() for a in detail.schemaAssociations]
        if existing is not None and wanted and existing.schema_associations != wanted:
            self.problems[f"{path}.schemaAssociations"] = (
                f"feature '{detail.featureId}' already maps to {existing.schema_associations}; leave "
                "schemaAssociations out to reuse it"
            )
        if detail.featureId in self.new_features:
            self.problems[f"{path}.featureId"] = "this feature already has a BILLING_ENTITLEMENT card in the plan"
        self.new_features[detail.featureId] = detail
        return detail.featureId

    def _check_entitlementOverageRateCard(
        self, detail: ps.EntitlementOverageRateCard, path: str, card: ps.RateCardData
    ) -> str:
        granted = {
            c.rateCardDetails.billingEntitlementRateCard.featureId
            for c in self.request.rateCards
            if c.rateCardDetails.billingEntitlementRateCard is not None
        }
        if detail.featureId not in granted:
            self.problems[f"{path}.featureId"] = "add a BILLING_ENTITLEMENT card granting this feature to the plan"
        self._check_rates(detail.rateValues, path, detail.ratePlan)
        return detail.featureId

    def _check_creditGrantRateCard(self, detail: ps.CreditGrantRateCard, path: str, card: ps.RateCardData) -> str:
        self._check_rates(detail.rateValues, path)
        if detail.grantDetails.expiryType == "CUSTOM" and not detail.grantDetails.expiryDuration:
            self.problems[f"{path}.grantDetails.expiryDuration"] = "CUSTOM expiry needs a duration, e.g. P30D"
        return detail.id

    def _check_minimumCommitmentRateCard(
        self, detail: ps.MinimumCommitmentRateCard, path: str, card: ps.RateCardData
    ) -> str:
        self._check_rates(detail.rateValues, path)
        return "minimum_commitment"

    def create_features(self) -> None:
        for feature_id, detail in self.new_features.items():
            Feature.objects.get_or_create(
                feature_id=feature_id,
                defaults={
                    "name": detail.featureName or feature_id,
                    "billable_name": feature_id,
                    "schema_associations": [a.model_dump() for a in detail.schemaAssociations],
                },
            )


def _unique(base: str, taken: set[str]) -> str:
    base = base[:44]
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def rate_card_to_schema(card: RateCard, plan: PricePlan) -> s.plans.RateCard:
    detail: dict[str, Any] = next(iter(card.details.values()), {})
    currencies = [v["currency"] for v in detail.get("rateValues", [])] or list(plan.supported_currencies)
    return ps.RateCard(
        name=card.name,
        type=card.type,
        displayName=card.display_name,
        billableId=card.billable_id,
        invoiceTiming=card.invoice_timing,
        rateCardDetails=card.details,
        pricePlanId=plan.plan_id,
        currencies=currencies,
    )


def plan_to_schema(plan: PricePlan) -> s.PricePlan:
    return s.PricePlan(
        id=plan.plan_id,
        name=plan.name,
        description=plan.description,
        status=plan.status,
        version=plan.version,
        supportedCurrencies=plan.supported_currencies,
        pricingCycleConfig=ps.PricingCycleConfig(
            interval=plan.interval,
            startOffset=ps.StartOffset(dayOffset=plan.day_offset, monthOffset=plan.month_offset),
            gracePeriod=plan.grace_period_days,
        ),
        rateCards=[rate_card_to_schema(card, plan) for card in plan.rate_cards.all()],
        createdAt=plan.created_at,
        updatedAt=plan.updated_at,
    )
