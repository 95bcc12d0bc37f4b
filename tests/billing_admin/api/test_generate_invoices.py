"""Closing cycles on demand cannot close a month that has not ended, nor every account by accident:
a future asOf is refused, and leaving out the account needs an explicit all=true (REST and MCP alike)."""

from __future__ import annotations

import io
from datetime import timedelta

import anyio
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from mcp import Client

from billing_admin.actors import Actor
from billing_admin.engine.models import BillingCycle
from mcp_bridge.server import acting_as, get_mcp

from .conftest import start_of_month, usage_event

pytestmark = pytest.mark.django_db

FIONA = Actor(kind="agent", name="chat agent for fiona", door="chat", user_id=7)


@pytest.fixture
def used(api, on_pro):
    response = api.post("ingestBatch", {"events": [usage_event("300", id="u-1")]})
    assert response.status_code == 202, response.content
    return on_pro


def open_cycles() -> int:
    return BillingCycle.objects.filter(status="OPEN").count()


def test_a_future_as_of_is_a_400_naming_it_and_closes_nothing(api, used):
    tomorrow = timezone.now() + timedelta(days=1)
    before = open_cycles()
    for body in ({"accountId": "acc_987", "asOf": tomorrow.isoformat()}, {"all": True, "asOf": "2099-01-01"}):
        response = api.post("invoices/generate", body)
        assert response.status_code == 400, response.content
        assert response.json()["details"]["fields"]["asOf"].startswith("cannot be in the future")
    assert open_cycles() == before
    [draft] = api.get("invoices", owner_id="acc_987").json()["data"]
    assert draft["status"] == "DRAFT"


def test_an_empty_body_is_refused_unless_it_says_all(api, used, monkeypatch):
    response = api.post("invoices/generate", {})
    assert response.status_code == 400 and "all" in response.json()["details"]["fields"]
    later = start_of_month() + timedelta(days=40)
    monkeypatch.setattr(timezone, "now", lambda: later)  # past the cycle's end and grace period
    assert api.post("invoices/generate", {}).status_code == 400
    closed = api.post("invoices/generate", {"all": True})
    assert closed.status_code == 200 and closed.json()["closedCycles"] == 1, closed.content


def test_an_account_and_all_together_are_refused(api, used):
    response = api.post("invoices/generate", {"accountId": "acc_987", "all": True})
    assert response.status_code == 400 and "leave it out" in response.json()["details"]["fields"]["all"]


def test_a_past_as_of_inside_the_open_month_closes_nothing_of_that_month(api, used):
    an_hour_ago = max(start_of_month(), timezone.now() - timedelta(hours=1))
    response = api.post("invoices/generate", {"accountId": "acc_987", "asOf": an_hour_ago.isoformat()})
    assert response.status_code == 200 and response.json()["closedCycles"] == 0
    [draft] = api.get("invoices", owner_id="acc_987").json()["data"]
    assert draft["status"] == "DRAFT" and draft["totalAmount"] == 30


@pytest.mark.django_db(transaction=True)
def test_the_mcp_tool_refuses_the_same_calls_with_the_same_messages(used):
    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()

    async def scenario():
        with acting_as(FIONA):
            async with Client(get_mcp()) as client:
                tool = next(t for t in (await client.list_tools()).tools if t.name == "generate_invoices")
                empty = await client.call_tool("generate_invoices", {})
                future = await client.call_tool("generate_invoices", {"accountId": "acc_987", "asOf": tomorrow})
                return tool, empty, future

    tool, empty, future = anyio.run(scenario)
    assert "all" in tool.input_schema["properties"] and "never a future one" in tool.description
    assert empty.is_error and "all=true" in empty.content[0].text
    assert future.is_error and "asOf: cannot be in the future" in future.content[0].text
    assert open_cycles() == 1


def test_the_close_cycles_command_refuses_a_future_as_of_in_one_line(used):
    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="asOf: cannot be in the future"):
        call_command("close_cycles", "--as-of", tomorrow, stdout=io.StringIO())
    assert open_cycles() == 1
