"""A money move above its ceiling through MCP is a tool error the model can read; nothing moves."""

from __future__ import annotations

import anyio
import pytest

from billing_admin.actors import Actor
from billing_admin.engine.models import Credit, WalletEntry
from billing_admin.service import call

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def acme(transactional_db):
    call(
        "create_customer",
        {
            "id": "cust_123",
            "name": "Acme Corp",
            "primaryEmail": "billing@acme.example",
            "account": {"id": "acc_987", "name": "Acme Production", "invoiceCurrency": "USD"},
        },
        actor=Actor.system(name="test setup"),
    )


def test_a_billion_dollar_credit_is_a_tool_error_and_grants_nothing(connect_http, write_token, acme):
    async def scenario():
        async with connect_http(write_token.raw) as client:
            return await client.call_tool(
                "grant_credit", {"accountId": "acc_987", "creditAmount": "1000000000", "purpose": "Goodwill"}
            )

    result = anyio.run(scenario)

    assert result.is_error
    assert result.content[0].text == (
        "above_limit: amount 1,000,000,000.00 USD is above the 100,000.00 USD limit for grant_credit; "
        "a second finance admin must approve it in the dashboard"
    )
    assert not Credit.objects.exists()


def test_a_top_up_above_the_ceiling_is_a_tool_error_and_one_below_runs(connect_http, write_token, acme):
    async def scenario():
        async with connect_http(write_token.raw) as client:
            above = await client.call_tool("top_up_wallet", {"accountId": "acc_987", "topupAmount": "100000.01"})
            below = await client.call_tool("top_up_wallet", {"accountId": "acc_987", "topupAmount": "100000"})
            return above, below

    above, below = anyio.run(scenario)

    assert above.is_error and "above the 100,000.00 USD limit for top_up_wallet" in above.content[0].text
    assert not below.is_error and below.structured_content["walletBalance"] == "100000.00"
    assert WalletEntry.objects.count() == 1
