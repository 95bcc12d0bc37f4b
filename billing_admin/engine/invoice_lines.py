"""One billing cycle priced on a compiled plan: the line-item tree of togai-api.md §14 (pure, no ORM).

Every card line is rounded once, where it is priced (half-up at the currency's minor unit); the
parent lines are sums of rounded children, so the tree always adds up to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from billing_admin.money import money_str

from .pricing import prorate, rate_usage, true_up
from .rating import ZERO, CompiledPlan, FixedFee, RatedCard, money

USAGE, FIXED, OTHER = "USAGE", "FIXED_FEE", "OTHER"


@dataclass(frozen=True)
class CycleFacts:
    """What a cycle's invoice depends on besides the plan."""

    currency: str
    start: datetime
    end: datetime
    natural_seconds: int  # length of the unclipped cycle, for proration
    index: int  # 0 = the assignment's first cycle
    next_window: tuple[datetime, datetime, int] | None  # next cycle of the same assignment (+ natural seconds)
    usage: dict[int, Decimal] = field(default_factory=dict)  # meter pk -> units
    feature_used: dict[int, Decimal] = field(default_factory=dict)  # feature pk -> units
    feature_granted: dict[int, Decimal] = field(default_factory=dict)


@dataclass
class PricedCycle:
    gross: Decimal
    tree: dict  # the GROSS_AMOUNT line with its children
    billables: list[tuple[str, str, Decimal]]  # (billable id, category, amount) for credit scoping


def line(kind: str, description: str, value: Decimal, currency: str, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"type": kind, "description": description, "value": money_str(value, currency)}
    for key, val in extra.items():
        if val is not None and val != []:
            item[key] = format(val, "f") if isinstance(val, Decimal) else val
    return item


def price_cycle(plan: CompiledPlan, facts: CycleFacts) -> PricedCycle:
    cur = facts.currency
    cards: list[dict] = []
    billables: list[tuple[str, str, Decimal]] = []

    def add(item: dict, billable: str, category: str) -> None:
        cards.append(item)
        billables.append((billable, category, Decimal(item["value"])))

    for card in plan.usage:
        add(_rated_line(card, facts.usage.get(card.target_pk, ZERO), cur, "USAGE_RATE_CARD"), card.billable_id, USAGE)
    for fee in plan.fixed:
        if fee.bills_in(facts.index) and (not fee.advance or facts.index == 0 or fee.one_time):
            seconds = (facts.end - facts.start).total_seconds()
            amount = _fee_amount(fee, cur, int(seconds), facts.natural_seconds)
            add(_fee_line(fee, amount, cur, "FIXED_FEE_RATE_CARD_AMOUNT"), fee.billable_id, FIXED)
    for card in plan.entitlements:
        if card.slabs.get(cur):
            item = _rated_line(card, card.limit, cur, "BILLING_ENTITLEMENT_RATE_CARD")
            add(item, card.billable_id, OTHER)
    for card in plan.overages:
        used = facts.feature_used.get(card.target_pk, ZERO)
        over = max(ZERO, used - facts.feature_granted.get(card.target_pk, ZERO))
        add(_rated_line(card, over, cur, "ENTITLEMENT_OVERAGE_RATE_CARD"), card.billable_id, OTHER)
    for grant in plan.grants:
        rate = grant.rates.get(cur, ZERO)
        if rate and (not grant.one_time or facts.index == 0):
            add(line("CREDIT_GRANT_RATE_CARD_AMOUNT", grant.display, money(rate, cur), cur), grant.billable_id, OTHER)
    subtotal = sum((Decimal(c["value"]) for c in cards), ZERO)
    plan_children = [line("SUB_TOTAL_AMOUNT", "Rate cards", subtotal, cur, lineItems=cards)]
    plan_amount = subtotal
    if cur in plan.commitment:
        seconds = int((facts.end - facts.start).total_seconds())
        committed = money(prorate(plan.commitment[cur], used_seconds=seconds, cycle_seconds=facts.natural_seconds), cur)
        extra = true_up(subtotal=subtotal, commitment=committed)
        plan_children.append(line("TRUE_UP_AMOUNT", f"{plan.commitment_display} of {committed}", extra, cur))
        billables.append(("minimum_commitment", OTHER, extra))
        plan_amount += extra
    children = [line("PRICE_PLAN_AMOUNT", plan.name, plan_amount, cur, id=plan.plan_id, lineItems=plan_children)]
    advanced = _advanced_fees(plan, facts, billables)
    gross = plan_amount + sum((Decimal(a["value"]) for a in advanced), ZERO)
    if advanced:
        total = sum((Decimal(a["value"]) for a in advanced), ZERO)
        children.append(
            line("TOTAL_ADVANCED_FEES", "Billed in advance for the next cycle", total, cur, lineItems=advanced)
        )
    return PricedCycle(gross, line("GROSS_AMOUNT", "Charges", gross, cur, lineItems=children), billables)


def _advanced_fees(plan: CompiledPlan, facts: CycleFacts, billables: list) -> list[dict]:
    if facts.next_window is None:
        return []
    start, end, natural = facts.next_window
    items = []
    for fee in plan.fixed:
        if fee.advance and not fee.one_time and fee.bills_in(facts.index + 1):
            amount = _fee_amount(fee, facts.currency, int((end - start).total_seconds()), natural)
            items.append(_fee_line(fee, amount, facts.currency, "ADVANCED_FIXED_FEE", start=start))
            billables.append((fee.billable_id, FIXED, Decimal(items[-1]["value"])))
    return items


def _fee_amount(fee: FixedFee, currency: str, seconds: int, natural: int) -> Decimal:
    rate = fee.rates.get(currency, ZERO)
    if fee.prorate and not fee.one_time and seconds < natural:
        return money(prorate(rate, used_seconds=seconds, cycle_seconds=natural), currency)
    return money(rate, currency)


def _fee_line(fee: FixedFee, amount: Decimal, cur: str, kind: str, start: datetime | None = None) -> dict:
    description = fee.display if start is None else f"{fee.display} (cycle from {start:%Y-%m-%d})"
    rate = fee.rates.get(cur, ZERO)
    if amount != money(rate, cur):
        description += " (prorated)"
    return line(kind, description, amount, cur, id=fee.billable_id, quantity=Decimal(1), valuePerQuantity=amount)


def _rated_line(card: RatedCard, quantity: Decimal, cur: str, prefix: str) -> dict:
    minimum, maximum = card.bounds.get(cur, (None, None))
    rated = rate_usage(
        quantity, pricing_model=card.model, slabs=card.slabs[cur], minimum_rate=minimum, maximum_rate=maximum
    )
    children = [
        line(
            f"{prefix}_SLAB_AMOUNT",
            f"Slab {slab.order}",
            money(slab.amount, cur),
            cur,
            quantity=slab.quantity,
            valuePerQuantity=slab.value_per_quantity,
            metadata={"packageQuantity": format(slab.package_quantity, "f")} if slab.package_quantity else None,
        )
        for slab in rated.slabs
    ]
    if rated.adjustment:
        children.append(line("RATE_CONFIG_ADJUSTMENT_AMOUNT", "Minimum/maximum rate", rated.adjustment, cur))
    return line(
        f"{prefix}_AMOUNT",
        card.display,
        money(rated.amount, cur),
        cur,
        id=card.billable_id,
        quantity=quantity,
        lineItems=children,
    )
