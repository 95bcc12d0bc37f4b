"""Credits: granted by hand or minted each cycle by CREDIT_GRANT cards, applied when an invoice is
finalized (priority, lower first; then earliest expiry), expired, voided. Every change to a
credit's balance is explained by a CreditTransaction row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.audit import audit_describe
from billing_admin.errors import InvalidInputError, InvalidStateError, NotFoundError
from billing_admin.money import from_minor, to_minor

from . import ids
from .models import Account, BillingCycle, Credit, CreditTransaction
from .rating import CompiledPlan, add_duration

_TICK = timedelta(microseconds=1)
ALL_USAGE, ALL_FIXED = "ALL_USAGE_METER_RATE_CARDS", "ALL_FIXED_FEE_RATE_CARDS"
APPLY_ORDER = ("priority", F("effective_until").asc(nulls_last=True), "id")


def exact_minor(amount: Decimal, currency: str, *, field: str) -> int:
    """Minor units of an amount that must already be exact in the currency (no silent rounding)."""
    minor = to_minor(amount, currency)
    if from_minor(minor, currency) != amount:
        raise InvalidInputError.for_field(field, f"{amount} has more decimal places than {currency} allows")
    if minor <= 0:
        raise InvalidInputError.for_field(field, f"must be at least one minor unit of {currency}")
    return minor


def credits_minted_for(cycle: BillingCycle, plan: CompiledPlan) -> list[Credit]:
    """Unsaved credits a new cycle's CREDIT_GRANT cards mint (ONE_TIME cards: the first cycle only)."""
    minted = []
    for card in plan.grants:
        amount = card.amounts.get(cycle.currency)
        if amount is None or (card.one_time and cycle.start != cycle.assignment.effective_from):
            continue
        until: date | None = (cycle.end - _TICK).date()
        if card.expiry_type == "NO_EXPIRY":
            until = None
        elif card.expiry_type == "CUSTOM" and card.expiry_duration:
            until = (add_duration(cycle.start, card.expiry_duration) - _TICK).date()
        minted.append(
            Credit(
                credit_id=ids.new_id("cred"),
                account_id=cycle.account_id,
                purpose=f"{card.display} ({plan.name}, cycle from {cycle.start:%Y-%m-%d})"[:255],
                currency=cycle.currency,
                amount_minor=to_minor(amount, cycle.currency),
                priority=card.priority,
                effective_from=cycle.start.date(),
                effective_until=until,
                applicable_entity_ids=list(card.applicable),
                source="RATE_CARD",
                grantor=f"cycle:{cycle.pk}:{card.name}",
            )
        )
    return minted


def credits_record_minted(credits: list[Credit]) -> None:
    created = Credit.objects.bulk_create(credits)
    CreditTransaction.objects.bulk_create(
        CreditTransaction(credit=c, transaction_type="CREDITED", amount_minor=c.amount_minor) for c in created
    )


def credit_grant(*, request: s.GrantCreditRequest, account: Account, actor: Actor) -> Credit:
    currency = account.invoice_currency
    amount = exact_minor(request.creditAmount, currency, field="creditAmount")
    starts = request.effectiveFrom or timezone.now().date()
    if request.effectiveUntil is not None and request.effectiveUntil < starts:
        raise InvalidInputError.for_field("effectiveUntil", f"must be on or after effectiveFrom ({starts})")
    credit = Credit.objects.create(
        credit_id=ids.new_id("cred"),
        account=account,
        purpose=request.purpose,
        currency=currency,
        amount_minor=amount,
        priority=request.priority,
        effective_from=starts,
        effective_until=request.effectiveUntil,
        applicable_entity_ids=request.applicableEntityIds,
        grantor=actor.name[:255],
    )
    CreditTransaction.objects.create(credit=credit, transaction_type="CREDITED", amount_minor=amount)
    audit_describe(
        actor=actor,
        action="grant_credit",
        object_type="credit",
        object_id=credit.credit_id,
        summary=f"granted {from_minor(amount, currency)} {currency} credit to {account.account_id}: {request.purpose}",
        changes=request.model_dump(mode="json", exclude_none=True),
    )
    return credit


