from __future__ import annotations

from billing_admin import schemas as s
from billing_admin.actors import Actor

from ..atomic import atomic_write
from ..pagination import paginate
from ..plans import plan_create, plan_list, plan_resolve, plan_to_schema, rate_card_to_schema


class PlanOps:
    def create_price_plan(self, request: s.CreatePricePlanRequest, *, actor: Actor) -> s.PricePlan:
        return atomic_write(
            lambda: plan_to_schema(plan_create(request=request, actor=actor)),
        )

    def list_price_plans(self, request: s.ListPricePlansRequest, *, actor: Actor) -> s.PricePlanPage:
        data, token = paginate(
            plan_list(),
            key="plan_id",
            page_size=request.pageSize,
            next_token=request.nextToken,
            render=plan_to_schema,
        )
        return s.PricePlanPage(data=data, nextToken=token)

    def list_rate_cards(self, request: s.ListRateCardsRequest, *, actor: Actor) -> s.RateCardList:
        plan = plan_resolve(request.pricePlanId)
        return s.RateCardList(
            pricePlanId=plan.plan_id, data=[rate_card_to_schema(card, plan) for card in plan.rate_cards.all()]
        )
