"""Assigning plans: currencies must match, and a mid-cycle change bills the old plan up to the change
and the new plan after it, moving usage that happened after the change to the new plan."""

from __future__ import annotations

import pytest

from billing_admin.errors import InvalidInputError, NotFoundError
from billing_admin.service import call
from tests.billing_admin.engine.money_helpers import (
    D,
    account,
    api_meter,
    assign,
    at,
    close,
    find,
    fixed_fee_card,
    invoice,
    invoices,
    plan,
    total,
    usage_card,
    use,
)

pytestmark = pytest.mark.django_db


def two_plans(actor, *, prorate: bool = False):
    meter = api_meter(actor)
    old = plan(actor, "Starter", [usage_card(meter, tiers=[(0, "1.00")]), fixed_fee_card("31.00", prorate=prorate)])
    new = plan(actor, "Growth", [usage_card(meter, tiers=[(0, "2.00")])])
    return old, new


def finalized(actor) -> list[tuple]:
    rows = sorted((i for i in invoices(actor) if i.status != "DRAFT"), key=lambda i: i.startDate)
    return [(i.pricePlanId, f"{i.startDate:%m-%d}", f"{i.endDate:%m-%d}", total(i)) for i in rows]


def test_a_mid_cycle_change_bills_each_plan_for_its_part_of_the_month(customer, actor):
    old, new = two_plans(actor)
    assign(actor, "acc_987", old.id, at(2026, 1, 1))
    use(actor, "acc_987", 5, at(2026, 1, 10), event_id="before")
    use(actor, "acc_987", 5, at(2026, 1, 20), event_id="after")  # sent before the change was recorded
    assign(actor, "acc_987", new.id, at(2026, 1, 16))
    use(actor, "acc_987", 1, at(2026, 1, 25), event_id="later")
    close(actor, at(2026, 2, 1))
    assert finalized(actor) == [
        (old.id, "01-01", "01-16", D("36.00")),  # 5 units x 1.00 + the 31.00 fee
        (new.id, "01-16", "02-01", D("12.00")),  # 6 units x 2.00
    ]
    draft = next(i for i in invoices(actor) if i.status == "DRAFT")
    assert (draft.pricePlanId, f"{draft.startDate:%m-%d}") == (new.id, "02-01")


def test_a_prorated_fee_is_charged_up_to_the_change(customer, actor):
    old, new = two_plans(actor, prorate=True)
    assign(actor, "acc_987", old.id, at(2026, 1, 1))
    assign(actor, "acc_987", new.id, at(2026, 1, 16))
    close(actor, at(2026, 2, 1))
    assert finalized(actor)[0] == (old.id, "01-01", "01-16", D("15.00"))  # 15 of 31 days


def test_the_old_plan_invoice_shows_only_usage_before_the_change(customer, actor):
    old, new = two_plans(actor)
    assign(actor, "acc_987", old.id, at(2026, 1, 1))
    use(actor, "acc_987", 5, at(2026, 1, 10), event_id="before")
    use(actor, "acc_987", 7, at(2026, 1, 20), event_id="after")
    assign(actor, "acc_987", new.id, at(2026, 1, 16))
    close(actor, at(2026, 2, 1))
    quantities = {}
    for summary in invoices(actor, status="DUE"):
        usage = find(invoice(actor, summary.id).revenueInfo, "USAGE_RATE_CARD_AMOUNT")
        quantities[summary.pricePlanId] = D(usage[0]["quantity"])
    assert quantities == {old.id: 5, new.id: 7}


def test_usage_in_a_cycle_the_change_removes_moves_to_the_new_plan(customer, actor):
    old, new = two_plans(actor)
    assign(actor, "acc_987", old.id, at(2026, 1, 1))
    use(actor, "acc_987", 4, at(2026, 2, 10), event_id="february")  # opens February under the old plan
    assign(actor, "acc_987", new.id, at(2026, 1, 16))  # February's old-plan cycle is dropped
    close(actor, at(2026, 3, 1))
    assert finalized(actor) == [
        (old.id, "01-01", "01-16", D("31.00")),
        (new.id, "01-16", "02-01", D("0.00")),
        (new.id, "02-01", "03-01", D("8.00")),  # 4 units x 2.00
    ]


