"""Billing cycles on invoices: month ends, leap years, every interval with its start offset, the grace
period, and closing that is safe to run twice."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tests.billing_admin.engine.money_helpers import (
    D,
    api_meter,
    assign,
    at,
    close,
    fixed_fee_card,
    invoice,
    invoices,
    plan,
    send,
    total,
    usage_card,
    use,
)

pytestmark = pytest.mark.django_db


def periods(actor, account_id: str = "acc_987") -> list[tuple[str, str, str]]:
    rows = sorted(invoices(actor, account_id), key=lambda i: i.startDate)
    return [(f"{i.startDate:%Y-%m-%d}", f"{i.endDate:%Y-%m-%d}", i.status) for i in rows]


def per_unit_plan(actor, **config):
    return plan(actor, "Per unit", [usage_card(api_meter(actor), tiers=[(0, "1.00")])], **config)


def test_a_month_end_offset_clamps_to_short_months_and_returns_to_the_31st(customer, actor):
    p = per_unit_plan(actor, day="31")
    assign(actor, "acc_987", p.id, at(2025, 12, 31))
    close(actor, at(2026, 3, 31))
    assert periods(actor) == [
        ("2025-12-31", "2026-01-31", "PAID"),
        ("2026-01-31", "2026-02-28", "PAID"),
        ("2026-02-28", "2026-03-31", "PAID"),
        ("2026-03-31", "2026-04-30", "DRAFT"),
    ]


def test_an_event_on_the_last_instant_of_a_month_is_billed_in_that_month(customer, actor):
    p = per_unit_plan(actor)
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    use(actor, "acc_987", 7, at(2026, 1, 31, 23).replace(minute=59, second=59, microsecond=999999), event_id="last")
    use(actor, "acc_987", 5, at(2026, 2, 1), event_id="first")
    close(actor, at(2026, 3, 1))
    totals = {i.startDate.month: total(i) for i in invoices(actor)}
    assert totals[1] == D("7.00")
    assert totals[2] == D("5.00")


def test_a_leap_day_belongs_to_the_february_2024_cycle(customer, actor):
    p = per_unit_plan(actor)
    assign(actor, "acc_987", p.id, at(2024, 1, 1))
    use(actor, "acc_987", 29, at(2024, 2, 29, 12), event_id="leap")
    close(actor, at(2024, 3, 1))
    feb = next(i for i in invoices(actor) if i.startDate == at(2024, 2, 1))
    assert (f"{feb.endDate:%Y-%m-%d}", feb.status, total(feb)) == ("2024-03-01", "DUE", D("29.00"))


def test_a_last_day_offset_starts_a_cycle_on_29_february_in_a_leap_year(customer, actor):
    p = per_unit_plan(actor, day="LAST")
    assign(actor, "acc_987", p.id, at(2024, 1, 31))
    use(actor, "acc_987", 3, at(2024, 2, 29, 6), event_id="leap")
    close(actor, at(2024, 3, 31))
    assert periods(actor)[:2] == [("2024-01-31", "2024-02-29", "PAID"), ("2024-02-29", "2024-03-31", "DUE")]


def test_proration_in_a_leap_february_counts_29_days(customer, actor):
    p = plan(actor, "Prorated", [fixed_fee_card("29.00", prorate=True)])
    assign(actor, "acc_987", p.id, at(2024, 2, 15))  # 15 Feb .. 1 Mar = 15 of 29 days
    close(actor, at(2024, 3, 1))
    feb = next(i for i in invoices(actor) if i.status != "DRAFT")
    assert total(feb) == D("15.00")


def test_weekly_cycles_start_on_the_offset_weekday(customer, actor):
    p = per_unit_plan(actor, interval="WEEKLY", day="1")  # Mondays
    assign(actor, "acc_987", p.id, at(2026, 1, 1))  # a Thursday
    use(actor, "acc_987", 4, at(2026, 1, 4, 23), event_id="sun")
    use(actor, "acc_987", 6, at(2026, 1, 5), event_id="mon")
    close(actor, at(2026, 1, 12))
    assert periods(actor) == [
        ("2026-01-01", "2026-01-05", "DUE"),
        ("2026-01-05", "2026-01-12", "DUE"),
        ("2026-01-12", "2026-01-19", "DRAFT"),
    ]
    assert [total(i) for i in sorted(invoices(actor, status="DUE"), key=lambda i: i.startDate)] == [D(4), D(6)]


def test_quarterly_cycles_with_a_month_and_day_offset(customer, actor):
    p = per_unit_plan(actor, interval="QUARTERLY", day="15", month="2")  # Feb, May, Aug, Nov 15th
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    close(actor, at(2026, 5, 15))
    assert periods(actor) == [
        ("2026-01-01", "2026-02-15", "PAID"),
        ("2026-02-15", "2026-05-15", "PAID"),
        ("2026-05-15", "2026-08-15", "DRAFT"),
    ]


def test_half_yearly_cycles_start_in_january_and_july(customer, actor):
    p = per_unit_plan(actor, interval="HALF_YEARLY", month="FIRST")
    assign(actor, "acc_987", p.id, at(2026, 3, 10))
    use(actor, "acc_987", 100, at(2026, 6, 30, 12), event_id="june")
    close(actor, at(2026, 7, 1))
    assert periods(actor) == [("2026-03-10", "2026-07-01", "DUE"), ("2026-07-01", "2027-01-01", "DRAFT")]


def test_annual_cycles_follow_a_fiscal_year_from_april(customer, actor):
    p = per_unit_plan(actor, interval="ANNUALLY", month="4")
    assign(actor, "acc_987", p.id, at(2025, 4, 1))
    use(actor, "acc_987", 12, at(2026, 3, 31, 22), event_id="march")
    close(actor, at(2026, 4, 1))
    assert periods(actor) == [("2025-04-01", "2026-04-01", "DUE"), ("2026-04-01", "2027-04-01", "DRAFT")]


def test_an_event_inside_the_grace_period_is_billed_to_the_ended_cycle(customer, actor):
    p = per_unit_plan(actor, grace=3)
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    use(actor, "acc_987", 10, at(2026, 1, 20), event_id="on-time")
    use(actor, "acc_987", 5, at(2026, 1, 31, 18), event_id="late", now=at(2026, 2, 3))
    assert close(actor, at(2026, 2, 3)).closedCycles == 0  # still inside its grace period
    assert [(i.startDate.month, i.status, total(i)) for i in invoices(actor)] == [(2, "DRAFT", 0), (1, "DRAFT", 15)]
    assert close(actor, at(2026, 2, 4)).closedCycles == 1
    jan = next(i for i in invoices(actor) if i.startDate.month == 1)
    assert (jan.status, total(jan)) == ("DUE", D("15.00"))


def test_an_event_after_the_grace_period_is_refused_and_bills_nothing(customer, actor):
    p = per_unit_plan(actor, grace=3)
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    use(actor, "acc_987", 10, at(2026, 1, 20), event_id="on-time")
    late = send(actor, "acc_987", 5, at(2026, 1, 31), event_id="too-late", now=at(2026, 2, 4, 1))
    assert [f.status for f in late.failed] == ["INGESTION_FAILED_PAST_GRACE_PERIOD"]
    assert "timestamp" in late.failed[0].message
    close(actor, at(2026, 2, 5))
    jan = next(i for i in invoices(actor) if i.startDate.month == 1)
    assert total(jan) == D("10.00")


def test_an_event_for_a_cycle_closed_early_is_refused_even_inside_the_grace_period(customer, actor):
    p = per_unit_plan(actor, grace=5)
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    use(actor, "acc_987", 10, at(2026, 1, 20), event_id="a")
    assert close(actor, at(2026, 2, 1), account_id="acc_987").closedCycles == 1
    late = send(actor, "acc_987", 5, at(2026, 1, 31), event_id="b", now=at(2026, 2, 2))
    assert [f.status for f in late.failed] == ["INGESTION_FAILED_PAST_GRACE_PERIOD"]


def test_a_replay_after_its_cycle_closed_answers_as_stored_not_refused(customer, actor):
    p = per_unit_plan(actor, grace=0)
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    use(actor, "acc_987", 10, at(2026, 1, 20), event_id="a")
    close(actor, at(2026, 2, 1))
    replay = send(actor, "acc_987", 10, at(2026, 1, 20), event_id="a", now=at(2026, 2, 9))
    assert replay.failed == [] and replay.duplicates == 1
    jan = next(i for i in invoices(actor) if i.startDate.month == 1)
    assert total(jan) == D("10.00")


def test_closing_twice_changes_nothing(customer, actor):
    p = per_unit_plan(actor)
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    use(actor, "acc_987", 42, at(2026, 1, 9), event_id="a")
    first = close(actor, at(2026, 2, 1))
    before = [(i.id, i.status, total(i), i.updatedAt) for i in invoices(actor)]
    again = close(actor, at(2026, 2, 1))
    assert (first.closedCycles, again.closedCycles, again.invoiceIds) == (1, 0, [])
    assert [(i.id, i.status, total(i), i.updatedAt) for i in invoices(actor)] == before
    assert invoice(actor, first.invoiceIds[0]).revenueInfo is not None


def test_the_close_cycles_command_is_idempotent(customer, actor):
    p = per_unit_plan(actor)
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    use(actor, "acc_987", 42, at(2026, 1, 9), event_id="a")
    out = StringIO()
    call_command("close_cycles", "--as-of", "2026-02-01T00:00:00+00:00", stdout=out)
    assert out.getvalue().startswith("closed 1 cycle(s)")
    out = StringIO()
    call_command("close_cycles", "--as-of", "2026-02-01T00:00:00+00:00", stdout=out)
    assert out.getvalue().strip() == "closed 0 cycle(s)"
    assert [(i.status, total(i)) for i in invoices(actor, status="DUE")] == [("DUE", D("42.00"))]


def test_closing_late_catches_up_every_missed_cycle_in_order(customer, actor):
    p = plan(actor, "Fee", [fixed_fee_card("10.00")])
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    result = close(actor, at(2026, 6, 15))
    assert result.closedCycles == 5
    assert [s for _, _, s in periods(actor)] == ["DUE"] * 5 + ["DRAFT"]


def test_a_cycle_is_not_closed_before_it_ends(customer, actor):
    p = per_unit_plan(actor)
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    use(actor, "acc_987", 3, at(2026, 1, 9), event_id="a")
    assert close(actor, at(2026, 1, 31, 23), account_id="acc_987").closedCycles == 0
    assert [i.status for i in invoices(actor)] == ["DRAFT"]


def test_ingestion_reads_the_cycles_in_one_query_once_they_exist_and_agrees_with_the_full_path(customer, actor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from billing_admin.engine.billing_cycles import CycleSpan, cycle_spans, cycles_covering
    from billing_admin.engine.models import Account

    meter = api_meter(actor)
    first = plan(actor, "Monthly", [usage_card(meter, tiers=[(0, "1.00")])])
    second = plan(actor, "From the 15th", [usage_card(meter, tiers=[(0, "2.00")])], day="15")
    assign(actor, "acc_987", first.id, at(2026, 1, 1))
    assign(actor, "acc_987", second.id, at(2026, 2, 10))  # a change mid-cycle
    pk = Account.objects.get(account_id="acc_987").pk
    start, end = at(2026, 1, 20), at(2026, 3, 20)
    opened = cycle_spans({pk}, start, end)  # missing cycles: the full path opens them
    expected = [CycleSpan(c.pk, c.account_id, c.start, c.end, c.status, c.grace_ends)
                for c in cycles_covering({pk}, start, end)]  # fmt: skip
    assert [(f"{s.start:%m-%d}", f"{s.end:%m-%d}") for s in expected] == [
        ("01-01", "02-01"),
        ("02-01", "02-10"),
        ("02-10", "02-15"),
        ("02-15", "03-15"),
        ("03-15", "04-15"),
    ]
    with CaptureQueriesContext(connection) as queries:
        assert cycle_spans({pk}, start, end) == opened == expected
    # The full path takes at least two queries; PostgreSQL's one runs on a binary-parameter cursor that
    # Django's log does not see.
    assert len(queries) <= 1
