"""Entitlements: features granted per cycle by BILLING_ENTITLEMENT cards, used by mapped events.

Ingestion counts a feature's use into FeatureUsage(account, feature, cycle); these selectors
compare it with the cycle's grants and the overage allowance of ENTITLEMENT_OVERAGE cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from billing_admin import schemas as s
from billing_admin.errors import NotFoundError

from .metering import from_micros, to_micros
from .models import Account, BillingCycle, Feature, FeatureGrant, FeatureUsage
from .rating import CompiledPlan, add_duration

ZERO = Decimal(0)


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


def _grants_sql(by_feature: bool) -> str:
    qn = connection.ops.quote_name
    grant, feature, usage = (qn(m._meta.db_table) for m in (FeatureGrant, Feature, FeatureUsage))
    return (
        f"SELECT g.feature_id, g.granted_micros, g.overage_limit_micros, u.used_micros, f.feature_id, f.name "
        f"FROM {grant} g JOIN {feature} f ON f.id = g.feature_id "
        f"LEFT JOIN {usage} u ON u.account_id = g.account_id AND u.feature_id = g.feature_id "
        f"AND u.cycle_id = g.cycle_id "
        f"WHERE g.account_id = %s AND g.status = 'ACTIVE' AND g.effective_from <= %s AND g.effective_until > %s"
        + (" AND f.feature_id = %s" if by_feature else "")
    )


def _grant_rows(account: Account, feature_id: str | None, now: datetime) -> list[tuple]:
    at = connection.ops.adapt_datetimefield_value(now)
    params = [account.pk, at, at] + ([feature_id] if feature_id is not None else [])
    with connection.cursor() as cursor:
        cursor.execute(_grants_sql(feature_id is not None), params)
        return cursor.fetchall()


def _states(account: Account, feature_id: str | None, now: datetime) -> list[FeatureState]:
    """Each feature the account holds a grant of at `now`, with its use in the grant's cycle. One plain
    SQL statement: check_entitlement runs before every metered request of a caller, and compiling the
    ORM equivalent costs more than running it."""
    rows = _grant_rows(account, feature_id, now)
    if not rows and not BillingCycle.objects.filter(account=account, start__lte=now, end__gt=now).exists():
        from .billing_cycles import cycle_ensure

        # The cycle after a just-ended one opens on first need, with its grants.
        if cycle_ensure(account, now) is not None:
            rows = _grant_rows(account, feature_id, now)
    totals: dict[int, list] = {}
    for feature_pk, granted, overage, use, fid, name in rows:
        entry = totals.setdefault(feature_pk, [Feature(pk=feature_pk, feature_id=fid, name=name), 0, 0, 0])
        entry[1] += granted
        entry[2] = None if overage is None or entry[2] is None else entry[2] + overage
        entry[3] = max(entry[3], use or 0)  # grants of one cycle share its usage counter
    return [
        FeatureState(f, from_micros(g), from_micros(u), None if o is None else from_micros(o))
        for _, (f, g, o, u) in sorted(totals.items())
    ]


def feature_get(feature_id: str) -> Feature:
    feature = Feature.objects.filter(feature_id=feature_id).first()
    if feature is None:
        raise NotFoundError(
            f"feature '{feature_id}' not found; call get_entitlements to see the account's features",
            details={"fields": {"featureId": "not found"}},
        )
    return feature


def entitlement_check(
    *, account: Account, feature_id: str, quantity: Decimal, now: datetime | None = None
) -> s.EntitlementCheck:
    now = now or timezone.now()
    found = _states(account, feature_id, now)
    if not found:
        feature_get(feature_id)  # an unknown feature is named as such, not reported as ungranted
        return s.EntitlementCheck(
            accountId=account.account_id,
            featureId=feature_id,
            entitled=False,
            granted=ZERO,
            used=ZERO,
            remaining=ZERO,
            overageLimit=ZERO,
            reason=f"account '{account.account_id}' has no grant of '{feature_id}' this cycle; its price plan "
            "needs a BILLING_ENTITLEMENT card for it",
        )
    state = found[0]
    entitled, reason = _decide(state, quantity)
    return s.EntitlementCheck(
        accountId=account.account_id,
        featureId=feature_id,
        entitled=entitled,
        granted=state.granted,
        used=state.used,
        remaining=state.remaining,
        overageLimit=state.overage_limit,
        usedOverage=state.used_overage,
        reason=reason,
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
            s.Entitlement(
                featureId=st.feature.feature_id,
                name=st.feature.name,
                granted=st.granted,
                used=st.used,
                remaining=st.remaining,
                overageLimit=st.overage_limit,
                usedOverage=st.used_overage,
            )
            for st in states
        ],
    )