def test_a_change_into_a_finalized_period_is_refused(customer, actor):
    old, new = two_plans(actor)
    assign(actor, "acc_987", old.id, at(2026, 1, 1))
    close(actor, at(2026, 2, 1))
    with pytest.raises(InvalidInputError) as err:
        assign(actor, "acc_987", new.id, at(2026, 1, 20))
    assert "effectiveFrom" in err.value.details["fields"]
    assign(actor, "acc_987", new.id, at(2026, 2, 1))  # from the end of the finalized cycle on is fine
    close(actor, at(2026, 3, 1))
    assert [p for p, *_ in finalized(actor)] == [old.id, new.id]


def test_a_plan_without_the_account_currency_is_refused_with_a_field_error(customer, actor):
    account(actor, "acc_eu", currency="EUR")
    usd_only, _ = two_plans(actor)
    with pytest.raises(InvalidInputError) as err:
        assign(actor, "acc_eu", usd_only.id, at(2026, 1, 1))
    assert "EUR" in err.value.details["fields"]["pricePlanId"]
    assert invoices(actor, "acc_eu") == []


def test_creating_an_account_on_a_plan_without_its_currency_is_refused(customer, actor):
    usd_only, _ = two_plans(actor)
    with pytest.raises(InvalidInputError) as err:
        call("create_account", {"id": "acc_gb", "name": "Acme UK", "customerId": "cust_123", "invoiceCurrency": "GBP",
                                "pricePlanId": usd_only.id, "effectiveFrom": "2026-01-01"}, actor=actor)  # fmt: skip
    assert "pricePlanId" in err.value.details["fields"]
    with pytest.raises(NotFoundError):
        call("get_account", {"accountId": "acc_gb"}, actor=actor)


def test_an_unknown_plan_is_named_in_the_error(customer, actor):
    with pytest.raises(NotFoundError) as err:
        assign(actor, "acc_987", "pp.nope", at(2026, 1, 1))
    assert "list_price_plans" in err.value.message


def test_a_multi_currency_plan_bills_each_account_in_its_own_currency(customer, actor):
    account(actor, "acc_eu", currency="EUR")
    card = usage_card(api_meter(actor), currencies=("USD", "EUR"), factor={"EUR": "0.9"})
    p = plan(actor, "Global", [card], currencies=("USD", "EUR"))
    for acc in ("acc_987", "acc_eu"):
        assign(actor, acc, p.id, at(2026, 1, 1))
        use(actor, acc, 6000, at(2026, 1, 5), event_id=f"{acc}-e")
    close(actor, at(2026, 2, 1))
    eu = invoices(actor, "acc_eu", status="DUE")
    us = invoices(actor, "acc_987", status="DUE")
    assert [(i.currency, total(i)) for i in us] == [("USD", D("470.00"))]
    assert [(i.currency, total(i)) for i in eu] == [("EUR", D("423.00"))]


def test_a_plan_assigned_from_creation_bills_from_that_day(customer, actor):
    p = plan(actor, "Fee", [fixed_fee_card("20.00")])
    call("create_account", {"id": "acc_new", "name": "New", "customerId": "cust_123", "invoiceCurrency": "USD",
                            "pricePlanId": p.id, "effectiveFrom": "2026-03-01"}, actor=actor)  # fmt: skip
    close(actor, at(2026, 4, 1))
    assert [(f"{i.startDate:%m-%d}", i.status, total(i)) for i in invoices(actor, "acc_new", status="DUE")] == [
        ("03-01", "DUE", D("20.00"))
    ]


def test_a_date_only_effective_from_after_a_finalized_cycle_is_read_as_utc(customer, actor):
    old, new = two_plans(actor)
    assign(actor, "acc_987", old.id, at(2026, 1, 1))
    close(actor, at(2026, 2, 1))
    call("update_account", {"accountId": "acc_987", "pricePlanId": new.id, "effectiveFrom": "2026-03-01"}, actor=actor)
    close(actor, at(2026, 4, 1))
    assert [p for p, *_ in finalized(actor)] == [old.id, old.id, new.id]
