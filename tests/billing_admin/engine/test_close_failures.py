"""Closing isolates failure: an account whose stored usage cannot be priced stays OPEN with its failure
recorded, every other account closes, and a later close after the data is corrected clears it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing_admin.service import call
from tests.billing_admin.engine.money_helpers import (
    D,
    account,
    api_meter,
    assign,
    at,
    close,
    invoices,
    plan,
    plant_negative_usage,
    repair_usage,
    total,
    usage_card,
    use,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_accounts(customer, actor):
    """acc_987 (good) and acc_bad on $1.00 a unit since Jan 1, 2026, 42 units each in January;
    acc_bad's January total then planted negative."""
    p = plan(actor, "Per unit", [usage_card(api_meter(actor), tiers=[(0, "1.00")])])
    account(actor, "acc_bad")
    for account_id in ("acc_987", "acc_bad"):
        assign(actor, account_id, p.id, at(2026, 1, 1))
        use(actor, account_id, 42, at(2026, 1, 9), event_id=f"{account_id}-jan")
    plant_negative_usage("acc_bad", at(2026, 1, 9))
    return p


def close_cycles(as_of: str = "2026-02-01T00:00:00+00:00") -> tuple[str, str, CommandError | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command("close_cycles", "--as-of", as_of, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def statuses(actor, account_id: str) -> list[tuple[str, str]]:
    rows = sorted(invoices(actor, account_id), key=lambda i: i.startDate)
    return [(f"{i.startDate:%Y-%m}", i.status) for i in rows]


def failures(actor, account_id: str) -> list:
    return call("get_account", {"accountId": account_id}, actor=actor).closeFailures


def test_close_cycles_closes_every_other_account_records_the_failure_and_exits_non_zero(two_accounts, actor):
    out, err, failed = close_cycles()
    assert failed is not None and failed.returncode != 0
    assert "1 account(s) could not be closed" in str(failed)
    assert out.startswith("closed 1 cycle(s)")
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("FAILED acc_bad cycle 2026-01-01..2026-02-01 (attempt 1)")
    assert "quantity must be 0 or more" in lines[0]
    assert [(i.status, total(i)) for i in invoices(actor, "acc_987", status="DUE")] == [("DUE", D("42.00"))]
    assert statuses(actor, "acc_bad") == [("2026-01", "DRAFT"), ("2026-02", "DRAFT")]
    [failure] = failures(actor, "acc_bad")
    assert (failure.code, failure.cycleStart, failure.attempts) == ("account_data_error", at(2026, 1, 1), 1)
    assert failures(actor, "acc_987") == []


def test_a_failed_close_is_audited_as_the_close_that_met_it(two_accounts):
    from billing_admin.engine.models import AuditLog

    close_cycles()
    entry = AuditLog.objects.get(object_type="billing_cycle", object_id="acc_bad")
    assert (entry.action, entry.door, entry.actor_name) == ("generate_invoices", "cli", "manage.py close_cycles")
    assert "could not close the Jan 2026 cycle of acc_bad" in entry.summary


def test_a_second_run_after_the_data_is_corrected_closes_the_account_and_clears_its_failure(two_accounts, actor):
    close_cycles()
    repair_usage("acc_bad", units=7)
    out, err, failed = close_cycles()
    assert failed is None and err == ""
    assert out.startswith("closed 1 cycle(s)")
    assert [(i.status, total(i)) for i in invoices(actor, "acc_bad", status="DUE")] == [("DUE", D("7.00"))]
    assert failures(actor, "acc_bad") == []


def test_a_repeat_while_the_data_is_still_bad_closes_nothing_twice_and_counts_the_attempt(two_accounts, actor):
    close_cycles()
    out, err, failed = close_cycles()
    assert failed is not None and out.startswith("closed 0 cycle(s)")
    assert "(attempt 2)" in err
    assert len(invoices(actor, "acc_987", status="DUE")) == 1
    [failure] = failures(actor, "acc_bad")
    assert failure.attempts == 2


def test_the_service_answers_which_accounts_failed_beside_what_it_closed(two_accounts, actor):
    result = close(actor, at(2026, 2, 1))
    assert result.closedCycles == 1
    assert [(f.accountId, f"{f.cycleStart:%Y-%m}") for f in result.failed] == [("acc_bad", "2026-01")]
    assert "acc_bad" in result.failed[0].message and "correct that usage data" in result.failed[0].message


def test_an_account_closes_its_cycles_before_the_one_that_fails_and_waits_after_it(customer, actor):
    p = plan(actor, "Per unit", [usage_card(api_meter(actor), tiers=[(0, "1.00")])])
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    use(actor, "acc_987", 3, at(2026, 1, 9), event_id="jan")
    use(actor, "acc_987", 4, at(2026, 2, 9), event_id="feb")
    use(actor, "acc_987", 5, at(2026, 3, 9), event_id="mar")
    plant_negative_usage("acc_987", at(2026, 2, 9))
    result = close(actor, at(2026, 4, 1))
    assert result.closedCycles == 1
    assert statuses(actor, "acc_987")[:3] == [("2026-01", "DUE"), ("2026-02", "DRAFT"), ("2026-03", "DRAFT")]
    assert [f"{f.cycleStart:%Y-%m}" for f in result.failed] == ["2026-02"]


def test_a_batch_the_database_refuses_for_one_account_is_closed_again_account_by_account(customer, actor):
    """An amount past the invoice column's range fails the batch's write, not pricing: the batch is
    retried per account, so only that account stays OPEN."""
    from billing_admin.engine.models import CycleUsage

    p = plan(actor, "Dear", [usage_card(api_meter(actor), tiers=[(0, "10000000")])])
    account(actor, "acc_huge")
    for account_id in ("acc_987", "acc_huge"):
        assign(actor, account_id, p.id, at(2026, 1, 1))
        use(actor, account_id, 1, at(2026, 1, 9), event_id=f"{account_id}-jan")
    # 10^12 units at 10,000,000 each: 10^21 dollars, past a 64-bit count of cents.
    CycleUsage.objects.filter(cycle__account__account_id="acc_huge").update(quantity_micros=10**18)
    result = close(actor, at(2026, 2, 1))
    assert [(i.status, total(i)) for i in invoices(actor, "acc_987", status="DUE")] == [("DUE", D("10000000.00"))]
    assert [f.accountId for f in result.failed] == ["acc_huge"]
    assert statuses(actor, "acc_huge")[0] == ("2026-01", "DRAFT")
