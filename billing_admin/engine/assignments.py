"""Plan assignments (an account's schedule of price plans) and changing them.

A change at `effective_from` ends the current assignment there and starts the new one. The open
cycle that spans the moment is clipped to end there (its invoice bills the old plan up to the
change), cycles wholly after it are dropped, and events from the change on are moved to the new
plan's cycles with their usage recounted, so nothing is billed twice or lost. Finalized invoices
are never rewritten: a change before the end of the last closed cycle is refused.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from billing_admin.actors import Actor
from billing_admin.audit import audit_describe
from billing_admin.errors import InvalidInputError

from . import ids
from .metering import active_meters, to_micros
from .models import (
    Account,
    BillingCycle,
    Credit,
    CreditTransaction,
    CycleUsage,
    Event,
    FeatureGrant,
    FeatureUsage,
    Invoice,
    PlanAssignment,
    UsageMeter,
)
from .plans import plan_resolve


def assignment_current(*, account: Account, at: datetime | None = None) -> PlanAssignment | None:
    at = at or timezone.now()
    return (
        PlanAssignment.objects.select_related("plan")
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gt=at), account=account, effective_from__lte=at)
        .order_by("-effective_from")
        .first()
    )


def assignment_change(
    *, account: Account, plan_ref: str, effective_from: datetime | None, actor: Actor
) -> PlanAssignment:
    plan = plan_resolve(plan_ref)
    if account.invoice_currency not in plan.supported_currencies:
        raise InvalidInputError.for_field(
            "pricePlanId",
            f"plan '{plan.name}' has no rates in {account.invoice_currency} (it supports "
            f"{', '.join(plan.supported_currencies)}); choose a plan with the account's invoice currency",
        )
    at = effective_from or timezone.now()
    with transaction.atomic():
        # The account row orders this change against ingestion creating cycles and closes.
        Account.objects.select_for_update(no_key=True).filter(pk=account.pk).values_list("pk").first()
        closed_until = BillingCycle.objects.filter(account=account, status="CLOSED").aggregate(m=Max("end"))["m"]
        if closed_until is not None and at < closed_until:
            raise InvalidInputError.for_field(
                "effectiveFrom",
                f"must be on or after {closed_until:%Y-%m-%d %H:%M} UTC, the end of the last finalized invoice",
            )
        touched = _reshape_cycles(account, at)
        PlanAssignment.objects.filter(account=account, effective_from__gte=at).delete()
        PlanAssignment.objects.filter(
            Q(effective_until__isnull=True) | Q(effective_until__gt=at), account=account
        ).update(effective_until=at)
        assignment = PlanAssignment.objects.create(
            schedule_id=ids.new_id("sched"), account=account, plan=plan, effective_from=at
        )
        touched |= _rehome_events(account, at)
        usage_recount(touched)
        if at <= timezone.now():
            # The new plan's first cycle (and its DRAFT invoice) exists from the moment it applies.
            from .billing_cycles import cycle_ensure

            cycle_ensure(account, at)
        audit_describe(
            actor=actor,
            action="assign_price_plan",
            object_type="account",
            object_id=account.account_id,
            summary=f"assigned plan {plan.name} to {account.account_id} from {at:%Y-%m-%d %H:%M} UTC",
            changes={"pricePlanId": plan.plan_id, "effectiveFrom": at.isoformat()},
        )
    return assignment


def _reshape_cycles(account: Account, at: datetime) -> set[int]:
    """Clip the open cycle spanning `at`; drop open cycles starting at or after it. Returns cycles to recount."""
    touched: set[int] = set()
    for cycle in (
        BillingCycle.objects.select_for_update()
        .select_related("assignment__plan")
        .filter(account=account, status="OPEN", end__gt=at)
    ):
        if cycle.start < at:
            grace = timedelta(days=cycle.assignment.plan.grace_period_days)
            BillingCycle.objects.filter(pk=cycle.pk).update(end=at, grace_ends=at + grace)
            Invoice.objects.filter(cycle=cycle).update(end_date=at, invoice_date=at)
            FeatureGrant.objects.filter(cycle=cycle, effective_until__gt=at).update(effective_until=at)
            touched.add(cycle.pk)
        else:
            _drop_cycle(cycle)
    return touched


def _drop_cycle(cycle: BillingCycle) -> None:
    """Remove a cycle that has not begun under the old plan; what it minted is voided, not erased."""
    _events_in(BillingCycle.objects.filter(pk=cycle.pk)).update(cycle=None)
    minted = Credit.objects.filter(grantor__startswith=f"cycle:{cycle.pk}:", status="ACTIVE")
    for credit in minted:
        left = credit.amount_minor - credit.consumed_minor - credit.hold_minor
        CreditTransaction.objects.create(credit=credit, transaction_type="VOIDED", amount_minor=left)
    minted.update(status="VOIDED")
    Invoice.objects.filter(cycle=cycle, status="DRAFT").delete()
    CycleUsage.objects.filter(cycle=cycle).delete()
    FeatureUsage.objects.filter(cycle=cycle).delete()
    FeatureGrant.objects.filter(cycle=cycle).delete()
    cycle.delete()


def _rehome_events(account: Account, at: datetime) -> set[int]:
    """Attach the account's events from `at` on to the cycles that now contain them."""
    from .billing_cycles import cycles_covering

    events = Event.objects.filter(account=account, timestamp__gte=at)
    last = events.aggregate(m=Max("timestamp"))["m"]
    if last is None:
        return set()
    touched = set()
    for cycle in cycles_covering({account.pk}, at, last):
        if cycle.status == "OPEN" and cycle.end > at:
            events.filter(timestamp__gte=max(cycle.start, at), timestamp__lt=cycle.end).update(cycle=cycle)
            touched.add(cycle.pk)
    return touched


