"""Billing cycles: the periods of an account's plan assignments, created on demand.

A cycle is the plan's natural cycle clipped to its assignment, so a mid-cycle plan change gives
the old plan [start, change) and the new one [change, its next boundary). Creating a cycle also
creates its DRAFT invoice, its feature grants and the credits its plan mints each cycle.

Lock order everywhere: Account, then BillingCycle, then Credit, then Wallet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from . import ids
from .credits import credits_minted_for
from .entitlements import grants_for
from .models import Account, BillingCycle, Invoice, PlanAssignment
from .plans import plan_config
from .rating import compiled

Window = tuple[PlanAssignment, datetime, datetime]
_TICK = timedelta(microseconds=1)


def assignment_windows(assignment: PlanAssignment, start: datetime, end: datetime) -> list[Window]:
    """The assignment's cycles overlapping [start, end), each clipped to the assignment."""
    from .cycles import cycles_between

    low = max(start, assignment.effective_from)
    until = assignment.effective_until
    high = min(end, until) if until else end
    if high <= low:
        return []
    windows = []
    for cycle in cycles_between(low, high, plan_config(assignment.plan)):
        clipped_end = min(cycle.end, until) if until else cycle.end
        windows.append((assignment, max(cycle.start, assignment.effective_from), clipped_end))
    return windows


def _assignments(account_pks: Iterable[int], start: datetime, end: datetime):  # noqa: ANN202
    return PlanAssignment.objects.select_related("plan", "account").filter(
        Q(effective_until__isnull=True) | Q(effective_until__gt=start),
        account_id__in=list(account_pks),
        effective_from__lt=end,
    )


def cycles_create(windows: list[Window]) -> list[BillingCycle]:
    """Create the cycles of `windows` that do not exist yet, with their DRAFT invoices, feature grants
    and minted credits; return every cycle of `windows` (created or found).

    Two writers may create the same cycle at once: the unique (account, start) row decides. On
    PostgreSQL an INSERT ... ON CONFLICT DO NOTHING waits for the other writer's commit, and that
    writer creates the invoice in the same transaction, so a cycle read back without an invoice is
    one this call inserted.
    """
    if not windows:
        return []
    with transaction.atomic():
        BillingCycle.objects.bulk_create(
            [
                BillingCycle(
                    account=a.account,
                    assignment=a,
                    start=start,
                    end=end,
                    grace_ends=end + timedelta(days=a.plan.grace_period_days),
                    currency=a.account.invoice_currency,
                )
                for a, start, end in windows
            ],
            ignore_conflicts=True,
        )
        wanted = {(a.account_id, start) for a, start, _ in windows}
        found = BillingCycle.objects.select_related("assignment__plan", "account__customer").filter(
            account_id__in={k[0] for k in wanted}, start__in={k[1] for k in wanted}
        )
        cycles = [c for c in found if (c.account_id, c.start) in wanted]
        fresh = [c for c in cycles if not Invoice.objects.filter(cycle=c).exists()] if len(cycles) < 4 else None
        if fresh is None:
            invoiced = set(Invoice.objects.filter(cycle__in=cycles).values_list("cycle_id", flat=True))
            fresh = [c for c in cycles if c.pk not in invoiced]
        _furnish(fresh)
    return sorted(cycles, key=lambda c: (c.account_id, c.start))


def _furnish(cycles: list[BillingCycle]) -> None:
    """The DRAFT invoice, feature grants and minted credits of newly created cycles."""
    if not cycles:
        return
    Invoice.objects.bulk_create(
        Invoice(
            invoice_id=ids.new_id("inv"),
            account=c.account,
            customer=c.account.customer,
            cycle=c,
            price_plan=c.assignment.plan,
            status="DRAFT",
            currency=c.currency,
            start_date=c.start,
            end_date=c.end,
            invoice_date=c.end,
            net_term_days=c.account.net_term_days,
        )
        for c in cycles
    )
    grants, credits = [], []
    for c in cycles:
        plan = compiled(c.assignment.plan)
        grants.extend(grants_for(c, plan))
        credits.extend(credits_minted_for(c, plan))
    if grants:
        from .models import FeatureGrant

        FeatureGrant.objects.bulk_create(grants)
    if credits:
        from .credits import credits_record_minted

        credits_record_minted(credits)


def cycle_ensure(account: Account, at: datetime) -> BillingCycle | None:
    """The account's cycle containing `at`, created if an assignment covers `at`; None otherwise."""
    found = BillingCycle.objects.filter(account=account, start__lte=at, end__gt=at).first()
    if found is not None:
        return found
    created = cycles_covering({account.pk}, at, at)
    return next((c for c in created if c.start <= at < c.end), None)


def cycles_covering(account_pks: set[int], start: datetime, end: datetime) -> list[BillingCycle]:
    """Every cycle (OPEN or CLOSED) of these accounts overlapping [start, end], creating missing ones
    that an assignment covers. Safe when several writers ask at once (see `cycles_create`)."""
    stop = end + _TICK
    existing = list(BillingCycle.objects.filter(account_id__in=account_pks, start__lt=stop, end__gt=start))
    have = {(c.account_id, c.start) for c in existing}
    windows = [w for a in _assignments(account_pks, start, stop) for w in assignment_windows(a, start, stop)]
    missing = [w for w in windows if (w[0].account_id, w[1]) not in have]
    if not missing:
        return sorted(existing, key=lambda c: (c.account_id, c.start))
    with transaction.atomic():
        # The account lock orders this against a plan change that would reshape these cycles.
        accounts = sorted({w[0].account_id for w in missing})
        list(Account.objects.select_for_update().filter(pk__in=accounts).order_by("pk").values_list("pk"))
        windows = [w for a in _assignments(accounts, start, stop) for w in assignment_windows(a, start, stop)]
        try:
            cycles_create(windows)
        except IntegrityError:
            pass  # another writer created them first; read them back below
    return list(
        BillingCycle.objects.filter(account_id__in=account_pks, start__lt=stop, end__gt=start).order_by(
            "account_id", "start"
        )
    )


def successors_ensure(cycles: list[BillingCycle]) -> list[BillingCycle]:
    """Open the cycle after each of `cycles` when its assignment (or the next one) covers it."""
    ends = {(c.account_id, c.end) for c in cycles}
    if not ends:
        return []
    accounts = {k[0] for k in ends}
    taken = set(
        BillingCycle.objects.filter(account_id__in=accounts, start__in={k[1] for k in ends}).values_list(
            "account_id", "start"
        )
    )
    todo = ends - taken
    if not todo:
        return []
    by_account: dict[int, list[PlanAssignment]] = {}
    for a in _assignments({k[0] for k in todo}, min(k[1] for k in todo), max(k[1] for k in todo) + _TICK):
        by_account.setdefault(a.account_id, []).append(a)
    windows = []
    for account_pk, at in todo:
        for a in by_account.get(account_pk, []):
            windows.extend(w for w in assignment_windows(a, at, at + _TICK) if w[1] == at)
    return cycles_create(windows)
