"""Entitlements: what billing-entitlement cards grant each cycle, what mapped events use, what
check_entitlement allows within the grant and the overage allowance, and overage on the invoice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billing_admin.errors import InvalidInputError, NotFoundError
from billing_admin.service import call
from tests.billing_admin.engine.money_helpers import (
    D,
    assign,
    at,
    close,
    entitlement_card,
    find,
    invoice,
    invoices,
    overage_card,
    plan,
    total,
    use,
    value,
)

pytestmark = pytest.mark.django_db


def queries_meter(actor) -> str:
    return call("create_usage_meter", {
        "name": "ai_queries", "aggregation": "SUM", "eventSchemaName": "ai_queries",
        "computations": [{"computation": '{"var":"attribute.queries"}'}],
    }, actor=actor).id  # fmt: skip


def this_month():
    now = timezone.now()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def on_plan(actor, cards, start=None) -> None:
    queries_meter(actor)
    p = plan(actor, "AI plan", cards)
    assign(actor, "acc_987", p.id, start or this_month())


def spend(actor, queries, *, event_id: str, when=None) -> None:
    # Usage "now" (a minute ago, inside the current cycle) so the live checks see it.
    when = when or max(this_month(), timezone.now() - timedelta(minutes=1))
    use(actor, "acc_987", queries, when, event_id=event_id, schema="ai_queries", attribute="queries")


def check(actor, quantity="1", feature="ai_queries"):
    return call("check_entitlement", {"accountId": "acc_987", "featureId": feature, "quantity": quantity}, actor=actor)


def test_a_fresh_cycle_grants_the_feature_limit(customer, actor):
    on_plan(actor, [entitlement_card("ai_queries", "100"), overage_card("ai_queries", "0.50", max_quantity="50")])
    listed = call("get_entitlements", {"accountId": "acc_987"}, actor=actor).data
    assert [(e.featureId, e.granted, e.used, e.remaining, e.overageLimit) for e in listed] == [
        ("ai_queries", D(100), D(0), D(100), D(50))
    ]


def test_use_within_the_grant_then_the_overage_allowance_then_refused(customer, actor):
    on_plan(actor, [entitlement_card("ai_queries", "100"), overage_card("ai_queries", "0.50", max_quantity="50")])
    spend(actor, 80, event_id="q1")
    within = check(actor, "20")
    assert (within.entitled, within.used, within.remaining) == (True, D(80), D(20))
    into_overage = check(actor, "70")
    assert into_overage.entitled and "overage" in into_overage.reason
    refused = check(actor, "71")
    assert not refused.entitled
    assert "71" in refused.reason and "50" in refused.reason
    spend(actor, 40, event_id="q2")  # 120 used: 20 into the overage
    state = check(actor, "30")
    assert (state.entitled, state.remaining, state.usedOverage) == (True, D(0), D(20))
    assert not check(actor, "31").entitled


def test_without_an_overage_card_nothing_beyond_the_grant_is_allowed(customer, actor):
    on_plan(actor, [entitlement_card("ai_queries", "10")])
    spend(actor, 10, event_id="q")
    state = check(actor)
    assert (state.entitled, state.remaining, state.overageLimit) == (False, D(0), D(0))


def test_an_overage_card_without_a_maximum_allows_any_amount(customer, actor):
    on_plan(actor, [entitlement_card("ai_queries", "10"), overage_card("ai_queries", "0.50")])
    spend(actor, 10, event_id="q")
    state = check(actor, "1000000")
    assert (state.entitled, state.overageLimit) == (True, None)


def test_a_feature_the_account_has_no_grant_of_is_not_entitled(customer, actor):
    on_plan(actor, [entitlement_card("ai_queries", "10")])
    call("create_price_plan", {"name": "Other", "supportedCurrencies": ["USD"],
                               "pricingCycleConfig": {"interval": "MONTHLY"},
                               "rateCards": [entitlement_card("exports", "5", attribute="exports")]},
         actor=actor)  # fmt: skip
    state = check(actor, feature="exports")
    assert (state.entitled, state.granted) == (False, D(0))
    assert "BILLING_ENTITLEMENT" in state.reason


def test_overage_is_billed_at_the_overage_rate_on_the_invoice(customer, actor):
    on_plan(actor, [entitlement_card("ai_queries", "100"), overage_card("ai_queries", "0.50", max_quantity="50")],
            start=at(2026, 1, 1))  # fmt: skip
    spend(actor, 90, event_id="a", when=at(2026, 1, 5))
    spend(actor, 40, event_id="b", when=at(2026, 1, 20))
    close(actor, at(2026, 2, 1))
    jan = invoice(actor, next(i.id for i in invoices(actor) if i.startDate.month == 1))
    overage = find(jan.revenueInfo, "ENTITLEMENT_OVERAGE_RATE_CARD_AMOUNT")[0]
    assert (D(overage["quantity"]), D(overage["value"])) == (D(30), D("15.00"))
    assert total(jan) == D("15.00")


def test_use_within_the_grant_bills_no_overage(customer, actor):
    on_plan(actor, [entitlement_card("ai_queries", "100"), overage_card("ai_queries", "0.50")], start=at(2026, 1, 1))
    spend(actor, 100, event_id="a", when=at(2026, 1, 5))
    close(actor, at(2026, 2, 1))
    jan = invoice(actor, next(i.id for i in invoices(actor) if i.startDate.month == 1))
    assert value(jan.revenueInfo, "ENTITLEMENT_OVERAGE_RATE_CARD_AMOUNT") == D("0.00")


def test_a_priced_entitlement_charges_for_the_grant_itself(customer, actor):
    card = entitlement_card("ai_queries", "100")
    card["rateCardDetails"]["billingEntitlementRateCard"].update(
        ratePlan={"pricingModel": "TIERED", "slabs": [{"order": 1, "startAfter": "0", "priceType": "FLAT"}]},
        rateValues=[{"currency": "USD", "slabRates": [{"order": 1, "rate": "99"}]}],
    )
    on_plan(actor, [card], start=at(2026, 1, 1))
    close(actor, at(2026, 2, 1))
    jan = invoice(actor, next(i.id for i in invoices(actor) if i.startDate.month == 1))
    assert value(jan.revenueInfo, "BILLING_ENTITLEMENT_RATE_CARD_AMOUNT") == D("99.00")


def test_each_cycle_starts_with_a_fresh_grant(customer, actor):
    on_plan(actor, [entitlement_card("ai_queries", "100")], start=at(2026, 1, 1))
    spend(actor, 100, event_id="jan", when=at(2026, 1, 5))
    from billing_admin.engine.accounts import account_resolve
    from billing_admin.engine.entitlements import entitlement_check

    acc = account_resolve("acc_987")
    assert not entitlement_check(account=acc, feature_id="ai_queries", quantity=D(1), now=at(2026, 1, 20)).entitled
    assert entitlement_check(account=acc, feature_id="ai_queries", quantity=D(100), now=at(2026, 2, 2)).entitled


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"featureId": "x" * 65}, "featureId"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_checks_are_refused_by_field(customer, actor, payload, field):
    with pytest.raises(InvalidInputError) as err:
        call("check_entitlement", {"accountId": "acc_987", "featureId": "ai_queries", **payload}, actor=actor)
    assert field in err.value.details["fields"]


def test_unknown_features_and_accounts_are_named(customer, actor):
    with pytest.raises(NotFoundError) as err:
        check(actor, feature="teleport")
    assert err.value.details["fields"] == {"featureId": "not found"}
    with pytest.raises(NotFoundError):
        call("get_entitlements", {"accountId": "acc_ghost"}, actor=actor)


def test_an_overage_card_needs_an_entitlement_card_for_its_feature(customer, actor):
    queries_meter(actor)
    with pytest.raises(InvalidInputError) as err:
        plan(actor, "Broken", [overage_card("ai_queries", "0.50")])
    assert "rateCards[0].rateCardDetails.entitlementOverageRateCard.featureId" in err.value.details["fields"]
