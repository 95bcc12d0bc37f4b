"""Invoices: a cycle's charges priced from its usage totals, the line-item tree, and the reads.

An OPEN cycle's invoice is a live DRAFT: its amounts are priced from the cycle's usage when read,
so "what do they owe this month" is always current. Closing freezes the tree (see closing.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet, Sum

from billing_admin import schemas as s
from billing_admin.errors import AccountDataError, NotFoundError
from billing_admin.money import from_minor, money_str

from .cycles import cycle_at
from .filters import filter_given
from .invoice_lines import CycleFacts, PricedCycle, line, price_cycle
from .metering import from_micros
from .models import BillingCycle, CycleUsage, FeatureGrant, FeatureUsage, Invoice
from .rating import CompiledPlan, compiled, cycle_index, natural_seconds

Priced = dict[int, PricedCycle | AccountDataError]
ByCycle = dict[int, dict[int, Decimal]]  # cycle pk -> meter or feature pk -> units


def cycles_price(cycles: list[BillingCycle]) -> Priced:
    """Price many cycles with three queries (usage, feature use, feature grants), whatever their size.

    A cycle whose stored data cannot be priced (pricing refuses a negative quantity, rightly) maps to
    its account's `AccountDataError` instead: each caller decides once what that cycle's row shows,
    and every other cycle is priced as usual."""
    pks = [c.pk for c in cycles]
    usage: ByCycle = defaultdict(dict)
    for cycle_pk, meter_pk, micros in CycleUsage.objects.filter(cycle_id__in=pks).values_list(
        "cycle_id", "meter_id", "quantity_micros"
    ):
        usage[cycle_pk][meter_pk] = from_micros(micros)
    used: ByCycle = defaultdict(dict)
    granted: ByCycle = defaultdict(dict)
    plans = {c.pk: compiled(c.assignment.plan) for c in cycles}
    if any(p.overages for p in plans.values()):
        for cycle_pk, feature_pk, micros in FeatureUsage.objects.filter(cycle_id__in=pks).values_list(
            "cycle_id", "feature_id", "used_micros"
        ):
            used[cycle_pk][feature_pk] = from_micros(micros)
        for row in (
            FeatureGrant.objects.filter(cycle_id__in=pks)
            .exclude(status="VOIDED")
            .values("cycle_id", "feature_id")
            .annotate(total=Sum("granted_micros"))
        ):
            granted[row["cycle_id"]][row["feature_id"]] = from_micros(row["total"])
    return {c.pk: _price_one(c, plans[c.pk], usage, used, granted) for c in cycles}


def _price_one(
    cycle: BillingCycle, plan: CompiledPlan, usage: ByCycle, used: ByCycle, granted: ByCycle
) -> PricedCycle | AccountDataError:
    try:
        return price_cycle(plan, _facts(cycle, plan, usage, used, granted))
    except (ValueError, ArithmeticError) as exc:
        account = cycle.account.account_id
        return AccountDataError(
            f"usage of account {account} in the {cycle.start:%b %Y} cycle cannot be priced ({exc}); "
            "correct that usage data, no other account is affected",
            account_id=account,
        )


def _facts(cycle: BillingCycle, plan: CompiledPlan, usage: ByCycle, used: ByCycle, granted: ByCycle) -> CycleFacts:
    assignment = cycle.assignment
    if plan.needs_index:
        index = cycle_index(plan.config, assignment.effective_from, cycle.start)
    else:
        index = 0 if cycle.start <= assignment.effective_from else 1
    until = assignment.effective_until
    following = None
    if until is None or until > cycle.end:
        natural = cycle_at(cycle.end, plan.config)
        following = (cycle.end, min(natural.end, until) if until else natural.end, natural.seconds)
    return CycleFacts(
        currency=cycle.currency,
        start=cycle.start,
        end=cycle.end,
        natural_seconds=natural_seconds(plan.config, cycle.start),
        index=index,
        next_window=following,
        usage=usage.get(cycle.pk, {}),
        feature_used=used.get(cycle.pk, {}),
        feature_granted=granted.get(cycle.pk, {}),
    )


def invoice_tree(priced: PricedCycle, currency: str, credits: list[dict] | None = None, wallet_minor: int = 0) -> dict:
    """TOTAL_AMOUNT -> NET_AMOUNT -> (GROSS_AMOUNT, TOTAL_CREDITS), plus what the wallet paid."""
    credits = credits or []
    credit_total = sum((Decimal(c["value"]) for c in credits), Decimal(0))
    net = priced.gross + credit_total
    net_children = [priced.tree]
    if credits:
        net_children.append(line("TOTAL_CREDITS", "Credits applied", credit_total, currency, lineItems=credits))
    children = [line("NET_AMOUNT", "Charges after credits", net, currency, lineItems=net_children)]
    if wallet_minor:
        paid = from_minor(wallet_minor, currency)
        children.append(line("WALLET_APPLIED_AMOUNT", "Paid from the prepaid wallet", paid, currency))
    return line("TOTAL_AMOUNT", "Invoice total", net, currency, lineItems=children)


def invoice_list(
    *,
    account_pk: int | None = None,
    customer_id: str | None = None,
    status: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[Invoice]:
    return filter_given(
        Invoice.objects.select_related("account", "customer", "price_plan", "cycle__assignment__plan"),
        account_id=account_pk, customer__customer_id=customer_id, status=status, end_date__gt=start,
        start_date__lt=end,
    )  # fmt: skip


def invoice_get(invoice_id: str) -> Invoice:
    invoice = invoice_list().filter(invoice_id=invoice_id).first()
    if invoice is None:
        raise NotFoundError(
            f"invoice '{invoice_id}' not found; call list_invoices to find ids",
            details={"fields": {"invoiceId": "not found"}},
        )
    return invoice


def invoices_render(invoices: list[Invoice], *, full: bool = False) -> list[s.Invoice]:
    """Schemas for invoices; DRAFT ones are priced live from their cycle's usage in one pass."""
    drafts = [i.cycle for i in invoices if i.status == "DRAFT" and i.cycle is not None]
    priced = cycles_price(drafts) if drafts else {}
    out = []
    for invoice in invoices:
        cur = invoice.currency
        tree = invoice.line_items or None
        total = from_minor(invoice.total_minor, cur)
        draft = priced.get(invoice.cycle_id) if invoice.status == "DRAFT" and invoice.cycle_id is not None else None
        if isinstance(draft, PricedCycle):
            tree = invoice_tree(draft, cur)
            total = draft.gross
        out.append(
            s.Invoice(
                id=invoice.invoice_id,
                customerId=invoice.customer.customer_id,
                ownerId=invoice.account.account_id,
                pricePlanId=invoice.price_plan.plan_id if invoice.price_plan else None,
                invoiceType=invoice.invoice_type,
                status=invoice.status,
                finalizingStatus="FINALIZED" if invoice.finalized_at else None,
                currency=cur,
                totalAmount=Decimal(money_str(total, cur)),
                paidAmount=from_minor(invoice.paid_minor, cur),
                netTermDays=invoice.net_term_days,
                startDate=invoice.start_date,
                endDate=invoice.end_date,
                invoiceDate=invoice.invoice_date,
                dueDate=invoice.due_date,
                updatedAt=invoice.updated_at,
                revenueInfo=tree if full else None,
                statusReason=invoice.status_reason,
                computationError=draft.message if isinstance(draft, AccountDataError) else None,
            )
        )
    return out
