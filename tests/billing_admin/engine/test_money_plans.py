"""Price plans: created ACTIVE in one call, listed with their rate cards, and every malformed plan
refused with the field that is wrong and nothing written."""

from __future__ import annotations

import copy

import pytest

from billing_admin.engine.models import AuditLog, PricePlan
from billing_admin.errors import ConflictError, InvalidInputError, NotFoundError
from billing_admin.service import call
from tests.billing_admin.engine.money_helpers import (
    api_meter,
    commitment_card,
    credit_grant_card,
    entitlement_card,
    fixed_fee_card,
    overage_card,
    plan,
    usage_card,
)

pytestmark = pytest.mark.django_db


def full_plan(actor, name: str = "Enterprise"):
    meter = api_meter(actor)
    cards = [
        usage_card(meter),
        fixed_fee_card("99.00", timing="IN_ADVANCE"),
        entitlement_card("ai_queries", "1000", schema="api_requests", attribute="units"),
        overage_card("ai_queries", "0.02", max_quantity="500"),
        credit_grant_card("25.00"),
        commitment_card("500"),
    ]
    return plan(actor, name, cards, grace=3)


def test_a_plan_with_every_card_type_is_active_at_once_and_audited(customer, actor):
    created = full_plan(actor)
    assert (created.status, created.version, created.supportedCurrencies) == ("ACTIVE", 1, ["USD"])
    assert created.pricingCycleConfig.gracePeriod == 3
    kinds = ["USAGE", "FIXED_FEE", "BILLING_ENTITLEMENT", "ENTITLEMENT_OVERAGE", "CREDIT_GRANT", "MINIMUM_COMMITMENT"]
    assert [c.type for c in created.rateCards] == kinds
    assert created.rateCards[1].invoiceTiming == "IN_ADVANCE"
    assert AuditLog.objects.filter(action="create_price_plan", object_id=created.id).exists()


def test_rate_cards_are_listed_by_plan_id_or_name_with_their_slabs(customer, actor):
    created = full_plan(actor)
    for ref in (created.id, "Enterprise"):
        cards = call("list_rate_cards", {"pricePlanId": ref}, actor=actor)
        assert cards.pricePlanId == created.id
        usage = cards.data[0].rateCardDetails["usageRateCard"]
        assert [s["startAfter"] for s in usage["ratePlan"]["slabs"]] == ["0", "1000", "5000"]
        assert [r["rate"] for r in usage["rateValues"][0]["slabRates"]] == ["0.10", "0.08", "0.05"]


def test_plans_are_listed_and_paged(customer, actor):
    meter = api_meter(actor)
    for n in range(5):
        plan(actor, f"Plan {n}", [usage_card(meter)])
    first = call("list_price_plans", {"pageSize": 3}, actor=actor)
    rest = call("list_price_plans", {"pageSize": 3, "nextToken": first.nextToken}, actor=actor)
    assert len(first.data) == 3 and len(rest.data) == 2 and rest.nextToken is None
    assert len({p.id for p in first.data + rest.data}) == 5


def test_a_meter_may_be_named_instead_of_its_id(customer, actor):
    meter = api_meter(actor)
    created = plan(actor, "By name", [usage_card("api_requests")])
    assert created.rateCards[0].billableId == meter


def test_a_second_plan_with_the_same_name_is_a_conflict(customer, actor):
    meter = api_meter(actor)
    plan(actor, "Same", [usage_card(meter)])
    with pytest.raises(ConflictError):
        plan(actor, "Same", [usage_card(meter)])


def test_list_rate_cards_of_an_unknown_plan_names_it(customer, actor):
    with pytest.raises(NotFoundError) as err:
        call("list_rate_cards", {"pricePlanId": "pp.nope"}, actor=actor)
    assert "list_price_plans" in err.value.message


def base(meter: str) -> dict:
    return {
        "name": "Broken",
        "supportedCurrencies": ["USD"],
        "pricingCycleConfig": {"interval": "MONTHLY", "startOffset": {"dayOffset": "1", "monthOffset": "NIL"}},
        "rateCards": [usage_card(meter)],
    }


USAGE = "rateCards[0].rateCardDetails.usageRateCard"


def _slab(n):
    return ("rateCards", 0, "rateCardDetails", "usageRateCard", "ratePlan", "slabs", n)


def _set(payload: dict, path: tuple, value) -> None:
    node = payload
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


