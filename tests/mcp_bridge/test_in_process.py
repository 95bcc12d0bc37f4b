"""The in-process paths the chat panel uses: `Client(server_for(actor, scope))`, or `Client(get_mcp())` with the
actor set by `acting_as`."""

from __future__ import annotations

import anyio
import pytest
from mcp import Client

from billing_admin.actors import Actor
from billing_admin.engine.models import AuditLog
from billing_admin.engine.tokens import token_actor, token_create, token_revoke
from billing_admin.operations import OPERATIONS
from mcp_bridge.server import acting_as, get_mcp, server_for

pytestmark = pytest.mark.django_db(transaction=True)

FIONA = Actor(kind="agent", name="chat agent for fiona", door="chat", user_id=7)


def test_a_write_through_the_in_process_client_is_audited_as_the_acting_user():
    async def scenario():
        with acting_as(FIONA):
            async with Client(get_mcp()) as client:
                return await client.call_tool(
                    "create_customer", {"id": "cust_1", "name": "Acme Corp", "primaryEmail": "ap@acme.example"}
                )

    assert not anyio.run(scenario).is_error
    entry = AuditLog.objects.get(action="create_customer")
    assert (entry.actor_kind, entry.actor_name, entry.door, entry.user_id) == ("agent", FIONA.name, "chat", 7)


def test_a_read_scope_hides_the_write_tools_in_process_too():
    async def scenario():
        with acting_as(FIONA, scope="read"):
            async with Client(get_mcp()) as client:
                return sorted(tool.name for tool in (await client.list_tools()).tools)

    assert anyio.run(scenario) == sorted(op.name for op in OPERATIONS if op.kind == "read")


def test_without_an_actor_nothing_is_listed_or_run():
    async def scenario():
        async with Client(get_mcp()) as client:
            return (await client.list_tools()).tools, await client.call_tool("list_customers", {})

    tools, result = anyio.run(scenario)
    assert tools == []
    assert result.is_error


def test_a_server_built_for_one_actor_acts_as_them_without_a_context_manager():
    async def scenario():
        async with Client(server_for(FIONA, scope="write")) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            created = await client.call_tool(
                "create_customer", {"id": "cust_1", "name": "Acme Corp", "primaryEmail": "ap@acme.example"}
            )
            return names, created

    names, created = anyio.run(scenario)
    assert names == {op.name for op in OPERATIONS}
    assert not created.is_error
    assert AuditLog.objects.get(action="create_customer").actor_name == FIONA.name


def test_a_read_server_for_one_actor_refuses_writes():
    async def scenario():
        async with Client(server_for(FIONA, scope="read")) as client:
            return await client.call_tool(
                "create_customer", {"id": "cust_1", "name": "Acme Corp", "primaryEmail": "ap@acme.example"}
            )

    result = anyio.run(scenario)
    assert result.is_error and "permission_denied" in result.content[0].text
    assert not AuditLog.objects.filter(action="create_customer").exists()


def test_a_token_revoked_during_a_session_stops_working_at_the_next_call():
    admin = Actor.cli("revoke_api_token")
    issued = token_create(name="desktop", scope="read", actor=admin)

    async def scenario():
        async with Client(server_for(token_actor(issued.token), scope="read")) as client:
            before = await client.call_tool("list_customers", {})
            await anyio.to_thread.run_sync(lambda: token_revoke(name="desktop", actor=admin))
            after = await client.call_tool("list_customers", {})
            return before, after

    before, after = anyio.run(scenario)
    assert not before.is_error
    assert after.is_error and "revoked" in after.content[0].text