def _events_in(cycles: QuerySet[BillingCycle]) -> QuerySet[Event]:
    """The events billed in these cycles. The event log keeps no index on its cycle column; a cycle's
    events are its account's within its span, which the (account, timestamp) index finds."""
    spans = Q(pk__in=[])
    for pk, account_pk, start, end in cycles.values_list("pk", "account_id", "start", "end"):
        spans |= Q(account_id=account_pk, timestamp__gte=start, timestamp__lt=end, cycle_id=pk)
    return Event.objects.filter(spans)


def usage_recount(cycle_pks: set[int]) -> None:
    """Rebuild the per-cycle meter and feature counters of these cycles from their events."""
    if not cycle_pks:
        return
    meter_pks = dict(UsageMeter.objects.values_list("meter_id", "pk"))
    features = active_meters().features_by_schema
    usage: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    used: dict[tuple[int, int, int], int] = defaultdict(int)
    rows = _events_in(BillingCycle.objects.filter(pk__in=cycle_pks)).values_list(
        "cycle_id", "account_id", "schema_id", "meters", "attributes"
    )
    for cycle_pk, account_pk, schema_pk, meters, attributes in rows.iterator(chunk_size=2000):
        for metered in meters:
            if metered["id"] in meter_pks:
                row = usage[(cycle_pk, meter_pks[metered["id"]])]
                row[0] += to_micros(Decimal(str(metered["units"])))
                row[1] += 1
        values = {a["name"]: a.get("value") for a in attributes}
        for feature_pk, attribute in features.get(schema_pk, ()):
            if attribute in values:
                used[(account_pk, feature_pk, cycle_pk)] += to_micros(Decimal(str(values[attribute])))
    CycleUsage.objects.filter(cycle_id__in=cycle_pks).delete()
    FeatureUsage.objects.filter(cycle_id__in=cycle_pks).delete()
    CycleUsage.objects.bulk_create(
        CycleUsage(cycle_id=c, meter_id=m, quantity_micros=q, events=n) for (c, m), (q, n) in usage.items()
    )
    FeatureUsage.objects.bulk_create(
        FeatureUsage(account_id=a, feature_id=f, cycle_id=c, used_micros=u) for (a, f, c), u in used.items()
    )
