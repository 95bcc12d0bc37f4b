"""Usage priced on finalized invoices: each pricing model and slab type with the figures of
togai-api.md §20.1, rate bounds and the minimum commitment, down to the line-item tree."""

from __future__ import annotations

import pytest

from tests.billing_admin.engine.money_helpers import (
    D,
    api_meter,
    assign,
    at,
    close,
    commitment_card,
    find,
    fixed_fee_card,
    invoice,
    invoices,
    only_invoice,
    plan,
    total,
    usage_card,
    use,
    value,
)

pytestmark = pytest.mark.django_db


def bill(actor, cards, units) -> object:
    """January 2026 on a monthly plan with `cards`, `units` (one event per entry) used, then closed."""
    p = plan(actor, "Plan", cards)
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    for i, n in enumerate(units if isinstance(units, list) else [units]):
        use(actor, "acc_987", n, at(2026, 1, 10 + i), event_id=f"e{i}")
    close(actor, at(2026, 2, 1))
    return january(actor)


def january(actor):
    found = [i for i in invoices(actor) if i.startDate == at(2026, 1, 1)]
    assert len(found) == 1
    return invoice(actor, found[0].id)


def slab_rows(inv) -> list[tuple]:
    return [(D(s["quantity"]), D(s["valuePerQuantity"]), D(s["value"])) for s in find(
        inv.revenueInfo, "USAGE_RATE_CARD_SLAB_AMOUNT")]  # fmt: skip


def test_tiered_6000_units_bills_470_with_one_line_per_slab(customer, actor):
    inv = bill(actor, [usage_card(api_meter(actor))], [2500, 3500])
    assert total(inv) == D("470.00")
    assert value(inv.revenueInfo, "USAGE_RATE_CARD_AMOUNT") == D("470.00")
    assert slab_rows(inv) == [
        (D(1000), D("0.10"), D("100.00")),
        (D(4000), D("0.08"), D("320.00")),
        (D(1000), D("0.05"), D("50.00")),
    ]
    usage = find(inv.revenueInfo, "USAGE_RATE_CARD_AMOUNT")[0]
    assert D(usage["quantity"]) == 6000
    # The §14 spine: TOTAL -> NET -> GROSS -> PRICE_PLAN -> SUB_TOTAL -> usage card.
    assert inv.revenueInfo.type == "TOTAL_AMOUNT"
    for kind in ("NET_AMOUNT", "GROSS_AMOUNT", "PRICE_PLAN_AMOUNT", "SUB_TOTAL_AMOUNT"):
        assert value(inv.revenueInfo, kind) == D("470.00")


def test_volume_6000_units_prices_everything_at_the_reached_slab(customer, actor):
    inv = bill(actor, [usage_card(api_meter(actor), model="VOLUME")], 6000)
    assert total(inv) == D("300.00")
    assert [r[0] for r in slab_rows(inv)] == [0, 0, 6000]


def test_volume_quantity_on_a_boundary_stays_in_the_lower_slab(customer, actor):
    inv = bill(actor, [usage_card(api_meter(actor), model="VOLUME")], 5000)
    assert total(inv) == D("400.00")  # 5000 x 0.08: slab 3 starts *after* 5000


def test_tiered_package_slab_sells_started_packages_whole(customer, actor):
    card = usage_card(api_meter(actor), tiers=[(0, "0.10"), (1000, "0.08"), (5000, "20")],
                      price_types={3: "PACKAGE"}, packages={3: 500})  # fmt: skip
    inv = bill(actor, [card], 6000)
    assert total(inv) == D("460.00")
    package = find(inv.revenueInfo, "USAGE_RATE_CARD_SLAB_AMOUNT")[2]
    assert package["metadata"] == {"packageQuantity": "2"}


def test_tiered_package_slab_at_6100_units_bills_a_third_package(customer, actor):
    card = usage_card(api_meter(actor), tiers=[(0, "0.10"), (1000, "0.08"), (5000, "20")],
                      price_types={3: "PACKAGE"}, packages={3: 500})  # fmt: skip
    assert total(bill(actor, [card], 6100)) == D("480.00")


