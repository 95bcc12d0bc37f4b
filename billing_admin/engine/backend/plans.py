from __future__ import annotations

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.errors import UnsupportedError


class PlanOps:
    def create_price_plan(self, request: s.CreatePricePlanRequest, *, actor: Actor) -> s.PricePlan:
        raise UnsupportedError("price plans are not available yet")

    def list_price_plans(self, request: s.ListPricePlansRequest, *, actor: Actor) -> s.PricePlanPage:
        raise UnsupportedError("price plans are not available yet")

    def list_rate_cards(self, request: s.ListRateCardsRequest, *, actor: Actor) -> s.RateCardList:
        raise UnsupportedError("price plans are not available yet")
