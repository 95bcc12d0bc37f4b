from __future__ import annotations

import pytest
from django.core.management import call_command

from billing_admin.engine import metric_backlog
from billing_admin.engine.models import Account, AuditLog, Customer, Event, UsageMeter
from billing_admin.engine.models.events import EventRollup

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    metric_backlog.fold()
    return (Customer.objects.count(), Account.objects.count(), UsageMeter.objects.count(), Event.objects.count(),
            sum(EventRollup.objects.values_list("events", flat=True)), AuditLog.objects.count())  # fmt: skip


def test_the_demo_has_the_named_customers_accounts_and_meter_and_a_second_run_changes_nothing():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Customer.objects.get(customer_id="cust_123").name == "Acme Corp"
    assert Customer.objects.get(customer_id="cust_456").name == "Globex"
    assert Account.objects.filter(account_id__in=["acc_vink_01", "acc_987"]).count() == 2
    assert UsageMeter.objects.filter(name="api_requests").exists()
    first = counts()
    assert first[3] >= 90 * 24 * 8
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == first


def test_demo_usage_has_a_weekly_shape():
    from datetime import UTC

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    by_weekday = [0] * 7
    for event in Event.objects.filter(schema__name="api_requests").only("timestamp", "attributes"):
        by_weekday[event.timestamp.astimezone(UTC).weekday()] += int(event.attributes[0]["value"])
    assert min(by_weekday[:5]) > 2 * max(by_weekday[5:])


def test_the_demo_has_plans_invoices_in_every_status_and_acc_987_has_150_available():
    from decimal import Decimal

    from billing_admin.actors import Actor
    from billing_admin.engine.models import Invoice, PricePlan
    from billing_admin.service import call

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert set(PricePlan.objects.values_list("name", flat=True)) == {"API Tiered", "Growth Volume", "Enterprise"}
    statuses = set(Invoice.objects.values_list("status", flat=True))
    assert statuses == {"DRAFT", "DUE", "PAID", "PARTIALLY_PAID", "VOID", "UN_COLLECTIBLE"}
    balance = call("get_wallet_balance", {"accountId": "acc_987"}, actor=Actor.cli("test"))
    assert (balance.walletBalance, balance.creditBalance, balance.availableBalance) == (
        Decimal("100.00"),
        Decimal("50.00"),
        Decimal("150.00"),
    )
    # Every demo event of a plan's account is billed in exactly one cycle.
    assert not Event.objects.filter(account__assignments__isnull=False, cycle__isnull=True).exists()
