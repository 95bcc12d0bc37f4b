from __future__ import annotations

import pytest
from django.core.management import call_command

from billing_admin.engine.models import Account, AuditLog, Customer, Event, UsageMeter
from billing_admin.engine.models.events import EventRollup

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
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
