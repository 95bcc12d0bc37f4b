"""Slab math for rate cards: pure functions over Decimal (togai-api.md §20.1).

Amounts come back exact and unrounded; the one rounding rule in `billing_admin.money` is applied
where an invoice line is priced, so rounding never compounds across slabs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, get_args

PricingModel = Literal["TIERED", "VOLUME"]
PriceType = Literal["PER_UNIT", "FLAT", "PACKAGE"]

ZERO = Decimal(0)


def _exact(value: object, name: str) -> Decimal:
    # Floats cannot hold 0.10 exactly, so one slipping in would skew every invoice line it touches.
    if isinstance(value, bool | float) or not isinstance(value, int | Decimal):
        raise TypeError(f"{name} must be a Decimal or an int, not {type(value).__name__}")
    if isinstance(value, int):
        return Decimal(value)
    if not value.is_finite():
        raise ValueError(f"{name} must be a finite number, not {value}")
    return value


def _exact_or_none(value: object, name: str) -> Decimal | None:
    return None if value is None else _exact(value, name)


@dataclass(frozen=True)
class Slab:
    order: int
    start_after: Decimal  # slab i covers quantities in (start_after_i, start_after_{i+1}]
    price_type: PriceType
    rate: Decimal  # per unit, per slab (FLAT) or per package (PACKAGE)
    package_size: Decimal | None = None  # required (>0) for PACKAGE
    minimum_rate: Decimal | None = None  # per-slab clamp of the slab's amount
    maximum_rate: Decimal | None = None

    def __post_init__(self) -> None:
        # Checked here rather than when rating so a bad value is reported where the slab was built.
        if isinstance(self.order, bool) or not isinstance(self.order, int):
            raise TypeError(f"slab order must be an int, not {type(self.order).__name__}")
        object.__setattr__(self, "start_after", _exact(self.start_after, "start_after"))
        object.__setattr__(self, "rate", _exact(self.rate, "rate"))
        for name in ("package_size", "minimum_rate", "maximum_rate"):
            object.__setattr__(self, name, _exact_or_none(getattr(self, name), name))


@dataclass(frozen=True)
class SlabCharge:
    order: int
    quantity: Decimal  # VOLUME: the whole quantity on the reached slab, 0 on the others
    value_per_quantity: Decimal
    amount: Decimal
    package_quantity: Decimal | None  # PACKAGE only


@dataclass(frozen=True)
class RatedUsage:
    quantity: Decimal
    slabs: tuple[SlabCharge, ...]  # every slab in order, zero rows included so invoices can show them
    subtotal: Decimal
    adjustment: Decimal  # amount - subtotal from the card-level clamp
    amount: Decimal


def validate_slabs(slabs: Sequence[Slab]) -> list[str]:
    """Return every problem with a rate plan's slabs, worded for the person fixing them."""
    if not slabs:
        return ["a rate plan needs at least one slab; add one starting after 0"]
    problems: list[str] = []
    orders = [slab.order for slab in slabs]
    for order in sorted({o for o in orders if orders.count(o) > 1}):
        problems.append(f"slab order {order} is used more than once; give each slab its own order")
    ordered = sorted(slabs, key=lambda slab: slab.order)
    first = ordered[0]
    if first.start_after != 0:
        problems.append(f"the first slab (order {first.order}) must start after 0, not {first.start_after}")
    for previous, slab in zip(ordered, ordered[1:], strict=False):
        if slab.order != previous.order and slab.start_after <= previous.start_after:
            problems.append(
                f"slab {slab.order} starts after {slab.start_after}, which must be above "
                f"slab {previous.order}'s {previous.start_after}"
            )
    for slab in ordered:
        problems.extend(_slab_problems(slab))
    return problems


def _slab_problems(slab: Slab) -> list[str]:
    problems: list[str] = []
    if slab.price_type not in get_args(PriceType):
        problems.append(f"slab {slab.order}: unknown price type {slab.price_type!r}; use PER_UNIT, FLAT or PACKAGE")
    if slab.rate < 0:
        problems.append(f"slab {slab.order} has a negative rate ({slab.rate}); rates must be 0 or more")
    if slab.price_type == "PACKAGE" and (slab.package_size is None or slab.package_size <= 0):
        problems.append(f"slab {slab.order} is PACKAGE and needs a package size above 0")
    low, high = slab.minimum_rate, slab.maximum_rate
    if low is not None and high is not None and low > high:
        problems.append(f"slab {slab.order} has a minimum rate ({low}) above its maximum rate ({high})")
    return problems


