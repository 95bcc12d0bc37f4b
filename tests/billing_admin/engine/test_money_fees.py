"""Fixed fees on invoices: ONE_TIME and RECURRING, IN_ARREARS and IN_ADVANCE, proration, recurrence."""

from __future__ import annotations

import pytest

from tests.billing_admin.engine.money_helpers import (
    D,
    assign,
    at,
    close,
    find,
    fixed_fee_card,
    invoice,
    invoices,
    plan,
    total,
    value,
)

pytestmark = pytest.mark.django_db


def by_month(actor) -> dict[int, object]:
    """Finalized invoices keyed by the month their period starts in."""
    return {i.startDate.month: invoice(actor, i.id) for i in invoices(actor) if i.status != "DRAFT"}


def run(actor, cards, *, start=None, until=None) -> dict[int, object]:
    p = plan(actor, "Fees", cards)
    assign(actor, "acc_987", p.id, start or at(2026, 1, 1))
    close(actor, until or at(2026, 4, 1))
    return by_month(actor)


def test_a_recurring_fee_in_arrears_is_billed_on_every_cycle_even_without_usage(customer, actor):
    bills = run(actor, [fixed_fee_card("49.00")])
    assert sorted(bills) == [1, 2, 3]
    for inv in bills.values():
        assert total(inv) == D("49.00")
        assert value(inv.revenueInfo, "FIXED_FEE_RATE_CARD_AMOUNT") == D("49.00")
        assert inv.status == "DUE"


def test_a_one_time_fee_is_billed_on_the_first_cycle_only(customer, actor):
    bills = run(actor, [fixed_fee_card("250.00", fee_id="setup_fee", kind="ONE_TIME")])
    assert [total(bills[m]) for m in (1, 2, 3)] == [D("250.00"), D("0.00"), D("0.00")]


def test_an_in_advance_fee_bills_the_first_cycle_and_the_next_one_up_front(customer, actor):
    bills = run(actor, [fixed_fee_card("100.00", timing="IN_ADVANCE")])
    first = bills[1].revenueInfo
    assert value(first, "FIXED_FEE_RATE_CARD_AMOUNT") == D("100.00")
    assert value(first, "TOTAL_ADVANCED_FEES") == D("100.00")
    assert "2026-02-01" in find(first, "ADVANCED_FIXED_FEE")[0]["description"]
    assert total(bills[1]) == D("200.00")
    # Later cycles carry only the advance for the cycle after them; their own fee was billed before.
    assert find(bills[2].revenueInfo, "FIXED_FEE_RATE_CARD_AMOUNT") == []
    assert total(bills[2]) == D("100.00")
    assert total(bills[3]) == D("100.00")


def test_a_prorated_fee_charges_the_part_of_a_cycle_the_plan_covered(customer, actor):
    # 16 of January's 31 days.
    bills = run(actor, [fixed_fee_card("31.00", prorate=True)], start=at(2026, 1, 16), until=at(2026, 3, 1))
    assert total(bills[1]) == D("16.00")
    assert "prorated" in find(bills[1].revenueInfo, "FIXED_FEE_RATE_CARD_AMOUNT")[0]["description"]
    assert total(bills[2]) == D("31.00")


def test_without_proration_a_partial_first_cycle_pays_the_whole_fee(customer, actor):
    bills = run(actor, [fixed_fee_card("31.00")], start=at(2026, 1, 16), until=at(2026, 2, 1))
    assert total(bills[1]) == D("31.00")


def test_a_one_time_fee_is_never_prorated(customer, actor):
    card = fixed_fee_card("90.00", kind="ONE_TIME", prorate=True)
    bills = run(actor, [card], start=at(2026, 1, 16), until=at(2026, 2, 1))
    assert total(bills[1]) == D("90.00")


def test_a_fee_with_a_recurrence_of_three_bills_every_third_cycle(customer, actor):
    bills = run(actor, [fixed_fee_card("300.00", recurrence={"interval": 3, "offset": 0})], until=at(2026, 8, 1))
    assert [total(bills[m]) for m in range(1, 8)] == [D("300.00"), 0, 0, D("300.00"), 0, 0, D("300.00")]


def test_a_recurrence_offset_delays_the_first_charge(customer, actor):
    bills = run(actor, [fixed_fee_card("10.00", recurrence={"interval": 2, "offset": 1})], until=at(2026, 5, 1))
    assert [total(bills[m]) for m in range(1, 5)] == [0, D("10.00"), 0, D("10.00")]


def test_fees_in_a_second_currency_use_that_currency_rate(customer, actor):
    from tests.billing_admin.engine.money_helpers import account

    account(actor, "acc_eu", currency="EUR")
    p = plan(actor, "Two currencies", [{
        **fixed_fee_card("49.00"),
        "rateCardDetails": {"fixedFeeRateCard": {"id": "platform_fee", "rateValues": [
            {"currency": "USD", "rate": "49.00"}, {"currency": "EUR", "rate": "45.00"}]}},
    }], currencies=("USD", "EUR"))  # fmt: skip
    assign(actor, "acc_eu", p.id, at(2026, 1, 1))
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    close(actor, at(2026, 2, 1))
    eu = [i for i in invoices(actor, "acc_eu") if i.status != "DRAFT"]
    us = [i for i in invoices(actor, "acc_987") if i.status != "DRAFT"]
    assert [(i.currency, total(i)) for i in eu] == [("EUR", D("45.00"))]
    assert [(i.currency, total(i)) for i in us] == [("USD", D("49.00"))]
