"""Price plans and rate cards in Togai's v2 shapes (togai-api.md §11)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .common import Amount, Currency, Page, PageRequest, Request, Response, WriteRequest

Interval = Literal["WEEKLY", "MONTHLY", "QUARTERLY", "HALF_YEARLY", "ANNUALLY"]
InvoiceTiming = Literal["IN_ADVANCE", "IN_ARREARS", "PREPAID"]
RateCardType = Literal[
    "USAGE", "FIXED_FEE", "BILLING_ENTITLEMENT", "ENTITLEMENT_OVERAGE", "CREDIT_GRANT", "MINIMUM_COMMITMENT"
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StartOffset(Strict):
    dayOffset: str = Field(
        default="1", description='Day a cycle starts: "1".."31" or "LAST"; "1".."7" (Mon..Sun) weekly.'
    )
    monthOffset: str = Field(
        default="NIL", description='Month a cycle starts: "1".."12", "FIRST", "LAST", or "NIL" for weekly/monthly.'
    )


class PricingCycleConfig(Strict):
    interval: Interval = Field(description="Cycle length.")
    startOffset: StartOffset = Field(default_factory=StartOffset, description="Where cycles start.")
    gracePeriod: int = Field(
        default=0, ge=0, le=90, description="Days after a cycle ends that late events still count."
    )


class Slab(Strict):
    order: int = Field(ge=1, le=100, description="Slab order, 1 first.")
    startAfter: Decimal = Field(ge=0, description="The slab covers quantities above this (first slab: 0).")
    priceType: Literal["PER_UNIT", "FLAT", "PACKAGE"] = Field(
        default="PER_UNIT", description="PER_UNIT: rate per unit; FLAT: rate once; PACKAGE: rate per packageSize units."
    )
    slabConfig: dict[str, str] = Field(
        default_factory=dict, description='Extra slab settings, e.g. {"packageSize": "500"} for PACKAGE.'
    )


class RatePlan(Strict):
    pricingModel: Literal["TIERED", "VOLUME"] = Field(
        description="TIERED: each slab prices its part; VOLUME: the reached slab prices everything."
    )
    slabs: list[Slab] = Field(
        min_length=1,
        max_length=100,
        description="Quantity bands, one per order; the first starts after 0. One slab is a flat per-unit price.",
    )


class RateConfig(Strict):
    minimumRate: Decimal | None = Field(default=None, ge=0, description="Lowest total this card charges per cycle.")
    maximumRate: Decimal | None = Field(default=None, ge=0, description="Highest total this card charges per cycle.")


class SlabRate(Strict):
    order: int = Field(ge=1, le=100, description="Which slab this rate is for.")
    rate: Decimal = Field(ge=0, description="The slab's rate in this currency.")
    slabRateConfig: RateConfig | None = Field(default=None, description="Per-slab minimum/maximum.")


class RateValue(Strict):
    currency: Currency
    slabRates: list[SlabRate] = Field(min_length=1, description="One rate per slab.")
    rateConfig: RateConfig | None = Field(default=None, description="Card-level minimum/maximum.")


class FixedRateValue(Strict):
    currency: Currency
    rate: Decimal = Field(ge=0, description="The amount in this currency.")


class RecurrenceConfig(Strict):
    interval: int = Field(default=1, ge=1, le=12, description="Bill every n-th cycle.")
    offset: int = Field(default=0, ge=0, le=11, description="Starting at cycle k (0 = the first).")


class UsageRateCard(Strict):
    usageMeterId: str = Field(description="The usage meter this card prices (see list_usage_meters).")
    ratePlan: RatePlan = Field(description="Pricing model and slabs.")
    rateValues: list[RateValue] = Field(min_length=1, description="Rates per supported currency.")


class FixedFeeRateCard(Strict):
    id: str = Field(default="platform_fee", max_length=64, description="Add-on id of the fee (any stable name).")
    rateValues: list[FixedRateValue] = Field(min_length=1, description="The fee per supported currency.")
    enableProration: bool = Field(default=False, description="Charge partial cycles pro rata.")
    type: Literal["ONE_TIME", "RECURRING"] = Field(default="RECURRING", description="Once, or every cycle.")
    invoiceTiming: Literal["IN_ADVANCE", "IN_ARREARS"] = Field(default="IN_ARREARS", description="When it is billed.")
    recurrenceConfig: RecurrenceConfig | None = Field(default=None, description="Bill every n-th cycle.")


class FeatureConfig(Strict):
    featureCreditLimit: Decimal = Field(ge=0, max_digits=18, decimal_places=6, description="Units granted per cycle.")
    effectiveUntil: str | None = Field(
        default=None,
        pattern=r"^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$",
        description="Validity from the cycle start as an ISO-8601 duration, e.g. P20D; default (and at most) the "
        "whole cycle.",
    )


class SchemaAssociation(Strict):
    schemaName: str = Field(min_length=1, max_length=50, description="Event schema whose events use the feature.")
    attributeName: str = Field(
        min_length=1, max_length=50, description="Attribute of that schema holding how much of the feature is used."
    )


class BillingEntitlementRateCard(Strict):
    featureId: str = Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$", description="Feature granted, e.g. 'ai_queries'."
    )
    featureName: str | None = Field(default=None, max_length=255, description="Readable feature name.")
    schemaAssociations: list[SchemaAssociation] = Field(
        default_factory=list,
        max_length=50,
        description="Which event attributes use the feature; leave out to reuse an existing feature's mapping.",
    )
    featureConfigs: list[FeatureConfig] = Field(min_length=1, max_length=1, description="The grant per cycle.")
    ratePlan: RatePlan | None = Field(default=None, description="Price of the grant itself (optional).")
    rateValues: list[RateValue] = Field(default_factory=list, description="Rates per currency for the grant.")


class EntitlementOverageRateCard(Strict):
    featureId: str = Field(max_length=64, description="Feature whose use beyond the grant is billed.")
    ratePlan: RatePlan = Field(description="Pricing of overage units.")
    rateValues: list[RateValue] = Field(min_length=1, description="Rates per currency.")
    maxQuantity: Decimal | None = Field(default=None, ge=0, description="Overage allowed per cycle; null = unlimited.")


class GrantDetails(Strict):
    priority: int = Field(default=50, ge=1, le=100, description="Lower is applied first.")
    expiryType: Literal["PRICING_CYCLE", "NO_EXPIRY", "CUSTOM"] = Field(
        default="PRICING_CYCLE", description="When minted credits expire."
    )
    expiryDuration: str | None = Field(
        default=None,
        pattern=r"^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$",
        description="ISO-8601 duration for CUSTOM expiry, e.g. P30D.",
    )
    applicableEntityIds: list[str] = Field(default_factory=list, description="Billables the credit may pay for.")


class CreditGrantRate(Strict):
    currency: Currency
    creditAmount: Decimal = Field(gt=0, description="Credit minted each cycle.")
    rate: Decimal = Field(default=Decimal(0), ge=0, description="What the grant costs.")


class CreditGrantRateCard(Strict):
    id: str = Field(default="credit_grant", max_length=64, description="Add-on id of the grant.")
    grantDetails: GrantDetails = Field(default_factory=GrantDetails, description="Priority and expiry.")
    rateValues: list[CreditGrantRate] = Field(min_length=1, description="Credit and price per currency.")
    type: Literal["ONE_TIME", "RECURRING"] = Field(default="RECURRING", description="Once, or every cycle.")


class MinimumCommitmentRateCard(Strict):
    displayName: str = Field(default="Minimum commitment", max_length=255, description="Shown on invoices.")
    rateValues: list[FixedRateValue] = Field(min_length=1, description="Commitment per currency.")


class RateCardDetails(Strict):
    usageRateCard: UsageRateCard | None = Field(
        default=None, description="For type USAGE: price metered usage of one usage meter, by slab and currency."
    )
    fixedFeeRateCard: FixedFeeRateCard | None = Field(
        default=None, description="For type FIXED_FEE: a flat fee, once or every cycle (e.g. a platform fee)."
    )
    billingEntitlementRateCard: BillingEntitlementRateCard | None = Field(
        default=None,
        description="For type BILLING_ENTITLEMENT: grant units of a feature each cycle; check_entitlement then "
        "answers whether an account may use more.",
    )
    entitlementOverageRateCard: EntitlementOverageRateCard | None = Field(
        default=None, description="For type ENTITLEMENT_OVERAGE: price feature use beyond the granted units."
    )
    creditGrantRateCard: CreditGrantRateCard | None = Field(
        default=None, description="For type CREDIT_GRANT: mint credit for the account, once or every cycle."
    )
    minimumCommitmentRateCard: MinimumCommitmentRateCard | None = Field(
        default=None,
        description="For type MINIMUM_COMMITMENT: the least the account pays per cycle; usage below it is trued up.",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> RateCardDetails:
        given = [name for name, value in self if value is not None]
        if len(given) != 1:
            raise ValueError(f"rateCardDetails must hold exactly one card, got {len(given)}")
        return self


class RateCardData(Strict):
    type: RateCardType = Field(description="Which kind of card; must match the detail given.")
    displayName: str | None = Field(default=None, max_length=255, description="Shown on invoices.")
    name: str | None = Field(default=None, max_length=50, description="Unique within the plan; derived if omitted.")
    billableId: str | None = Field(
        default=None, max_length=64, description="Meter/feature/add-on id; derived if omitted."
    )
    invoiceTiming: InvoiceTiming = Field(default="IN_ARREARS", description="When the card is billed.")
    rateCardDetails: RateCardDetails = Field(description="Exactly one card detail matching `type`.")


class CreatePricePlanRequest(WriteRequest):
    name: str = Field(min_length=1, max_length=50, description="Unique plan name.")
    description: str | None = Field(default=None, max_length=500, description="What the plan is for.")
    supportedCurrencies: list[Currency] = Field(
        min_length=1,
        max_length=10,
        description="ISO-4217 currencies the plan prices in; each rate card needs a rate for each, and only accounts "
        "invoiced in one of them can be assigned the plan.",
    )
    pricingCycleConfig: PricingCycleConfig = Field(description="Cycle interval, offsets and grace period.")
    rateCards: list[RateCardData] = Field(
        min_length=1,
        max_length=50,
        description="The plan's rate cards; charge for usage with a USAGE card naming a meter id from "
        "create_usage_meter or list_usage_meters.",
    )


class RateCard(Response):
    name: str = Field(description="Rate card name within the plan.")
    type: RateCardType = Field(description="Kind of card.")
    displayName: str = Field(description="Shown on invoices.")
    billableId: str = Field(description="The meter, feature or add-on it prices.")
    invoiceTiming: str = Field(description="When it is billed.")
    rateCardDetails: dict = Field(description="The card as stored (Togai rateCardDetails).")
    pricePlanId: str = Field(description="The plan.")
    currencies: list[str] = Field(description="Currencies it has rates for.")


class PricePlan(Response):
    id: str = Field(description="Price plan id, e.g. pp.1zYnCiM9Bpg.lv25y.")
    name: str = Field(description="Plan name.")
    description: str = Field(default="", description="Description.")
    type: str = Field(default="BILLING", description="BILLING.")
    status: str = Field(description="ACTIVE once finalized.")
    version: int = Field(description="Version.")
    supportedCurrencies: list[str] = Field(description="Currencies.")
    pricingCycleConfig: PricingCycleConfig = Field(description="Cycle configuration.")
    rateCards: list[RateCard] = Field(default_factory=list, description="Rate cards.")
    createdAt: datetime = Field(description="When created.")
    updatedAt: datetime = Field(description="When last changed.")


class ListPricePlansRequest(PageRequest):
    pass


PricePlanPage = Page[PricePlan]


class ListRateCardsRequest(Request):
    pricePlanId: str = Field(description="The plan's id or name (see list_price_plans).")


class RateCardList(Response):
    pricePlanId: str = Field(description="The plan.")
    data: list[RateCard] = Field(description="Its rate cards.")


__all__ = ["Amount"]