def rate_usage(
    quantity: Decimal,
    *,
    pricing_model: PricingModel,
    slabs: Sequence[Slab],
    minimum_rate: Decimal | None = None,
    maximum_rate: Decimal | None = None,
) -> RatedUsage:
    """Price a quantity on a rate plan, slab by slab, then clamp the card total."""
    quantity = _exact(quantity, "quantity")
    minimum_rate = _exact_or_none(minimum_rate, "minimum_rate")
    maximum_rate = _exact_or_none(maximum_rate, "maximum_rate")
    if quantity < 0:
        raise ValueError(f"quantity must be 0 or more, not {quantity}")
    if pricing_model not in get_args(PricingModel):
        raise ValueError(f"pricing model {pricing_model!r} is not supported; use TIERED or VOLUME")
    problems = validate_slabs(slabs)
    if problems:
        raise ValueError("; ".join(problems))
    if minimum_rate is not None and maximum_rate is not None and minimum_rate > maximum_rate:
        raise ValueError(f"minimum rate {minimum_rate} is above maximum rate {maximum_rate}")

    ordered = sorted(slabs, key=lambda slab: slab.order)
    split = _tiered_units if pricing_model == "TIERED" else _volume_units
    units = split(quantity, ordered)
    charges = tuple(_charge(slab, slab_units) for slab, slab_units in zip(ordered, units, strict=True))
    subtotal = sum((charge.amount for charge in charges), ZERO)
    # An unused meter bills nothing: a card minimum only lifts usage that actually happened.
    amount = _clamp(subtotal, minimum_rate, maximum_rate) if quantity > 0 else subtotal
    return RatedUsage(quantity, charges, subtotal=subtotal, adjustment=amount - subtotal, amount=amount)


def _tiered_units(quantity: Decimal, ordered: Sequence[Slab]) -> list[Decimal]:
    uppers: list[Decimal | None] = [slab.start_after for slab in ordered[1:]] + [None]
    return [
        max(ZERO, (quantity if upper is None else min(quantity, upper)) - slab.start_after)
        for slab, upper in zip(ordered, uppers, strict=True)
    ]


def _volume_units(quantity: Decimal, ordered: Sequence[Slab]) -> list[Decimal]:
    # Slabs start *after* their boundary, so a quantity equal to a boundary stays in the lower slab.
    reached = [i for i, slab in enumerate(ordered) if quantity > slab.start_after]
    last = reached[-1] if reached else None
    return [quantity if i == last else ZERO for i in range(len(ordered))]


def _charge(slab: Slab, units: Decimal) -> SlabCharge:
    packages: Decimal | None = None
    if slab.price_type == "PACKAGE":
        assert slab.package_size is not None  # guaranteed by validate_slabs
        whole, part = divmod(units, slab.package_size)
        # A started package is sold whole; divmod keeps the count exact where division could round.
        packages = whole + (1 if part else 0)
        amount = packages * slab.rate
    elif slab.price_type == "FLAT":
        amount = slab.rate if units > 0 else ZERO
    else:
        amount = units * slab.rate
    if units > 0:
        amount = _clamp(amount, slab.minimum_rate, slab.maximum_rate)
    return SlabCharge(slab.order, units, slab.rate, amount, package_quantity=packages)


def _clamp(amount: Decimal, minimum: Decimal | None, maximum: Decimal | None) -> Decimal:
    if minimum is not None and amount < minimum:
        return minimum
    if maximum is not None and amount > maximum:
        return maximum
    return amount


def true_up(*, subtotal: Decimal, commitment: Decimal) -> Decimal:
    """What a minimum commitment adds on top of the rate cards: never negative."""
    subtotal = _exact(subtotal, "subtotal")
    commitment = _exact(commitment, "commitment")
    if commitment < 0:
        raise ValueError(f"commitment must be 0 or more, not {commitment}")
    return max(ZERO, commitment - subtotal)


def prorate(amount: Decimal, *, used_seconds: int, cycle_seconds: int) -> Decimal:
    """Share of an amount for the part of a cycle used, unrounded (full Decimal precision)."""
    amount = _exact(amount, "amount")
    for name, value in (("used_seconds", used_seconds), ("cycle_seconds", cycle_seconds)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if cycle_seconds <= 0:
        raise ValueError(f"cycle_seconds must be above 0, not {cycle_seconds}")
    if not 0 <= used_seconds <= cycle_seconds:
        raise ValueError(f"used_seconds must be between 0 and {cycle_seconds}, not {used_seconds}")
    # Multiply before dividing so fractions that terminate (15 of 30 days) come out exact.
    return amount * used_seconds / cycle_seconds
