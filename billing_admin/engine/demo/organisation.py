"""Demo organisation: customers, accounts and usage meters, created through the service layer."""

from __future__ import annotations

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.engine.backend import EngineService
from billing_admin.engine.models import Account, Customer, UsageMeter
from billing_admin.schemas.common import Address
from billing_admin.schemas.meters import Computation

DemoAccount = tuple[str, str, str, list[str], int]  # id, name, currency, aliases, hourly API base volume
DemoCustomer = tuple[str, str, str, str, list[DemoAccount]]  # id, name, email, country, accounts

CUSTOMERS: list[DemoCustomer] = [
    ("cust_123", "Acme Corp", "billing@acme.example", "US",
     [("acc_987", "Acme Production", "USD", ["acme-prod"], 900), ("acc_988", "Acme Staging", "USD", [], 60)]),
    ("cust_456", "Globex", "ap@globex.example", "DE",
     [("acc_globex_eu", "Globex Europe", "EUR", ["globex-eu"], 500), ("acc_globex_us", "Globex US", "USD", [], 350)]),
    ("cust_vink", "Vink Analytics", "finance@vink.example", "NL", [("acc_vink_01", "Vink Main", "USD", ["vink"], 240)]),
    ("cust_initech", "Initech", "accounts@initech.example", "US", [("acc_initech", "Initech TPS", "USD", [], 120)]),
    ("cust_umbrella", "Umbrella Health", "billing@umbrella.example", "GB",
     [("acc_umbrella", "Umbrella Research", "USD", [], 700)]),
    ("cust_hooli", "Hooli", "payables@hooli.example", "US", [("acc_hooli", "Hooli XYZ", "USD", [], 1500)]),
]  # fmt: skip

METERS = [
    s.CreateUsageMeterRequest(
        name="api_requests",
        aggregation="SUM",
        eventSchemaName="api_requests",
        billableName="API requests",
        description="API requests served, summed from the units attribute",
        computations=[Computation(computation='{"var":"attribute.units"}', order=1)],
        filters=[],
    ),
    s.CreateUsageMeterRequest(
        name="storage_gb_hours",
        aggregation="SUM",
        eventSchemaName="storage_usage",
        billableName="Storage (GB-hours)",
        description="Storage held, in GB-hours",
        computations=[Computation(computation='{"var":"attribute.gb_hours"}', order=1)],
    ),
    s.CreateUsageMeterRequest(
        name="support_tickets",
        aggregation="SUM",
        eventSchemaName="support_ticket",
        billableName="Priority support tickets",
        description="Priority support tickets opened",
        computations=[Computation(computation='{"var":"attribute.tickets"}', order=1)],
    ),
]

# Enterprise accounts open priority support tickets: (account id, chance of a ticket day).
TICKETS = {"acc_globex_us": 0.3, "acc_umbrella": 0.9, "acc_hooli": 0.5}


def accounts_with_volume() -> list[tuple[str, int]]:
    return [(acc[0], acc[4]) for *_, accounts in CUSTOMERS for acc in accounts]


def demo_service() -> EngineService:
    """The engine behind the boundary, as the doors meet it: the demo's writes are audited and
    repeat-safe the same way."""
    from billing_admin.boundary import Boundary

    return Boundary(EngineService())  # type: ignore[return-value]


def seed_organisation(*, actor: Actor) -> None:
    service = demo_service()
    for customer_id, name, email, country, accounts in CUSTOMERS:
        if not Customer.objects.filter(customer_id=customer_id).exists():
            service.create_customer(
                s.CreateCustomerRequest(
                    id=customer_id, name=name, primaryEmail=email, address=Address(country=country, city="Springfield")
                ),
                actor=actor,
            )
        for account_id, account_name, currency, aliases, _ in accounts:
            if not Account.objects.filter(account_id=account_id).exists():
                service.create_account(
                    s.CreateAccountRequest(
                        id=account_id, name=account_name, customerId=customer_id, invoiceCurrency=currency,
                        aliases=aliases, primaryEmail=email, netTermDays=30, tags=["demo"],
                    ),
                    actor=actor,
                )  # fmt: skip
    for meter in METERS:
        if not UsageMeter.objects.filter(name=meter.name).exists():
            service.create_usage_meter(meter, actor=actor)
