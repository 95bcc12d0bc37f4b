"""An account's whole financial picture (get_account) and REVENUE in get_metrics."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billing_admin.errors import InvalidInputError
from billing_admin.service import call
from tests.billing_admin.engine.money_helpers import (
    D,
    account,
    api_meter,
    assign,
    at,
    close,
    fixed_fee_card,
    invoices,
    plan,
    usage_card,
    use,
)

pytestmark = pytest.mark.django_db


def this_month():
    return timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def test_get_account_shows_plan_cycle_charges_balances_and_what_is_owed(customer, actor):
    p = plan(actor, "Growth", [usage_card(api_meter(actor)), fixed_fee_card("49.00")])
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    use(actor, "acc_987", 6000, at(2026, 1, 10), event_id="jan")
    close(actor, this_month())  # every month before this one is finalized
    call("top_up_wallet", {"accountId": "acc_987", "topupAmount": "100.00"}, actor=actor)
    call("grant_credit", {"accountId": "acc_987", "creditAmount": "50", "purpose": "Loyalty"}, actor=actor)
    now = max(this_month(), timezone.now() - timedelta(minutes=1))
    use(actor, "acc_987", 1500, now, event_id="now")

    detail = call("get_account", {"accountId": "acc_987"}, actor=actor)
    assert (detail.pricePlan.id, detail.pricePlan.name) == (p.id, "Growth")
    cycle = detail.currentCycle
    assert cycle.startDate == this_month()
    assert cycle.chargesSoFar == D("189.00")  # 1000 x 0.10 + 500 x 0.08 + the 49.00 fee
    assert [(u.name, u.quantity) for u in cycle.usage] == [("api_requests", D(1500))]
    assert cycle.invoiceId == next(i.id for i in invoices(actor, status="DRAFT"))
    assert (detail.walletBalance, detail.creditBalance, detail.availableBalance) == (
        D("100.00"), D("50.00"), D("150.00"))  # fmt: skip
    assert [c.purpose for c in detail.credits] == ["Loyalty"]
    months_closed = this_month().month - 1
    assert len(detail.outstandingInvoices) == months_closed
    # January (470 + 49) then 49 a month; the wallet was topped up after they were finalized.
    assert detail.outstandingAmount == D("519.00") + D("49.00") * (months_closed - 1)


def test_get_account_without_a_plan_has_no_cycle_and_owes_nothing(customer, actor):
    detail = call("get_account", {"accountId": "acc_987"}, actor=actor)
    assert (detail.pricePlan, detail.currentCycle, detail.outstandingInvoices) == (None, None, [])
    assert detail.outstandingAmount == D(0)


def revenue(actor, **query):
    answer = call("get_metrics", {
        "startTime": "2026-01-01T00:00:00Z", "endTime": "2026-05-01T00:00:00Z",
        "metricQueries": [{"id": "r", "name": "REVENUE", "aggregationPeriod": "MONTH", **query}],
    }, actor=actor)  # fmt: skip
    return [
        (
            s.groupedBy.fieldValue if s.groupedBy else None,
            dict(zip((t.month for t in s.timestamps), s.metricValues, strict=True)),
        )
        for s in answer.results[0].data
    ]


def finalized_history(actor):
    account(actor, "acc_eu", currency="EUR")
    meter = api_meter(actor)
    p = plan(actor, "Global", [usage_card(meter, currencies=("USD", "EUR"))], currencies=("USD", "EUR"))
    for acc in ("acc_987", "acc_eu"):
        assign(actor, acc, p.id, at(2026, 1, 1))
    use(actor, "acc_987", 6000, at(2026, 1, 10), event_id="us-jan")
    use(actor, "acc_987", 1000, at(2026, 2, 10), event_id="us-feb")
    use(actor, "acc_eu", 1000, at(2026, 1, 10), event_id="eu-jan")
    use(actor, "acc_987", 50, at(2026, 3, 10), event_id="us-mar")  # stays a DRAFT
    close(actor, at(2026, 3, 1))


def test_revenue_sums_finalized_invoices_by_invoice_month_in_the_org_currency(customer, actor):
    finalized_history(actor)
    [(group, months)] = revenue(actor)
    assert group is None
    assert (months[2], months[3]) == (D("470.00"), D("100.00"))  # January's invoice is dated 1 February
    assert months.get(4, D(0)) == 0


def test_revenue_grouped_by_currency_never_mixes_currencies(customer, actor):
    finalized_history(actor)
    series = dict(revenue(actor, groupBy="CURRENCY"))
    assert series["EUR"][2] == D("100.00")
    assert series["USD"][2] == D("470.00")


def test_voided_invoices_are_not_revenue(customer, actor):
    finalized_history(actor)
    january = next(i for i in invoices(actor) if i.startDate.month == 1)
    call("update_invoice_status", {"invoiceId": january.id, "status": "VOID", "reason": "billed in error"},
         actor=actor)  # fmt: skip
    [(_, months)] = revenue(actor, filters=[{"fieldName": "ACCOUNT_ID", "fieldValues": ["acc_987"]}])
    assert (months.get(2, D(0)), months[3]) == (D(0), D("100.00"))


def test_revenue_refuses_a_grouping_it_cannot_split_by(customer, actor):
    with pytest.raises(InvalidInputError) as err:
        revenue(actor, groupBy="SCHEMA_NAME")
    assert "metricQueries.groupBy" in err.value.details["fields"]