def credit_void(*, credit_id: str, reason: str, actor: Actor) -> Credit:
    # The row lock keeps a cycle closing right now from consuming what is being voided.
    credit = Credit.objects.select_for_update().select_related("account__customer").filter(credit_id=credit_id).first()
    if credit is None:
        raise NotFoundError(f"credit '{credit_id}' not found; call get_account to see an account's credits")
    if credit.status == "VOIDED":
        return credit
    if credit.status != "ACTIVE":
        raise InvalidStateError(f"credit '{credit_id}' is {credit.status} and can no longer be voided")
    left = credit.amount_minor - credit.consumed_minor - credit.hold_minor
    credit.status = "VOIDED"
    credit.save(update_fields=["status", "updated_at"])
    CreditTransaction.objects.create(credit=credit, transaction_type="VOIDED", amount_minor=left)
    audit_describe(
        actor=actor,
        action="void_credit",
        object_type="credit",
        object_id=credit.credit_id,
        summary=f"voided credit {credit.credit_id} ({from_minor(left, credit.currency)} unused): {reason}",
        changes={"reason": reason},
    )
    return credit


def credits_expire(*, as_of: datetime, account_pks: Sequence[int] | None = None) -> int:
    """Expire ACTIVE credits past their last day once no open cycle they could still pay for remains."""
    today = as_of.date()
    due = Credit.objects.filter(status="ACTIVE", effective_until__lt=today)
    if account_pks is not None:
        due = due.filter(account_id__in=account_pks)
    expired = 0
    for pk in list(due.order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            # Re-read under the lock: a close or a void may have used or retired it meanwhile.
            credit = Credit.objects.select_for_update().filter(pk=pk, status="ACTIVE").first()
            if credit is None or credit.effective_until is None:
                continue
            last = datetime.combine(credit.effective_until + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
            if BillingCycle.objects.filter(account_id=credit.account_id, status="OPEN", start__lt=last).exists():
                continue
            left = credit.amount_minor - credit.consumed_minor - credit.hold_minor
            credit.status = "EXPIRED"
            credit.save(update_fields=["status", "updated_at"])
            CreditTransaction.objects.create(credit=credit, transaction_type="EXPIRED", amount_minor=left)
            expired += 1
    return expired


def credit_balance_minor(account: Account, today: date) -> int:
    """Unused credit in effect today (granted - consumed - held)."""
    total = Credit.objects.filter(
        Q(effective_until__isnull=True) | Q(effective_until__gte=today),
        account=account,
        status="ACTIVE",
        effective_from__lte=today,
    ).aggregate(left=Sum(F("amount_minor") - F("consumed_minor") - F("hold_minor")))["left"]
    return int(total or 0)


def credits_active(account: Account) -> list[Credit]:
    return list(
        Credit.objects.select_related("account__customer")
        .filter(account=account, status="ACTIVE")
        .order_by(*APPLY_ORDER)
    )


def credit_applies(credit: Credit, cycle: BillingCycle) -> bool:
    """Effective at some point of the cycle, in its currency, and not used up."""
    last_day = (cycle.end - _TICK).date()
    return (
        credit.status == "ACTIVE"
        and credit.currency == cycle.currency
        and credit.effective_from <= last_day
        and (credit.effective_until is None or credit.effective_until >= cycle.start.date())
        and credit.amount_minor > credit.consumed_minor + credit.hold_minor
    )


def allocate(credits: list[tuple[int, int, list[str]]], lines: list[tuple[str, str, int]]) -> dict[int, int]:
    """Spread credits over invoice lines in the order given: (key, minor left, applicable ids) over
    (billable id, category, minor). Empty applicable ids = any line. Returns minor applied per key."""
    left = [minor for _, _, minor in lines]
    applied: dict[int, int] = {}
    for key, available, scope in credits:
        for i, (billable, category, _) in enumerate(lines):
            if available <= 0:
                break
            fits = not scope or billable in scope or (category == "USAGE" and ALL_USAGE in scope)
            fits = fits or (category == "FIXED_FEE" and ALL_FIXED in scope)
            if fits and left[i] > 0:
                take = min(available, left[i])
                left[i] -= take
                available -= take
                applied[key] = applied.get(key, 0) + take
    return applied


def credit_to_schema(credit: Credit) -> s.wallets.Credit:
    cur = credit.currency
    left = credit.amount_minor - credit.consumed_minor - credit.hold_minor
    return s.wallets.Credit(
        id=credit.credit_id,
        accountId=credit.account.account_id,
        customerId=credit.account.customer.customer_id,
        purpose=credit.purpose,
        status=credit.status,
        creditUnit=cur,
        creditAmount=from_minor(credit.amount_minor, cur),
        consumedAmount=from_minor(credit.consumed_minor, cur),
        holdAmount=from_minor(credit.hold_minor, cur),
        remainingAmount=from_minor(left if credit.status == "ACTIVE" else 0, cur),
        priority=credit.priority,
        effectiveFrom=credit.effective_from,
        effectiveUntil=credit.effective_until,
        applicableEntityIds=credit.applicable_entity_ids,
        createdAt=credit.created_at,
    )
