"""The SDK's own client over real streamable HTTP against the app served by uvicorn."""

from __future__ import annotations

import anyio
import httpx2
import pytest

from billing_admin.engine.models import ApiToken, AuditLog, Customer
from billing_admin.operations import OPERATIONS

pytestmark = pytest.mark.django_db(transaction=True)

READ_TOOLS = sorted(op.name for op in OPERATIONS if op.kind == "read")
ALL_TOOLS = sorted(op.name for op in OPERATIONS)
LIST_TOOLS_BODY = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
MCP_HEADERS = {
    "Accept": "application/json, text/event-stream",
    "Content-Type": "application/json",
    "MCP-Protocol-Version": "2025-11-25",
}


def post(url: str, token: str | None = None, **headers: str) -> httpx2.Response:
    sent = {**MCP_HEADERS, **headers}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    return httpx2.post(url, json=LIST_TOOLS_BODY, headers=sent, timeout=10)


def test_a_write_token_lists_every_tool(connect_http, write_token):
    async def scenario():
        async with connect_http(write_token.raw) as client:
            return sorted(tool.name for tool in (await client.list_tools()).tools), client.instructions

    names, instructions = anyio.run(scenario)
    assert names == ALL_TOOLS
    assert "create_customer" in instructions and "list_invoices(status=DRAFT)" in instructions


def test_the_key_path_runs_end_to_end_and_is_audited_as_the_token(connect_http, write_token, key_path):
    async def scenario():
        async with connect_http(write_token.raw) as client:
            return await key_path(client)

    anyio.run(scenario)
    writes = AuditLog.objects.filter(action__in=["create_customer", "create_usage_meter", "grant_credit"])
    assert writes.count() >= 3
    assert set(writes.values_list("actor_kind", "door", "token_id", "actor_name")) == {
        ("token", "mcp", write_token.token.pk, "token agent-write")
    }
    assert ApiToken.objects.get(pk=write_token.token.pk).last_used_at is not None


def test_a_read_token_sees_and_runs_only_read_tools(connect_http, read_token, text_of):
    async def scenario():
        async with connect_http(read_token.raw) as client:
            names = sorted(tool.name for tool in (await client.list_tools()).tools)
            listed = await client.call_tool("list_customers", {})
            refused = await client.call_tool(
                "create_customer", {"id": "cust_x", "name": "Sneaky Co", "primaryEmail": "x@sneaky.example"}
            )
            return names, listed, refused

    names, listed, refused = anyio.run(scenario)
    assert names == READ_TOOLS
    assert not listed.is_error
    assert refused.is_error
    assert "permission_denied" in text_of(refused) and "write token" in text_of(refused)
    assert not Customer.objects.exists()


def test_it_rejects_a_request_without_a_token(mcp_url):
    response = post(mcp_url)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer realm="billing-admin"')


def test_it_rejects_an_unknown_token(mcp_url, write_token):
    response = post(mcp_url, token=write_token.raw + "x")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_it_rejects_a_revoked_token(mcp_url, revoked_token):
    response = post(mcp_url, token=revoked_token.raw)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_the_sdk_client_fails_to_connect_with_a_revoked_token(connect_http, revoked_token):
    async def scenario():
        async with connect_http(revoked_token.raw) as client:
            await client.list_tools()

    with pytest.raises(ExceptionGroup) as caught:  # the SDK reports the 401 as an error response
        anyio.run(scenario)
    assert "error response" in repr(caught.value)


def test_it_answers_a_bare_json_rpc_call_with_a_valid_token(mcp_url, read_token):
    response = post(mcp_url, token=read_token.raw)
    assert response.status_code == 200
    assert sorted(tool["name"] for tool in response.json()["result"]["tools"]) == READ_TOOLS


def test_it_refuses_a_foreign_host(mcp_url, read_token):
    assert post(mcp_url, token=read_token.raw, Host="evil.example").status_code == 421


def test_it_refuses_a_foreign_origin(mcp_url, read_token):
    assert post(mcp_url, token=read_token.raw, Origin="http://evil.example").status_code == 403


def test_it_accepts_a_local_origin(mcp_url, read_token):
    assert post(mcp_url, token=read_token.raw, Origin="http://localhost:8000").status_code == 200


def test_django_still_serves_everything_else(mcp_base_url):
    response = httpx2.get(f"{mcp_base_url}/mcpx", timeout=10)
    assert response.status_code == 404
    assert "www-authenticate" not in response.headers
