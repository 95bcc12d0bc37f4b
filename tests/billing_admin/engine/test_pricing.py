from __future__ import annotations

from decimal import Decimal

import pytest

from billing_admin.engine.pricing import RatedUsage, Slab, prorate, rate_usage, true_up, validate_slabs

D = Decimal


def worked_example_slabs() -> list[Slab]:
    """The three PER_UNIT slabs of togai-api.md §20.1."""
    return [
        Slab(order=1, start_after=D("0"), price_type="PER_UNIT", rate=D("0.10")),
        Slab(order=2, start_after=D("1000"), price_type="PER_UNIT", rate=D("0.08")),
        Slab(order=3, start_after=D("5000"), price_type="PER_UNIT", rate=D("0.05")),
    ]


def package_variant_slabs() -> list[Slab]:
    first, second, _ = worked_example_slabs()
    third = Slab(order=3, start_after=D("5000"), price_type="PACKAGE", rate=D("20"), package_size=D("500"))
    return [first, second, third]


def flat_variant_slabs() -> list[Slab]:
    _, second, third = worked_example_slabs()
    return [Slab(order=1, start_after=D("0"), price_type="FLAT", rate=D("25")), second, third]


def rows(rated: RatedUsage) -> list[tuple[int, Decimal, Decimal, Decimal]]:
    return [(s.order, s.quantity, s.value_per_quantity, s.amount) for s in rated.slabs]


# Worked examples (togai-api.md §20.1)


def test_tiered_pricing_of_6000_units_is_470() -> None:
    rated = rate_usage(D("6000"), pricing_model="TIERED", slabs=worked_example_slabs())

    assert rated.amount == D("470.00")
    assert rated.subtotal == D("470.00")
    assert rated.adjustment == 0
    assert rows(rated) == [
        (1, D("1000"), D("0.10"), D("100")),
        (2, D("4000"), D("0.08"), D("320")),
        (3, D("1000"), D("0.05"), D("50")),
    ]
    assert all(s.package_quantity is None for s in rated.slabs)


def test_volume_pricing_of_6000_units_is_300_all_on_the_last_slab_reached() -> None:
    rated = rate_usage(D("6000"), pricing_model="VOLUME", slabs=worked_example_slabs())

    assert rated.amount == D("300.00")
    assert [(s.quantity, s.amount) for s in rated.slabs] == [(0, 0), (0, 0), (D("6000"), D("300"))]


def test_tiered_package_slab_charges_two_packages_for_1000_units_for_460() -> None:
    rated = rate_usage(D("6000"), pricing_model="TIERED", slabs=package_variant_slabs())

    assert rated.amount == D("460.00")
    assert rated.slabs[2].package_quantity == 2
    assert rated.slabs[2].amount == D("40")


def test_tiered_package_slab_charges_a_partial_package_whole_so_6100_units_cost_480() -> None:
    rated = rate_usage(D("6100"), pricing_model="TIERED", slabs=package_variant_slabs())

    assert rated.amount == D("480.00")
    assert rated.slabs[2].quantity == D("1100")
    assert rated.slabs[2].package_quantity == 3


def test_volume_package_slab_applies_the_package_rate_to_the_whole_6000_units_for_240() -> None:
    rated = rate_usage(D("6000"), pricing_model="VOLUME", slabs=package_variant_slabs())

    assert rated.amount == D("240.00")
    assert rated.slabs[2].package_quantity == 12


def test_tiered_flat_first_slab_charges_25_once_so_6000_units_cost_395() -> None:
    rated = rate_usage(D("6000"), pricing_model="TIERED", slabs=flat_variant_slabs())

    assert rated.amount == D("395.00")
    assert rows(rated)[0] == (1, D("1000"), D("25"), D("25"))


def test_card_maximum_rate_of_400_clamps_470_and_reports_the_adjustment() -> None:
    rated = rate_usage(D("6000"), pricing_model="TIERED", slabs=worked_example_slabs(), maximum_rate=D("400"))

    assert rated.subtotal == D("470.00")
    assert rated.amount == D("400.00")
    assert rated.adjustment == D("-70.00")


def test_card_minimum_rate_lifts_a_small_total_and_reports_the_adjustment() -> None:
    rated = rate_usage(D("10"), pricing_model="TIERED", slabs=worked_example_slabs(), minimum_rate=D("5"))

    assert rated.subtotal == D("1.00")
    assert rated.amount == D("5")
    assert rated.adjustment == D("4.00")


def test_minimum_commitment_of_500_over_470_of_usage_trues_up_30() -> None:
    subtotal = rate_usage(D("6000"), pricing_model="TIERED", slabs=worked_example_slabs()).amount

    assert true_up(subtotal=subtotal, commitment=D("500")) == D("30.00")


def test_true_up_is_zero_when_usage_exceeds_the_commitment() -> None:
    assert true_up(subtotal=D("470"), commitment=D("400")) == 0


# Boundaries and edge cases


