"""With BILLING_BACKEND=togai the doors answer from the Togai API: the MCP tools (what the chat
agent calls too) and the REST API, with what hosted Togai lacks said plainly."""

from __future__ import annotations

import anyio
import pytest
from mcp import Client

from billing_admin.actors import Actor
from billing_admin.engine.tokens import token_create
from mcp_bridge.server import acting_as, get_mcp

FIONA = Actor(kind="agent", name="chat agent for fiona", door="chat", user_id=7)


@pytest.fixture
def togai_mode(togai_backend):
    return togai_backend


@pytest.mark.django_db(transaction=True)
def test_the_mcp_tools_read_and_write_hosted_togai(togai_mode):
    async def scenario():
        with acting_as(FIONA):
            async with Client(get_mcp()) as client:
                created = await client.call_tool(
                    "create_customer", {"id": "cust_1", "name": "Acme Corp", "primaryEmail": "ap@acme.example"}
                )
                listed = await client.call_tool("list_customers", {})
                closing = await client.call_tool("generate_invoices", {"all": True})
                return created, listed, closing

    created, listed, closing = anyio.run(scenario)
    assert not created.is_error and "cust_1" in togai_mode.customers
    assert [c["id"] for c in listed.structured_content["data"]] == ["cust_1"]
    assert closing.is_error and "hosted Togai closes billing cycles" in closing.content[0].text


@pytest.mark.django_db
def test_the_rest_api_answers_from_hosted_togai(togai_mode, client):
    token = token_create(name="backend", scope="write", actor=Actor.cli("test")).raw
    headers = {"Authorization": f"Bearer {token}"}
    togai_mode.customers["cust_9"] = {
        "id": "cust_9", "togaiCustomerId": "customer.9.x", "name": "Nine Ltd", "primaryEmail": "n@nine.example",
        "billingAddress": "", "address": {}, "status": "ACTIVE", "createdAt": "2026-11-01T00:00:00Z",
        "updatedAt": "2026-11-01T00:00:00Z",
    }  # fmt: skip
    body = client.get("/api/customers/cust_9", headers=headers).json()
    assert body["name"] == "Nine Ltd" and body["accounts"] == []
    missing = client.get("/api/customers/nobody", headers=headers)
    assert missing.status_code == 404 and "Togai API answered 404" in missing.json()["message"]
    unsupported = client.post(
        "/api/invoices/generate", '{"all": true}', content_type="application/json", headers=headers
    )
    assert unsupported.status_code == 501 and "hosted Togai" in unsupported.json()["message"]


@pytest.mark.django_db(transaction=True)
def test_the_money_ceilings_hold_in_front_of_hosted_togai_too(togai_mode):
    async def scenario():
        with acting_as(FIONA):
            async with Client(get_mcp()) as client:
                await client.call_tool(
                    "create_customer",
                    {
                        "id": "cust_1",
                        "name": "Acme Corp",
                        "primaryEmail": "ap@acme.example",
                        "account": {"id": "acc_1", "name": "Acme", "invoiceCurrency": "USD"},
                    },
                )
                return await client.call_tool("top_up_wallet", {"accountId": "acc_1", "topupAmount": "250000"})

    refused = anyio.run(scenario)
    assert refused.is_error and "250,000.00 USD is above the 100,000.00 USD limit" in refused.content[0].text
    assert togai_mode.calls("POST", "/accounts/acc_1/wallet_topup") == []
