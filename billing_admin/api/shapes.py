"""Response shapes where Togai's REST answers add fields to the operation schemas.

The official Togai client (`togai-client`) validates answers strictly: a wallet needs an `id`, a
`customerId` and an `effectiveFrom`, a price plan and its rate cards a `referenceId`, an entitlement a
string `value`. These models are the answers the REST door sends (and what the OpenAPI document
describes); the tools keep the operation schemas.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from billing_admin import schemas as s
from billing_admin.schemas.entitlements import Entitlement
from billing_admin.schemas.plans import RateCard
from billing_admin.schemas.wallets import Credit


class Success(BaseModel):
    success: bool = Field(description="True when the request was carried out.")


class TogaiWallet(s.WalletBalance):
    id: str = Field(description="The wallet's id.")
    customerId: str = Field(description="The owning customer.")
    balance: Decimal = Field(description="Togai's name for walletBalance.")
    creditUnit: str = Field(description="Togai's name for currency.")
    status: str = Field(description="ACTIVE.")
    effectiveFrom: datetime = Field(description="Since when the wallet exists (the account's creation).")


class CreditBalance(BaseModel):
    activeCredits: Decimal = Field(description="Granted credit that is active.")
    availableBalance: Decimal = Field(description="Credit still available.")
    runningBalance: Decimal = Field(description="Credit still available, including what open cycles hold.")
    inapplicableCredits: Decimal = Field(description="Credit no open charge can use (0 here).")
    unit: str = Field(description="Currency.")
    lastUpdatedAt: datetime = Field(description="When this was computed.")


class EntitlementValue(Entitlement):
    value: str = Field(description='"true" when the account may use the feature now, else "false".')


class EntitlementValues(BaseModel):
    accountId: str = Field(description="The account.")
    data: list[EntitlementValue] = Field(description="The features, with Togai's `value` and our balances.")


class TogaiRateCard(RateCard):
    referenceId: str = Field(description="The plan the card belongs to.")
    referenceType: str = Field(description="PRICE_PLAN.")


class TogaiRateCards(BaseModel):
    pricePlanId: str = Field(description="The plan.")
    data: list[TogaiRateCard] = Field(description="Its rate cards.")
    nextToken: str | None = Field(default=None, description="Always null: a plan's cards fit one page.")


class TogaiPricePlan(s.PricePlan):
    referenceId: str = Field(description="Togai's reference id (the plan id here).")
    # Togai's cards carry more fields; mypy counts the narrower list as unsafe (a list can be appended to),
    # but a response model's list is only read.
    rateCards: list[TogaiRateCard] = Field(default_factory=list, description="Rate cards.")  # type: ignore[assignment]


class TogaiPricePlanPage(BaseModel):
    data: list[TogaiPricePlan] = Field(description="The plans of this page.")
    nextToken: str | None = Field(default=None, description="Pass to get the next page; null on the last page.")


class CreditWithBalance(Credit):
    balance: s.WalletBalance = Field(description="The account's balance after this grant.")


class CreditsResponse(BaseModel):
    credits: list[CreditWithBalance] = Field(description="The credits granted, in request order.")


class CreditRequests(BaseModel):
    creditRequests: list[s.GrantCreditRequest] = Field(
        min_length=1, max_length=50, description="1 to 50 grants, made in order."
    )


class RateCardOperations(BaseModel):
    operations: list[dict[str, Any]] = Field(description="Togai's bulk CREATE/UPDATE/DELETE rate-card operations.")


class ScheduleEdit(BaseModel):
    mode: str = Field(default="ASSOCIATE", description="ASSOCIATE (the only mode here).")
    effectiveFrom: str = Field(description="First day of the assignment, YYYY-MM-DD.")
    effectiveUntil: str = Field(default="9999-01-01", description="Must be 9999-01-01: assignments are open-ended.")
    associationConfig: dict[str, Any] = Field(description="`pricePlanId`: the plan to assign.")


class ScheduleEdits(BaseModel):
    edits: list[ScheduleEdit] = Field(min_length=1, max_length=1, description="Exactly one edit.")


class FinalizeSchedules(BaseModel):
    mergeSchedules: StrictBool | None = Field(default=None, description="Ignored: edits are applied when made.")


class PlanOverride(BaseModel):
    id: str = Field(description="The schedule's id.")
    pricePlanId: str = Field(description="The plan assigned.")
    pricePlanName: str = Field(description="Its name.")
    startDate: datetime = Field(description="When the assignment starts.")
    endDate: datetime = Field(description="9999-01-01: open-ended.")


class ScheduleEditResult(BaseModel):
    accountId: str = Field(description="The account.")
    accountName: str = Field(description="Its name.")
    pricingSchedules: list[PlanOverride] = Field(description="The schedule now in force.")


class AccountSchedule(BaseModel):
    id: str = Field(description="The schedule's id.")
    accountId: str = Field(description="The account.")
    pricePlanId: str = Field(description="The plan.")
    version: int = Field(description="The plan's version.")
    deferredRevenue: bool = Field(description="False.")
    pricePlanInfo: dict[str, Any] = Field(description="The plan's name and description.")
    accountScheduleInfo: dict[str, Any] = Field(description="The plan's currencies and cycle.")
    startDate: datetime = Field(description="When the assignment started.")
    endDate: datetime = Field(description="9999-01-01: open-ended.")
    allowOngoingCycleUpdates: bool = Field(description="False.")


class Schedules(BaseModel):
    data: list[AccountSchedule] = Field(description="The account's schedule (none without a plan).")
    nextToken: str | None = Field(default=None, description="Always null.")


class EventList(BaseModel):
    """Togai's GET /events answer: the list is under `events`, not `data`."""

    events: list[s.EventWithStatus] = Field(description="The events of this page, newest first.")
    nextToken: str | None = Field(default=None, description="Pass to get the next page; null on the last page.")


class IngestBatchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[s.Event | Any] = Field(
        min_length=1,
        max_length=1000,
        description="1 to 1000 events. Each is checked on its own: a bad one is refused by index with its reason "
        "(207) and the others are stored.",
    )