def test_exactly_1000_units_stay_in_the_first_slab() -> None:
    tiered = rate_usage(D("1000"), pricing_model="TIERED", slabs=worked_example_slabs())
    volume = rate_usage(D("1000"), pricing_model="VOLUME", slabs=worked_example_slabs())

    assert [s.quantity for s in tiered.slabs] == [D("1000"), 0, 0]
    assert tiered.amount == D("100.00")
    assert [s.quantity for s in volume.slabs] == [D("1000"), 0, 0]
    assert volume.amount == D("100.00")


def test_1000_point_5_units_cross_into_the_second_slab() -> None:
    tiered = rate_usage(D("1000.5"), pricing_model="TIERED", slabs=worked_example_slabs())
    volume = rate_usage(D("1000.5"), pricing_model="VOLUME", slabs=worked_example_slabs())

    assert [s.quantity for s in tiered.slabs] == [D("1000"), D("0.5"), 0]
    assert tiered.amount == D("100.040")
    assert [s.quantity for s in volume.slabs] == [0, D("1000.5"), 0]
    assert volume.amount == D("80.040")


def test_zero_quantity_costs_nothing_not_even_a_flat_fee_or_card_minimum() -> None:
    rated = rate_usage(D("0"), pricing_model="TIERED", slabs=flat_variant_slabs(), minimum_rate=D("10"))

    assert rated.amount == 0
    assert rated.subtotal == 0
    assert rated.adjustment == 0
    assert [s.amount for s in rated.slabs] == [0, 0, 0]
    assert len(rated.slabs) == 3


def test_zero_quantity_on_a_package_slab_charges_zero_packages() -> None:
    rated = rate_usage(D("0"), pricing_model="VOLUME", slabs=package_variant_slabs())

    assert rated.slabs[2].package_quantity == 0
    assert rated.amount == 0


def test_volume_with_a_flat_slab_charges_the_flat_rate_once_for_the_whole_quantity() -> None:
    slabs = [
        Slab(order=1, start_after=D("0"), price_type="FLAT", rate=D("25")),
        Slab(order=2, start_after=D("1000"), price_type="FLAT", rate=D("60")),
    ]

    assert rate_usage(D("999"), pricing_model="VOLUME", slabs=slabs).amount == D("25")
    assert rate_usage(D("6000"), pricing_model="VOLUME", slabs=slabs).amount == D("60")


def test_per_slab_clamps_apply_only_to_slabs_that_received_usage() -> None:
    slabs = [
        Slab(order=1, start_after=D("0"), price_type="PER_UNIT", rate=D("0.10"), minimum_rate=D("150")),
        Slab(order=2, start_after=D("1000"), price_type="PER_UNIT", rate=D("0.08"), maximum_rate=D("200")),
        Slab(order=3, start_after=D("5000"), price_type="PER_UNIT", rate=D("0.05"), minimum_rate=D("75")),
    ]

    rated = rate_usage(D("3000"), pricing_model="TIERED", slabs=slabs)

    assert [s.amount for s in rated.slabs] == [D("150"), D("160.00"), 0]
    assert rated.amount == D("310.00")


def test_slabs_are_rated_in_order_whatever_order_they_are_given_in() -> None:
    rated = rate_usage(D("6000"), pricing_model="TIERED", slabs=list(reversed(worked_example_slabs())))

    assert [s.order for s in rated.slabs] == [1, 2, 3]
    assert rated.amount == D("470.00")


def test_negative_quantity_is_refused() -> None:
    with pytest.raises(ValueError, match="quantity must be 0 or more"):
        rate_usage(D("-1"), pricing_model="TIERED", slabs=worked_example_slabs())


def test_an_unknown_pricing_model_is_refused() -> None:
    with pytest.raises(ValueError, match="use TIERED or VOLUME"):
        rate_usage(D("1"), pricing_model="PACKAGE", slabs=worked_example_slabs())  # type: ignore[arg-type]


def test_invalid_slabs_are_refused_when_rating() -> None:
    with pytest.raises(ValueError, match="at least one slab"):
        rate_usage(D("1"), pricing_model="TIERED", slabs=[])


def test_a_card_minimum_above_the_card_maximum_is_refused() -> None:
    with pytest.raises(ValueError, match="above maximum rate"):
        rate_usage(
            D("1"),
            pricing_model="TIERED",
            slabs=worked_example_slabs(),
            minimum_rate=D("10"),
            maximum_rate=D("5"),
        )


# Floats are refused everywhere


def test_a_float_quantity_is_refused() -> None:
    with pytest.raises(TypeError, match="quantity"):
        rate_usage(6000.0, pricing_model="TIERED", slabs=worked_example_slabs())  # type: ignore[arg-type]


def test_a_float_card_bound_is_refused() -> None:
    with pytest.raises(TypeError, match="maximum_rate"):
        rate_usage(D("1"), pricing_model="TIERED", slabs=worked_example_slabs(), maximum_rate=400.0)  # type: ignore[arg-type]


def test_a_slab_with_a_float_rate_is_refused() -> None:
    with pytest.raises(TypeError, match="rate"):
        Slab(order=1, start_after=D("0"), price_type="PER_UNIT", rate=0.10)  # type: ignore[arg-type]


