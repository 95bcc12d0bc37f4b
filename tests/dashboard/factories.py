"""Deterministic builders for page tests: people in each role, and billing state made through the
service layer (never raw ORM), with fixed amounts and dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from billing_admin.actors import Actor
from billing_admin.service import call
from dashboard.access import FINANCE_ADMINS, VIEWERS

PASSWORD = "correct-horse-battery"
JAN = datetime(2026, 1, 1, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)


def person(username: str, *groups: str):
    """A login in the given dashboard groups (none: logged in, but no role)."""
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, email=f"{username}@example.com")
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def finance_admin(username: str = "fiona"):
    return person(username, FINANCE_ADMINS)


def viewer(username: str = "victor"):
    return person(username, VIEWERS)


def meter(actor: Actor, name: str = "api_requests") -> str:
    return call(
        "create_usage_meter",
        {
            "name": name,
            "aggregation": "SUM",
            "eventSchemaName": name,
            "billableName": "API requests",
            "computations": [{"computation": '{"var":"attribute.units"}', "order": 1}],
        },
        actor=actor,
    ).id


def tiered_plan(actor: Actor, meter_id: str, name: str = "Growth") -> str:
    """$0.10 a unit up to 1,000, then $0.08; plus a $49 platform fee."""
    return call(
        "create_price_plan",
        {
            "name": name,
            "supportedCurrencies": ["USD"],
            "pricingCycleConfig": {"interval": "MONTHLY", "gracePeriod": 0},
            "rateCards": [
                {
                    "type": "USAGE",
                    "displayName": "API requests",
                    "rateCardDetails": {
                        "usageRateCard": {
                            "usageMeterId": meter_id,
                            "ratePlan": {
                                "pricingModel": "TIERED",
                                "slabs": [{"order": 1, "startAfter": "0"}, {"order": 2, "startAfter": "1000"}],
                            },
                            "rateValues": [
                                {
                                    "currency": "USD",
                                    "slabRates": [{"order": 1, "rate": "0.10"}, {"order": 2, "rate": "0.08"}],
                                }
                            ],
                        }
                    },
                },
                {
                    "type": "FIXED_FEE",
                    "displayName": "Platform fee",
                    "rateCardDetails": {"fixedFeeRateCard": {"rateValues": [{"currency": "USD", "rate": "49"}]}},
                },
            ],
        },
        actor=actor,
    ).id


def ingest(actor: Actor, account_id: str, units: int, when: datetime, *, event_id: str) -> None:
    """One usage event, as if it arrived when it happened (so it lands in that cycle)."""
    from billing_admin import schemas as s
    from billing_admin.engine.ingestion import ingest_batch

    request = s.IngestBatchRequest(
        events=[
            {
                "id": event_id,
                "accountId": account_id,
                "schemaName": "api_requests",
                "timestamp": when.isoformat(),
                "attributes": [{"name": "units", "value": str(units)}],
            }
        ]
    )
    result = ingest_batch(request=request, actor=actor, now=when)
    assert result.success, result.failed


@dataclass(frozen=True)
class Billed:
    account_id: str
    plan_id: str
    meter_id: str
    due_invoice: str


def billed_account(actor: Actor, account_id: str = "acc_987") -> Billed:
    """`account_id` on the Growth plan since Jan 1, 2026, with 1,500 units in January, closed into a
    DUE invoice: 1,000 × $0.10 + 500 × $0.08 + $49 = $189.00."""
    meter_id = meter(actor)
    plan_id = tiered_plan(actor, meter_id)
    call(
        "update_account",
        {"accountId": account_id, "pricePlanId": plan_id, "effectiveFrom": JAN.isoformat()},
        actor=actor,
    )
    ingest(actor, account_id, 1500, datetime(2026, 1, 10, tzinfo=UTC), event_id="jan-1")
    call("generate_invoices", {"asOf": FEB.isoformat(), "accountId": account_id}, actor=actor)
    due = call("list_invoices", {"accountId": account_id, "status": "DUE"}, actor=actor).data
    assert len(due) == 1, due
    return Billed(account_id=account_id, plan_id=plan_id, meter_id=meter_id, due_invoice=due[0].id)
