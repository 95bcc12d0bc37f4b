"""An account's whole financial picture for get_account: plan, open cycle with its charges so far,
wallet and credits, and what is still owed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from billing_admin import schemas as s
from billing_admin.errors import AccountDataError
from billing_admin.money import from_minor

from .assignments import assignment_current
from .billing_cycles import cycle_ensure
from .close_failures import close_failure_list, close_failure_to_schema
from .credits import credit_to_schema, credits_active
from .invoicing import cycles_price
from .metering import from_micros
from .models import Account, CycleUsage, Invoice
from .wallets import balance_of

OUTSTANDING = ("DUE", "PARTIALLY_PAID")


def account_financials(*, account: Account, base: s.Account) -> s.AccountDetail:
    now = timezone.now()
    current = assignment_current(account=account, at=now)
    balance = balance_of(account)
    owed = list(Invoice.objects.filter(account=account, status__in=OUTSTANDING).order_by("due_date", "pk"))
    outstanding = [
        s.accounts.OutstandingInvoice(
            id=i.invoice_id,
            status=i.status,
            totalAmount=from_minor(i.total_minor, i.currency),
            dueAmount=from_minor(i.total_minor - i.paid_minor, i.currency),
            currency=i.currency,
            dueDate=i.due_date,
        )
        for i in owed
    ]
    return s.AccountDetail(
        **base.model_dump(),
        pricePlan=(
            s.accounts.PlanRef(id=current.plan.plan_id, name=current.plan.name, effectiveFrom=current.effective_from)
            if current
            else None
        ),
        currentCycle=_current_cycle(account, now) if current else None,
        walletBalance=balance.walletBalance,
        creditBalance=balance.creditBalance,
        availableBalance=balance.availableBalance,
        credits=[credit_to_schema(c) for c in credits_active(account)],
        outstandingInvoices=outstanding,
        outstandingAmount=sum((o.dueAmount for o in outstanding if o.currency == account.invoice_currency), Decimal(0)),
        closeFailures=[close_failure_to_schema(f) for f in close_failure_list(account_pk=account.pk)],
    )


def _current_cycle(account: Account, now: datetime) -> s.accounts.CurrentCycle | None:
    cycle = cycle_ensure(account, now)
    if cycle is None:
        return None
    priced = cycles_price([cycle])[cycle.pk]
    usage = CycleUsage.objects.filter(cycle=cycle).select_related("meter").order_by("meter__name")
    invoice = Invoice.objects.filter(cycle=cycle).values_list("invoice_id", flat=True).first()
    return s.accounts.CurrentCycle(
        startDate=cycle.start,
        endDate=cycle.end,
        invoiceId=invoice,
        chargesSoFar=None if isinstance(priced, AccountDataError) else priced.gross,
        chargesError=priced.message if isinstance(priced, AccountDataError) else None,
        currency=cycle.currency,
        usage=[
            s.accounts.MeterUsage(
                usageMeterId=u.meter.meter_id, name=u.meter.name, quantity=from_micros(u.quantity_micros)
            )
            for u in usage
        ],
    )
