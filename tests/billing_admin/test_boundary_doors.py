"""Every write, through every door that offers it, on both backends, leaves exactly one audit row
naming its door and its actor: the boundary writes it, whichever backend ran the write.

The REST API (Django test client, bearer token) and the MCP tools (the SDK client on the server, as an
external agent or the chat sees them) are run for every write operation; the pages, the chat's approved
run, the tool console and `close_cycles` for one write each (their path into the service is the same
`service.call`). Hosted Togai has no cycle closing and the fake offers no credit voiding: those two are
engine-only here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import pytest
from django.core.management import call_command
from django.urls import reverse
from mcp import Client

from billing_admin.actors import Actor
from billing_admin.engine.models import AuditLog, IdempotencyRecord
from billing_admin.engine.tokens import token_create
from billing_admin.operations import OPERATIONS
from billing_admin.service import call
from mcp_bridge.server import acting_as, get_mcp
from tests.billing_admin.api.conftest import plan_body
from tests.billing_admin.engine.money_helpers import usage_card, use

pytestmark = pytest.mark.django_db(transaction=True)

SETUP = Actor.cli("setup")
AGENT = Actor(kind="token", name="token agent", door="mcp")
WRITES = [op.name for op in OPERATIONS if op.is_write]
ENGINE_ONLY = {"generate_invoices", "void_credit"}


@dataclass
class World:
    backend: str
    invoice_id: str
    credit_id: str
    meter_id: str
    togai: Any = None  # the fake Togai, on that backend


def _event(event_id: str) -> dict[str, Any]:
    when = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    when = max(when, datetime.now(UTC) - timedelta(minutes=1))  # a minute ago, inside the open cycle
    return {"id": event_id, "schemaName": "api_requests", "timestamp": when.isoformat(), "accountId": "acc_987",
            "attributes": [{"name": "units", "value": "5"}]}  # fmt: skip


def _meter(name: str) -> dict[str, Any]:
    return {"name": name, "aggregation": "SUM", "eventSchemaName": name,
            "computations": [{"matcher": "true", "computation": '{"var":"attribute.units"}', "order": 1}]}  # fmt: skip


def _schema_plan(meter_id: str, name: str = "Door plan") -> dict[str, Any]:
    return {"name": name, "supportedCurrencies": ["USD"], "rateCards": [usage_card(meter_id)],
            "pricingCycleConfig": {"interval": "MONTHLY", "startOffset": {"dayOffset": "1", "monthOffset": "NIL"},
                                   "gracePeriod": 0}}  # fmt: skip


def _wire_plan(meter_id: str) -> dict[str, Any]:
    body = plan_body(meter_id, name="Door plan")
    return body | {"rateCards": body["rateCards"][:1]}  # the usage card alone


def _build(backend: str, togai: Any) -> World:
    call("create_customer", {"id": "cust_123", "name": "Acme Corp", "primaryEmail": "ap@acme.example",
                             "account": {"id": "acc_987", "name": "Acme", "invoiceCurrency": "USD"}},
         actor=SETUP)  # fmt: skip
    meter_id = call("create_usage_meter", _meter("api_requests"), actor=SETUP).id
    credit_id = call("grant_credit", {"accountId": "acc_987", "creditAmount": "10", "purpose": "Promo"},
                     actor=SETUP).credit.id  # fmt: skip
    if backend == "togai":
        invoice_id = togai.add_invoice(ownerId="acc_987", customerId="cust_123")["id"]
    else:
        plan_id = call("create_price_plan", _schema_plan(meter_id, "Setup plan"), actor=SETUP).id
        since = "2026-01-01T00:00:00Z"
        call("update_account", {"accountId": "acc_987", "pricePlanId": plan_id, "effectiveFrom": since}, actor=SETUP)
        use(SETUP, "acc_987", 1000, datetime(2026, 1, 10, tzinfo=UTC), event_id="jan")  # as it arrived then
        call("generate_invoices", {"accountId": "acc_987", "asOf": "2026-02-01T00:00:00Z"}, actor=SETUP)
        invoice_id = call("list_invoices", {"accountId": "acc_987", "status": "DUE"}, actor=SETUP).data[0].id
    return World(backend, invoice_id, credit_id, meter_id, togai)


# operation -> (tool arguments, REST method, REST path, REST body), from the world the setup built
CASES: dict[str, Callable[[World], tuple[dict[str, Any], str, str, dict[str, Any]]]] = {
    "create_customer": lambda w: (
        new := {"id": "cust_new", "name": "New Co", "primaryEmail": "ap@new.example"}, "post", "customers", new),
    "update_customer": lambda w: (
        {"customerId": "cust_123", "name": "Acme Renamed"}, "patch", "customers/cust_123", {"name": "Acme Renamed"}),
    "create_account": lambda w: (
        new := {"id": "acc_new", "customerId": "cust_123", "name": "Second", "invoiceCurrency": "USD"},
        "post", "accounts", new),
    "update_account": lambda w: (
        {"accountId": "acc_987", "name": "Acme Two"}, "patch", "accounts/acc_987", {"name": "Acme Two"}),
    "create_usage_meter": lambda w: (new := _meter("storage"), "post", "usage_meters", new),
    "create_price_plan": lambda w: (_schema_plan(w.meter_id), "post", "v2/price_plans", _wire_plan(w.meter_id)),
    "ingest_event": lambda w: ({"event": _event("e-1")}, "post", "ingest", {"event": _event("e-1")}),
    "ingest_batch_events": lambda w: (
        new := {"events": [_event("b-1"), _event("b-2")]}, "post", "ingestBatch", new),
    "update_invoice_status": lambda w: (
        {"invoiceId": w.invoice_id, "status": "PAID", "reason": "wire received"},
        "patch", f"invoices/{w.invoice_id}", {"status": "PAID"}),
    "generate_invoices": lambda w: (
        new := {"accountId": "acc_987", "asOf": "2026-03-01T00:00:00Z"}, "post", "invoices/generate", new),
    "top_up_wallet": lambda w: (
        {"accountId": "acc_987", "topupAmount": "25"}, "post", "accounts/acc_987/wallet_topup", {"topupAmount": 25}),
    "grant_credit": lambda w: (
        {"accountId": "acc_987", "creditAmount": "5", "purpose": "Goodwill"}, "post", "credits",
        {"creditRequests": [{"accountId": "acc_987", "creditAmount": 5, "purpose": "Goodwill"}]}),
    "void_credit": lambda w: (
        {"creditId": w.credit_id, "reason": "sent twice"}, "post", f"credits/{w.credit_id}/void", {}),
}  # fmt: skip


@pytest.fixture(params=["engine", "togai"])
def world(request) -> World:
    togai = request.getfixturevalue("togai_backend") if request.param == "togai" else None
    return _build(request.param, togai)


def test_every_write_operation_has_a_case():
    assert set(CASES) == set(WRITES)


def _rows_after(mark: int) -> list[AuditLog]:
    return list(AuditLog.objects.filter(id__gt=mark).order_by("id"))


def _mark() -> int:
    return AuditLog.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _expect_one(rows: list[AuditLog], operation: str, door: str, actor_name: str) -> None:
    assert len(rows) == 1, [(r.action, r.summary) for r in rows]
    (row,) = rows
    assert row.action in {operation, "ingest_events"}
    assert (row.door, row.actor_name) == (door, actor_name)


@pytest.mark.parametrize("operation", WRITES)
def test_a_write_through_the_rest_api_is_audited_once(operation, world, client):
    if world.backend == "togai" and operation in ENGINE_ONLY:
        pytest.skip("hosted Togai (or its fake) does not offer this write")
    token = token_create(name="backend", scope="write", actor=SETUP)
    _args, method, path, body = CASES[operation](world)
    mark = _mark()
    response = getattr(client, method)(
        f"/api/{path}", body, content_type="application/json", headers={"Authorization": f"Bearer {token.raw}"}
    )
    assert response.status_code < 300, response.content
    _expect_one(_rows_after(mark), operation, "api", "token backend")


@pytest.mark.parametrize("operation", WRITES)
def test_a_write_through_an_mcp_tool_is_audited_once(operation, world):
    if world.backend == "togai" and operation in ENGINE_ONLY:
        pytest.skip("hosted Togai (or its fake) does not offer this write")
    args, *_ = CASES[operation](world)

    async def scenario():
        with acting_as(AGENT):
            async with Client(get_mcp()) as client:
                return await client.call_tool(operation, args)

    mark = _mark()
    result = anyio.run(scenario)
    assert not result.is_error, result.content
    _expect_one(_rows_after(mark), operation, "mcp", "token agent")


def test_a_repeated_keyed_write_is_answered_without_a_second_row_or_a_second_call(world):
    args = {"accountId": "acc_987", "topupAmount": "25", "idempotencyKey": "wire-9"}
    mark = _mark()
    first, again = (call("top_up_wallet", args, actor=AGENT) for _ in range(2))
    assert first == again
    _expect_one(_rows_after(mark), "top_up_wallet", "mcp", "token agent")
    assert IdempotencyRecord.objects.filter(key="wire-9").count() == 1
    if world.togai is not None:
        assert len(world.togai.calls("POST", "/accounts/acc_987/wallet_topup")) == 1


def test_a_togai_write_row_names_the_remote_ids(togai_backend):
    _build("togai", togai_backend)
    mark = _mark()
    created = call("create_customer", {"id": "cust_r", "name": "Remote Co", "primaryEmail": "r@remote.example"},
                   actor=AGENT)  # fmt: skip
    [row] = _rows_after(mark)
    assert row.object_id == "cust_r" and row.changes["result"]["togaiCustomerId"] == created.togaiCustomerId
    assert row.changes["arguments"]["name"] == "Remote Co"


def test_a_write_from_a_page_is_audited_once_as_the_person(world, admin_client, admin_user):
    mark = _mark()
    response = admin_client.post(
        reverse("dashboard:customer-create"), {"id": "cust_page", "name": "Page Co", "primaryEmail": "p@page.example"}
    )
    assert response.status_code in (200, 302)
    _expect_one(_rows_after(mark), "create_customer", "page", admin_user.get_username())


def test_close_cycles_is_audited_as_the_command():
    world = _build("engine", None)
    assert world.invoice_id
    mark = _mark()
    call_command("close_cycles", "--as-of", "2026-03-01T00:00:00Z")
    _expect_one(_rows_after(mark), "generate_invoices", "cli", "manage.py close_cycles")


@pytest.fixture
def fiona():
    from django.contrib.auth.models import Group, User

    from dashboard.access import FINANCE_ADMINS

    user = User.objects.create_user("fiona")
    user.groups.add(Group.objects.get_or_create(name=FINANCE_ADMINS)[0])
    return user


def test_a_chat_write_a_person_approved_is_audited_once_as_the_agent(world, fiona):
    from mcp_bridge.agent import ToolCall, run_approved

    mark = _mark()
    approved = ToolCall(id="t-1", name="update_customer", arguments={"customerId": "cust_123", "name": "Chat Co"},
                        kind="write")  # fmt: skip
    outcome = anyio.run(run_approved, Actor.agent_for(fiona), approved)
    assert not outcome.is_error
    _expect_one(_rows_after(mark), "update_customer", "chat", "chat agent for fiona")


def test_a_console_write_is_audited_once_as_the_person(world, fiona, client):
    client.force_login(fiona)
    url = reverse("dashboard:chat:console-tool", args=["update_account"])
    review = client.post(url, {"accountId": "acc_987", "name": "Console Co"})
    mark = _mark()
    done = client.post(url, {"approval": review.context["approval"]})
    assert "Done." in done.content.decode()
    _expect_one(_rows_after(mark), "update_account", "chat", "fiona")  # the console sits in the chat panel
