"""Billing cycles: the periods of an account's plan assignments, created on demand.

A cycle is the plan's natural cycle clipped to its assignment, so a mid-cycle plan change gives
the old plan [start, change) and the new one [change, its next boundary). Creating a cycle also
creates its DRAFT invoice, its feature grants and the credits its plan mints each cycle.

Lock order everywhere: Account, then BillingCycle, then Credit, then Wallet.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from . import ids, rollups
from .credits import credits_minted_for
from .entitlements import grants_for
from .lookups import member_of
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


def _assignments(account_pks: Iterable[int], start: datetime, end: datetime) -> QuerySet[PlanAssignment]:
    return PlanAssignment.objects.select_related("plan", "account__customer").filter(
        Q(effective_until__isnull=True) | Q(effective_until__gt=start),
        account_id__any=list(account_pks),
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
        wanted = {(a.account_id, start): a for a, start, _ in windows}
        found = BillingCycle.objects.filter(account_id__in={k[0] for k in wanted}, start__in={k[1] for k in wanted})
        cycles = [c for c in found if (c.account_id, c.start) in wanted]
        for c in cycles:
            # The window's assignment arrives with its plan, account and customer loaded; reusing it
            # saves loading them again per cycle (half the cost of closing thousands of accounts).
            a = wanted[(c.account_id, c.start)]
            if c.assignment_id == a.pk:
                c.assignment, c.account = a, a.account
        fresh = [c for c in cycles if not Invoice.objects.filter(cycle=c).exists()] if len(cycles) < 4 else None
        if fresh is None:
            invoiced = set(Invoice.objects.filter(cycle__in=cycles).values_list("cycle_id", flat=True))
            fresh = [c for c in cycles if c.pk not in invoiced]
        _furnish(fresh)
    return sorted(cycles, key=lambda c: (c.account_id, c.start))


def rows_update(model: type[models.Model], objs: Sequence[models.Model], fields: list[str]) -> None:
    """UPDATE each row by primary key in one executemany. Django's bulk_update builds a CASE per field
    over every row, which costs more than the whole close at thousands of invoices."""
    if not objs:
        return
    qn = connection.ops.quote_name
    columns = [_column(model, name) for name in fields]
    assignments = ", ".join(f"{qn(c.column)} = %s" for c in columns)
    sql = f"UPDATE {qn(model._meta.db_table)} SET {assignments} WHERE {qn(model._meta.pk.column)} = %s"
    params = [[c.get_db_prep_save(getattr(o, c.attname), connection) for c in columns] + [o.pk] for o in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _column(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):  # a reverse relation has no column to set
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


_AS_IS = {"CharField", "TextField", "IntegerField", "BigIntegerField", "PositiveIntegerField",
          "PositiveSmallIntegerField", "SmallIntegerField", "ForeignKey", "OneToOneField"}  # fmt: skip


def rows_insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """INSERT rows (attname -> value; model defaults fill the rest) whose ids nobody needs back, in one
    executemany. bulk_create builds and compiles a model per row, which at thousands of DRAFT invoices
    costs more than closing the cycles they follow."""
    if not rows:
        return
    qn, now = connection.ops.quote_name, timezone.now()
    columns: list[str] = []
    getters: list[Callable[[dict[str, Any]], Any]] = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(qn(field.column))
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            getters.append(_constant(field.get_db_prep_save(now, connection)))
        elif field.get_internal_type() in _AS_IS:
            getters.append(_as_is(field.attname, field.get_default()))
        else:
            getters.append(_prepared(field, field.get_default()))
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[get(row) for get in getters] for row in rows])


def _constant(value: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda row: value


def _as_is(name: str, default: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda row: row.get(name, default)


def _prepared(field: models.Field[Any, Any], default: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda row: field.get_db_prep_save(row.get(field.attname, default), connection)


def _furnish(cycles: list[BillingCycle]) -> None:
    """The DRAFT invoice, feature grants and minted credits of newly created cycles."""
    if not cycles:
        return
    rows_insert(
        Invoice,
        [
            {
                "invoice_id": ids.new_id("inv"),
                "account_id": c.account_id,
                "customer_id": c.account.customer_id,
                "cycle_id": c.pk,
                "price_plan_id": c.assignment.plan_id,
                "status": "DRAFT",
                "currency": c.currency,
                "start_date": c.start,
                "end_date": c.end,
                "invoice_date": c.end,
                "net_term_days": c.account.net_term_days,
            }
            for c in cycles
        ],
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
    existing = list(BillingCycle.objects.filter(account_id__any=account_pks, start__lt=stop, end__gt=start))
    have = {(c.account_id, c.start) for c in existing}
    windows = [w for a in _assignments(account_pks, start, stop) for w in assignment_windows(a, start, stop)]
    missing = [w for w in windows if (w[0].account_id, w[1]) not in have]
    if not missing:
        return sorted(existing, key=lambda c: (c.account_id, c.start))
    with transaction.atomic():
        # The account lock orders this against a plan change that would reshape these cycles.
        accounts = sorted({w[0].account_id for w in missing})
        # NO KEY UPDATE still orders this against plan changes and closes, without blocking the
        # foreign-key checks of ingestion writing events for these accounts.
        list(Account.objects.select_for_update(no_key=True).filter(pk__in=accounts).order_by("pk").values_list("pk"))
        # Earlier cycles of the assignment are opened too: a month without usage still owes its
        # fixed fees and commitment, and closing walks cycles one after the other.
        windows = [w for a in _assignments(accounts, start, stop) for w in _windows_since_last(a, stop)]
        # Another writer may have created them first; they are read back below either way.
        with contextlib.suppress(IntegrityError):
            cycles_create(windows)
    return list(
        BillingCycle.objects.filter(account_id__any=account_pks, start__lt=stop, end__gt=start).order_by(
            "account_id", "start"
        )
    )


class CycleSpan(NamedTuple):
    pk: int
    account_id: int
    start: datetime
    end: datetime
    status: str
    grace_ends: datetime


def cycle_spans(account_pks: set[int], start: datetime, end: datetime) -> list[CycleSpan]:
    """What `cycles_covering` answers, for ingestion's every batch: one query when each account's cycles
    already cover its assignments over [start, end] (the usual case), the full path when some are missing."""
    stop = end + _TICK
    member, params = member_of("account_id", sorted(account_pks), connection.vendor)
    bounds = [rollups.db_datetime(stop), rollups.db_datetime(start)]
    with connection.cursor() as cursor:
        rows = rollups.execute(
            cursor,
            f"SELECT 'C', id, account_id, start, \"end\", status, grace_ends FROM engine_billingcycle "
            f'WHERE {member} AND start < %s AND "end" > %s '
            f"UNION ALL SELECT 'A', id, account_id, effective_from, effective_until, NULL, NULL "
            f"FROM engine_planassignment WHERE {member} AND effective_from < %s "
            f"AND (effective_until IS NULL OR effective_until > %s)",
            [*params, *bounds, *params, *bounds],
        )
    spans: dict[int, list[CycleSpan]] = {}
    for kind, pk, account, since, until, status, grace in rows:
        if kind == "C":
            span = CycleSpan(pk, account, _aware(since), _aware(until), status, _aware(grace))
            spans.setdefault(account, []).append(span)
    for kind, _, account, since, until, _, _ in rows:
        if kind == "A":
            low, high = max(start, _aware(since)), min(stop, _aware(until)) if until else stop
            if low < high and not _covered(sorted(spans.get(account, ()), key=_by_start), low, high):
                covering = cycles_covering(account_pks, start, end)
                return [CycleSpan(c.pk, c.account_id, c.start, c.end, c.status, c.grace_ends) for c in covering]
    return [span for account in sorted(spans) for span in sorted(spans[account], key=_by_start)]


def _by_start(span: CycleSpan) -> datetime:
    return span.start


def _covered(spans: list[CycleSpan], low: datetime, high: datetime) -> bool:
    for span in spans:
        if span.start <= low < span.end:
            low = span.end
    return low >= high


def _aware(value: datetime | str) -> datetime:
    # SQLite hands a raw query its datetimes naive or as text (UTC, as Django stores them).
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _windows_since_last(assignment: PlanAssignment, stop: datetime) -> list[Window]:
    """The assignment's windows up to `stop` after its latest existing cycle (all of them if none)."""
    last = (
        BillingCycle.objects.filter(assignment=assignment, start__lt=stop)
        .order_by("-start")
        .values_list("end", flat=True)
        .first()
    )
    return assignment_windows(assignment, last or assignment.effective_from, stop)