def test_volume_package_slab_packages_the_whole_quantity(customer, actor):
    card = usage_card(api_meter(actor), model="VOLUME", tiers=[(0, "0.10"), (1000, "0.08"), (5000, "20")],
                      price_types={3: "PACKAGE"}, packages={3: 500})  # fmt: skip
    assert total(bill(actor, [card], 6000)) == D("240.00")


def test_flat_first_slab_charges_its_rate_once(customer, actor):
    card = usage_card(api_meter(actor), tiers=[(0, "25"), (1000, "0.08"), (5000, "0.05")], price_types={1: "FLAT"})
    inv = bill(actor, [card], 6000)
    assert total(inv) == D("395.00")
    assert slab_rows(inv)[0] == (D(1000), D(25), D("25.00"))


def test_maximum_rate_clamps_the_card_total_and_shows_the_adjustment(customer, actor):
    card = usage_card(api_meter(actor), rate_config={"maximumRate": "400"})
    inv = bill(actor, [card], 6000)
    assert total(inv) == D("400.00")
    assert value(inv.revenueInfo, "RATE_CONFIG_ADJUSTMENT_AMOUNT") == D("-70.00")
    assert sum(r[2] for r in slab_rows(inv)) == D("470.00")  # slabs still show what was used


def test_minimum_rate_lifts_a_small_usage_total(customer, actor):
    card = usage_card(api_meter(actor), rate_config={"minimumRate": "50"})
    inv = bill(actor, [card], 100)
    assert total(inv) == D("50.00")
    assert value(inv.revenueInfo, "RATE_CONFIG_ADJUSTMENT_AMOUNT") == D("40.00")


def test_minimum_commitment_of_500_adds_a_30_true_up_to_470(customer, actor):
    inv = bill(actor, [usage_card(api_meter(actor)), commitment_card("500")], 6000)
    assert value(inv.revenueInfo, "SUB_TOTAL_AMOUNT") == D("470.00")
    assert value(inv.revenueInfo, "TRUE_UP_AMOUNT") == D("30.00")
    assert value(inv.revenueInfo, "PRICE_PLAN_AMOUNT") == D("500.00")
    assert total(inv) == D("500.00")


def test_minimum_commitment_already_met_adds_nothing(customer, actor):
    inv = bill(actor, [usage_card(api_meter(actor)), commitment_card("400")], 6000)
    assert value(inv.revenueInfo, "TRUE_UP_AMOUNT") == D("0.00")
    assert total(inv) == D("470.00")


def test_minimum_commitment_counts_fixed_fees_toward_the_commitment(customer, actor):
    cards = [usage_card(api_meter(actor)), fixed_fee_card("20.00"), commitment_card("500")]
    inv = bill(actor, cards, 6000)
    assert value(inv.revenueInfo, "TRUE_UP_AMOUNT") == D("10.00")
    assert total(inv) == D("500.00")


def test_a_cycle_without_usage_bills_zero_usage_and_keeps_the_slab_lines(customer, actor):
    inv = bill(actor, [usage_card(api_meter(actor), rate_config={"minimumRate": "50"})], [])
    assert total(inv) == D("0.00")
    assert inv.status == "PAID"  # nothing to collect
    assert [r[0] for r in slab_rows(inv)] == [0, 0, 0]


def test_fractional_units_are_rounded_once_on_the_card_line(customer, actor):
    card = usage_card(api_meter(actor), tiers=[(0, "0.0333")])
    inv = bill(actor, [card], ["1.5", "1.5", "1.5"])  # 4.5 x 0.0333 = 0.14985
    assert total(inv) == D("0.15")


def test_two_meters_on_one_plan_are_priced_separately(customer, actor):
    api = api_meter(actor)
    storage = api_meter(actor, "storage_gb")
    cards = [usage_card(api), usage_card(storage, tiers=[(0, "2.00")], display="Storage")]
    p = plan(actor, "Two meters", cards)
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    use(actor, "acc_987", 6000, at(2026, 1, 5), event_id="a")
    use(actor, "acc_987", 12, at(2026, 1, 6), event_id="s", schema="storage_gb")
    close(actor, at(2026, 2, 1))
    inv = only_invoice(actor, status="DUE")
    assert [D(c["value"]) for c in find(inv.revenueInfo, "USAGE_RATE_CARD_AMOUNT")] == [D("470.00"), D("24.00")]
    assert total(inv) == D("494.00")
