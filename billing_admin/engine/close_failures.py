"""Cycles that could not be closed: recorded per account so one account's bad data never stops the
close for the others, shown until a later close of the cycle succeeds."""

from __future__ import annotations

from django.db import DataError, IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.audit import audit_record
from billing_admin.errors import AccountDataError, BillingError

from .models import BillingCycle, CloseFailure

# What closing one account can raise because of that account's data. Anything else (a lost
# connection, a deadlock) is not the account's fault and stops the run as before.
ACCOUNT_FAILURES = (BillingError, ValueError, ArithmeticError, IntegrityError, DataError)


def failure_of(cycle: BillingCycle, exc: Exception) -> AccountDataError:
    """`exc` as the account's typed error, with a message that says what to do."""
    if isinstance(exc, AccountDataError):
        return exc
    if isinstance(exc, BillingError):
        problem = exc.message
    else:
        # Engine and database messages name no secrets; the first line is the useful part.
        problem = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no detail'}"[:500]
    return AccountDataError(
        f"the {cycle.start:%b %Y} cycle of account {cycle.account.account_id} could not be closed: {problem}",
        account_id=cycle.account.account_id,
    )


def close_failure_record(cycle: BillingCycle, error: BillingError, *, actor: Actor) -> CloseFailure:
    """Remember why `cycle` stayed OPEN; a repeat counts another attempt. Its own transaction, after
    the failed close rolled back, audited as part of the close that `actor` ran."""
    now = timezone.now()
    message = error.message[:1000]
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="generate_invoices",
            object_type="billing_cycle",
            object_id=cycle.account.account_id,
            summary=f"could not close the {cycle.start:%b %Y} cycle of {cycle.account.account_id}: {message}",
            changes={"code": error.code, "cycleStart": cycle.start, "cycleEnd": cycle.end},
        )
        found = CloseFailure.objects.filter(cycle=cycle)
        if not found.update(code=error.code, message=message, last_failed_at=now, attempts=F("attempts") + 1):
            try:
                with transaction.atomic():
                    CloseFailure.objects.create(
                        cycle=cycle,
                        account_id=cycle.account_id,
                        code=error.code,
                        message=message,
                        first_failed_at=now,
                        last_failed_at=now,
                    )
            except IntegrityError:
                pass  # a concurrent run recorded the same failure a moment ago
    return CloseFailure.objects.select_related("account", "cycle").get(cycle=cycle)


def close_failures_clear(cycle_pks: list[int]) -> None:
    """A cycle that closed has nothing left to report."""
    CloseFailure.objects.filter(cycle_id__in=cycle_pks).delete()


def close_failure_list(*, account_pk: int | None = None) -> QuerySet[CloseFailure]:
    """Open failures, newest first; only cycles still OPEN (a closed one cleared its row)."""
    found = CloseFailure.objects.select_related("account", "cycle").filter(cycle__status="OPEN")
    return found.filter(account_id=account_pk) if account_pk is not None else found


def close_failure_to_schema(row: CloseFailure) -> s.CloseFailure:
    return s.CloseFailure(
        accountId=row.account.account_id,
        cycleStart=row.cycle.start,
        cycleEnd=row.cycle.end,
        code=row.code,
        message=row.message,
        failedAt=row.last_failed_at,
        attempts=row.attempts,
    )