CASES = [
    (("supportedCurrencies",), [], "supportedCurrencies"),
    (("supportedCurrencies",), ["XYZ"], "supportedCurrencies"),
    (("supportedCurrencies",), ["USD", "EUR"], f"{USAGE}.rateValues"),
    (("pricingCycleConfig", "interval"), "DAILY", "pricingCycleConfig.interval"),
    (("pricingCycleConfig", "gracePeriod"), -1, "pricingCycleConfig.gracePeriod"),
    (("pricingCycleConfig", "startOffset", "dayOffset"), "32", "pricingCycleConfig.startOffset"),
    (("pricingCycleConfig", "startOffset", "monthOffset"), "3", "pricingCycleConfig.startOffset"),
    (("rateCards",), [], "rateCards"),
    (("rateCards", 0, "type"), "FIXED_FEE", "rateCards[0].rateCardDetails"),
    (("rateCards", 0, "rateCardDetails", "usageRateCard", "usageMeterId"), "um.nope", f"{USAGE}.usageMeterId"),
    (("rateCards", 0, "rateCardDetails", "usageRateCard", "ratePlan", "pricingModel"), "PACKAGE", "pricingModel"),
    ((*_slab(0), "startAfter"), "10", f"{USAGE}.ratePlan"),
    ((*_slab(2), "startAfter"), "500", f"{USAGE}.ratePlan"),
    ((*_slab(2), "priceType"), "PACKAGE", f"{USAGE}.ratePlan"),
    ((*_slab(2), "priceType"), "STAIRCASE", "priceType"),
    (("rateCards", 0, "rateCardDetails", "usageRateCard", "rateValues", 0, "slabRates", 0, "rate"), "-1", "rate"),
    (("rateCards", 0, "rateCardDetails", "usageRateCard", "rateValues", 0, "slabRates"), [{"order": 1, "rate": "1"}],
     f"{USAGE}.rateValues[0].slabRates"),
    (("rateCards", 0, "rateCardDetails", "usageRateCard", "rateValues", 0, "rateConfig"),
     {"minimumRate": "10", "maximumRate": "5"}, f"{USAGE}.ratePlan"),
    (("rateCards", 0, "invoiceTiming"), "IN_ADVANCE", "rateCards[0].invoiceTiming"),
    (("rateCards", 0, "rateCardDetails", "fixedFeeRateCard"), {"rateValues": [{"currency": "USD", "rate": "1"}]},
     "rateCardDetails"),
    (("name",), "", "name"),
    (("name",), "x" * 51, "name"),
    (("pricingModel",), "TIERED", "pricingModel"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "bad", "field"), CASES, ids=[c[2] + "=" + str(c[1])[:20] for c in CASES])
def test_a_malformed_plan_is_refused_by_field_and_writes_nothing(customer, actor, path, bad, field):
    payload = copy.deepcopy(base(api_meter(actor)))
    _set(payload, path, bad)
    with pytest.raises(InvalidInputError) as err:
        call("create_price_plan", payload, actor=actor)
    assert any(field in name for name in err.value.details["fields"]), err.value.details
    assert not PricePlan.objects.exists()


def test_two_usage_cards_on_one_meter_and_two_commitments_are_refused(customer, actor):
    meter = api_meter(actor)
    with pytest.raises(InvalidInputError) as err:
        plan(actor, "Twice", [usage_card(meter), usage_card(meter), commitment_card("1"), commitment_card("2")])
    fields = err.value.details["fields"]
    assert "rateCards[1].rateCardDetails.usageRateCard.usageMeterId" in fields
    assert "rateCards" in fields


def test_a_custom_credit_expiry_needs_a_duration(customer, actor):
    with pytest.raises(InvalidInputError) as err:
        plan(actor, "Credits", [credit_grant_card("10", expiry="CUSTOM")])
    assert "rateCards[0].rateCardDetails.creditGrantRateCard.grantDetails.expiryDuration" in err.value.details[
        "fields"]  # fmt: skip


@pytest.mark.parametrize(
    ("op", "payload", "field"),
    [
        ("list_price_plans", {"pageSize": 0}, "pageSize"),
        ("list_price_plans", {"nextToken": "%%%"}, "nextToken"),
        ("list_price_plans", {"status": "ACTIVE"}, "status"),
        ("list_rate_cards", {}, "pricePlanId"),
    ],
)
def test_bad_plan_list_arguments_are_refused_by_field(customer, actor, op, payload, field):
    with pytest.raises(InvalidInputError) as err:
        call(op, payload, actor=actor)
    assert field in err.value.details["fields"]