def cycles_open_unstarted(*, as_of: datetime, account: Account | None = None) -> None:
    """Open the first cycle of assignments that began by `as_of` but have none yet (no usage so far),
    so closing bills their fixed fees and commitments too."""
    fresh = PlanAssignment.objects.filter(effective_from__lt=as_of, cycles__isnull=True)
    if account is not None:
        fresh = fresh.filter(account=account)
    after = 0
    while True:
        batch = list(fresh.filter(pk__gt=after).select_related("plan", "account__customer").order_by("pk")[:500])
        if not batch:
            return
        after = batch[-1].pk
        windows = [w for a in batch for w in assignment_windows(a, a.effective_from, a.effective_from + _TICK)]
        with transaction.atomic():
            list(
                Account.objects.select_for_update(no_key=True)
                .filter(pk__in=sorted({a.account_id for a in batch}))
                .order_by("pk")
                .values_list("pk")
            )
            with contextlib.suppress(IntegrityError):
                cycles_create(windows)


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
    windows: list[Window] = []
    for c in cycles:
        # Mostly the same assignment goes on; when the caller loaded it with its account, use it as is
        # rather than reading thousands of assignments again.
        a = c.assignment if BillingCycle.assignment.is_cached(c) and BillingCycle.account.is_cached(c) else None
        if (c.account_id, c.end) in todo and a is not None and (a.effective_until is None or a.effective_until > c.end):
            a.account = c.account
            windows.extend(w for w in assignment_windows(a, c.end, c.end + _TICK) if w[1] == c.end)
            todo.discard((c.account_id, c.end))
    if not todo:
        return cycles_create(windows)
    by_account: dict[int, list[PlanAssignment]] = {}
    for a in _assignments({k[0] for k in todo}, min(k[1] for k in todo), max(k[1] for k in todo) + _TICK):
        by_account.setdefault(a.account_id, []).append(a)
    for account_pk, at in todo:
        for a in by_account.get(account_pk, []):
            windows.extend(w for w in assignment_windows(a, at, at + _TICK) if w[1] == at)
    return cycles_create(windows)
