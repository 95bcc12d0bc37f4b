"""The MCP tools with one account's usage planted negative: list_invoices and get_account answer for
everyone, with the bad account's figures in an error state an agent can read and act on."""

from __future__ import annotations

import anyio
import pytest
from django.utils import timezone
from mcp import Client

from billing_admin.actors import Actor
from billing_admin.service import call
from mcp_bridge.server import server_for
from tests.billing_admin.engine.money_helpers import plant_negative_usage
from tests.dashboard import factories

from .conftest import ok

pytestmark = pytest.mark.django_db(transaction=True)

AGENT = Actor(kind="agent", name="reporting agent", door="mcp")


@pytest.fixture
def bad_neighbour(customer, actor):
    billed = factories.billed_account(actor)
    call("create_account", {"id": "acc_bad", "name": "Bad", "customerId": "cust_123", "invoiceCurrency": "USD"},
         actor=actor)  # fmt: skip
    call("update_account", {"accountId": "acc_bad", "pricePlanId": billed.plan_id,
                            "effectiveFrom": factories.JAN.isoformat()}, actor=actor)  # fmt: skip
    factories.ingest(actor, "acc_bad", 10, timezone.now(), event_id="bad-now")
    plant_negative_usage("acc_bad", timezone.now())
    return billed


def test_list_invoices_and_get_account_answer_with_the_bad_account_in_an_error_state(bad_neighbour):
    async def scenario():
        async with Client(server_for(AGENT, scope="read")) as client:
            listed = await ok(client, "list_invoices", {"pageSize": 200})
            account = await ok(client, "get_account", {"accountId": "acc_bad"})
            return listed, account

    listed, account = anyio.run(scenario)
    failing = [row for row in listed["data"] if row.get("computationError")]
    assert {row["ownerId"] for row in failing} == {"acc_bad"}
    assert any(row["id"] == bad_neighbour.due_invoice for row in listed["data"])
    assert "cannot be priced" in account["currentCycle"]["chargesError"]