def test_a_slab_with_a_float_package_size_is_refused() -> None:
    with pytest.raises(TypeError, match="package_size"):
        Slab(order=1, start_after=D("0"), price_type="PACKAGE", rate=D("1"), package_size=500.0)  # type: ignore[arg-type]


def test_floats_are_refused_by_true_up_and_prorate() -> None:
    with pytest.raises(TypeError):
        true_up(subtotal=D("470"), commitment=500.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        prorate(100.0, used_seconds=1, cycle_seconds=2)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        prorate(D("100"), used_seconds=1.5, cycle_seconds=2)  # type: ignore[arg-type]


def test_ints_are_accepted_as_exact_decimals() -> None:
    slab = Slab(order=1, start_after=0, price_type="PER_UNIT", rate=2)  # type: ignore[arg-type]

    assert slab.rate == D("2") and isinstance(slab.rate, Decimal)
    assert rate_usage(3, pricing_model="TIERED", slabs=[slab]).amount == D("6")  # type: ignore[arg-type]


# validate_slabs


def test_valid_slabs_have_no_problems() -> None:
    assert validate_slabs(worked_example_slabs()) == []
    assert validate_slabs(package_variant_slabs()) == []


def test_an_empty_slab_list_is_a_problem() -> None:
    assert validate_slabs([]) == ["a rate plan needs at least one slab; add one starting after 0"]


def test_duplicate_orders_are_named() -> None:
    first, second, _ = worked_example_slabs()
    duplicate = Slab(order=2, start_after=D("3000"), price_type="PER_UNIT", rate=D("0.05"))

    assert validate_slabs([first, second, duplicate]) == [
        "slab order 2 is used more than once; give each slab its own order"
    ]


def test_a_first_slab_not_starting_after_zero_is_named() -> None:
    slabs = [Slab(order=1, start_after=D("100"), price_type="PER_UNIT", rate=D("1"))]

    assert validate_slabs(slabs) == ["the first slab (order 1) must start after 0, not 100"]


def test_start_after_that_does_not_increase_with_order_is_named() -> None:
    first, _, third = worked_example_slabs()
    second = Slab(order=2, start_after=D("5000"), price_type="PER_UNIT", rate=D("0.08"))

    assert validate_slabs([first, second, third]) == ["slab 3 starts after 5000, which must be above slab 2's 5000"]


def test_a_negative_rate_is_named() -> None:
    slabs = [Slab(order=1, start_after=D("0"), price_type="PER_UNIT", rate=D("-0.10"))]

    assert validate_slabs(slabs) == ["slab 1 has a negative rate (-0.10); rates must be 0 or more"]


def test_a_package_slab_without_a_positive_package_size_is_named() -> None:
    missing = Slab(order=1, start_after=D("0"), price_type="PACKAGE", rate=D("20"))
    zero = Slab(order=2, start_after=D("10"), price_type="PACKAGE", rate=D("20"), package_size=D("0"))

    assert validate_slabs([missing, zero]) == [
        "slab 1 is PACKAGE and needs a package size above 0",
        "slab 2 is PACKAGE and needs a package size above 0",
    ]


def test_a_slab_minimum_above_its_maximum_is_named() -> None:
    slab = Slab(
        order=1,
        start_after=D("0"),
        price_type="PER_UNIT",
        rate=D("1"),
        minimum_rate=D("10"),
        maximum_rate=D("5"),
    )

    assert validate_slabs([slab]) == ["slab 1 has a minimum rate (10) above its maximum rate (5)"]


def test_an_unknown_price_type_is_named() -> None:
    slab = Slab(order=1, start_after=D("0"), price_type="TIERED", rate=D("1"))  # type: ignore[arg-type]

    assert validate_slabs([slab]) == ["slab 1: unknown price type 'TIERED'; use PER_UNIT, FLAT or PACKAGE"]


def test_every_problem_is_reported_at_once() -> None:
    slabs = [
        Slab(order=1, start_after=D("10"), price_type="PER_UNIT", rate=D("-1")),
        Slab(order=2, start_after=D("5"), price_type="PACKAGE", rate=D("1")),
    ]

    assert len(validate_slabs(slabs)) == 4


# prorate


def test_15_of_30_days_of_100_prorates_to_50() -> None:
    day = 24 * 60 * 60

    assert prorate(D("100"), used_seconds=15 * day, cycle_seconds=30 * day) == D("50")


def test_prorate_keeps_the_fraction_unrounded() -> None:
    assert prorate(D("100"), used_seconds=1, cycle_seconds=8) == D("12.5")
    assert prorate(D("0.10"), used_seconds=1, cycle_seconds=4) == D("0.025")


def test_prorate_at_the_edges_of_the_cycle() -> None:
    assert prorate(D("100"), used_seconds=0, cycle_seconds=30) == 0
    assert prorate(D("100"), used_seconds=30, cycle_seconds=30) == D("100")


@pytest.mark.parametrize(("used", "cycle"), [(-1, 30), (31, 30), (0, 0)])
def test_prorate_refuses_used_time_outside_the_cycle(used: int, cycle: int) -> None:
    with pytest.raises(ValueError):
        prorate(D("100"), used_seconds=used, cycle_seconds=cycle)
