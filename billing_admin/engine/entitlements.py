"""Entitlements: features granted per cycle by BILLING_ENTITLEMENT cards, used by mapped events.

Ingestion counts a feature's use into FeatureUsage(account, feature, cycle); these selectors
compare it with the cycle's grants and the overage allowance of ENTITLEMENT_OVERAGE cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from billing_admin import schemas as s
from billing_admin.errors import NotFoundError

from .models import Account, BillingCycle, Feature, FeatureGrant, FeatureUsage
from .models.events import QUANTITY_SCALE
from .rating import CompiledPlan, add_duration

ZERO = Decimal(0)
_SCALE = Decimal(10) ** QUANTITY_SCALE


def to_micros(quantity: Decimal) -> int:
    return int(quantity * _SCALE)


def from_micros(micros: int) -> Decimal:
    return (Decimal(micros) / _SCALE).normalize() if micros else ZERO


def grants_for(cycle: BillingCycle, plan: CompiledPlan) -> list[FeatureGrant]:
    """Unsaved grants of a new cycle: one per BILLING_ENTITLEMENT card, valid within the cycle."""
    allowance = {card.target_pk: card.max_quantity for card in plan.overages}
    grants = []
    for card in plan.entitlements:
        until = cycle.end
        if card.validity:
            until = min(until, add_duration(cycle.start, card.validity))
        if card.target_pk in allowance:
            limit = allowance[card.target_pk]
            overage = None if limit is None else to_micros(limit)
        else:
            overage = 0  # no overage card: nothing beyond the grant
        grants.append(
            FeatureGrant(
                account_id=cycle.account_id,
                feature_id=card.target_pk,
                cycle=cycle,
                source="PRICE_PLAN",
                granted_micros=to_micros(card.limit),
                overage_limit_micros=overage,
                effective_from=cycle.start,
                effective_until=until,
            )
        )
    return grants


@dataclass(frozen=True)
class FeatureState:
    feature: Feature
    granted: Decimal
    used: Decimal
    overage_limit: Decimal | None  # None = unlimited

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.granted - self.used)

    @property
    def used_overage(self) -> Decimal:
        return max(ZERO, self.used - self.granted)


def _states(account: Account, features: list[Feature] | None, now: datetime) -> list[FeatureState]:
    grants = FeatureGrant.objects.filter(
        account=account, status="ACTIVE", effective_from__lte=now, effective_until__gt=now
    ).values_list("feature_id", "cycle_id", "granted_micros", "overage_limit_micros")
    if features is not None:
        grants = grants.filter(feature__in=features)
    rows = list(grants)
    if not rows and not BillingCycle.objects.filter(account=account, start__lte=now, end__gt=now).exists():
        from .billing_cycles import cycle_ensure

        # The cycle after a just-ended one opens on first need, with its grants.
        if cycle_ensure(account, now) is not None:
            rows = list(grants.all())
    totals: dict[int, list] = {}
    for feature_pk, cycle_pk, granted, overage in rows:
        entry = totals.setdefault(feature_pk, [cycle_pk, 0, 0])
        entry[1] += granted
        entry[2] = None if overage is None or entry[2] is None else entry[2] + overage
    used = dict(
        FeatureUsage.objects.filter(account=account, cycle_id__in={v[0] for v in totals.values()}).values_list(
            "feature_id", "used_micros"
        )
    )
    by_pk = {f.pk: f for f in features} if features is not None else Feature.objects.in_bulk(list(totals))
    return [
        FeatureState(
            by_pk[pk], from_micros(g), from_micros(used.get(pk, 0)), None if o is None else from_micros(o)
        )
        for pk, (_, g, o) in sorted(totals.items())
    ]


def feature_get(feature_id: str) -> Feature:
    feature = Feature.objects.filter(feature_id=feature_id).first()
    if feature is None:
        raise NotFoundError(
            f"feature '{feature_id}' not found; call get_entitlements to see the account's features",
            details={"fields": {"featureId": "not found"}},
        )
    return feature


def entitlement_check(*, account: Account, feature_id: str, quantity: Decimal, now: datetime | None = None):  # noqa: ANN201
    now = now or timezone.now()
    feature = feature_get(feature_id)
    found = _states(account, [feature], now)
    base = {"accountId": account.account_id, "featureId": feature.feature_id}
    if not found:
        return s.EntitlementCheck(
            **base, entitled=False, granted=ZERO, used=ZERO, remaining=ZERO, overageLimit=ZERO,
            reason=f"account '{account.account_id}' has no grant of '{feature_id}' this cycle; its price plan "
            "needs a BILLING_ENTITLEMENT card for it",
        )
    state = found[0]
    entitled, reason = _decide(state, quantity)
    return s.EntitlementCheck(
        **base, entitled=entitled, granted=state.granted, used=state.used, remaining=state.remaining,
        overageLimit=state.overage_limit, usedOverage=state.used_overage, reason=reason,
    )


def _decide(state: FeatureState, quantity: Decimal) -> tuple[bool, str]:
    if quantity <= state.remaining:
        return True, f"within the grant: {state.remaining} of {state.granted} remaining this cycle"
    if state.overage_limit is None:
        return True, f"beyond the grant ({state.remaining} remaining); overage is unlimited and billed"
    overage_left = max(ZERO, state.overage_limit - state.used_overage)
    if quantity <= state.remaining + overage_left:
        return True, f"uses overage: {overage_left} of {state.overage_limit} overage left this cycle, billed"
    return False, (
        f"needs {quantity} but only {state.remaining} remain in the grant and {overage_left} in the overage "
        "allowance this cycle"
    )


def entitlements_list(*, account: Account, now: datetime | None = None) -> s.Entitlements:
    states = _states(account, None, now or timezone.now())
    return s.Entitlements(
        accountId=account.account_id,
        data=[
            {
                "featureId": st.feature.feature_id,
                "name": st.feature.name,
                "granted": st.granted,
                "used": st.used,
                "remaining": st.remaining,
                "overageLimit": st.overage_limit,
                "usedOverage": st.used_overage,
            }
            for st in states
        ],
    )
