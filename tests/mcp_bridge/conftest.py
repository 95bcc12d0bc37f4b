"""Real MCP clients against real transports: the app served by uvicorn on a free port (one server for
the session, in a thread of the test process) and `manage.py mcp_stdio` as a subprocess.

Tests here use `transactional_db`: the server's worker threads and the subprocess only see
committed rows.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2
import pytest
from django.db import connection
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from billing_admin.actors import Actor
from billing_admin.engine.tokens import IssuedToken, token_create, token_revoke

PROJECT_DIR = Path(__file__).resolve().parents[2]


# -- the HTTP server ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mcp_base_url(django_db_setup: None) -> Iterator[str]:
    """The project's ASGI app under uvicorn (lifespan on, so the MCP session manager runs)."""
    import uvicorn

    from billing_admin.asgi import application

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(application, lifespan="on", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def mcp_url(mcp_base_url: str, transactional_db: None) -> str:
    return f"{mcp_base_url}/mcp"


@asynccontextmanager
async def http_session(url: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


@pytest.fixture
def connect_http(mcp_url: str) -> Callable[..., Any]:
    return lambda token: http_session(mcp_url, token)


@pytest.fixture
def connect_url() -> Callable[..., Any]:
    """`connect_url(url, token)`: an SDK client session against any MCP URL (e.g. another server)."""
    return http_session


# -- tokens -------------------------------------------------------------------------------------


@pytest.fixture
def admin() -> Actor:
    return Actor.cli("create_api_token")


@pytest.fixture
def write_token(transactional_db: None, admin: Actor) -> IssuedToken:
    return token_create(name="agent-write", scope="write", actor=admin)


@pytest.fixture
def read_token(transactional_db: None, admin: Actor) -> IssuedToken:
    return token_create(name="agent-read", scope="read", actor=admin)


@pytest.fixture
def revoked_token(transactional_db: None, admin: Actor) -> IssuedToken:
    issued = token_create(name="agent-old", scope="write", actor=admin)
    token_revoke(name="agent-old", actor=admin)
    return issued


# -- stdio --------------------------------------------------------------------------------------


@pytest.fixture
def subprocess_database_url(transactional_db: None, tmp_path: Path) -> Callable[[], str]:
    """A DATABASE_URL for a child process that sees this test's committed rows.

    PostgreSQL: the test database itself. SQLite: the in-memory test database is copied to a file
    when called (so create what the child needs first), or its file is used when it has one.
    """

    def url() -> str:
        settings = connection.settings_dict
        if connection.vendor == "postgresql":
            auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
            return f"postgres://{auth}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
        if not connection.is_in_memory_db():
            return f"sqlite:///{Path(settings['NAME']).resolve()}"
        path = tmp_path / "stdio.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return f"sqlite:///{path}"

    return url


def stdio_parameters(database_url: str, *args: str) -> StdioServerParameters:
    env = {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "billing_admin.settings",
        "PYTHONPATH": str(PROJECT_DIR),
        "SECRET_KEY": os.environ["SECRET_KEY"],  # set for the test run (pyproject's pytest_env)
    }
    return StdioServerParameters(
        command=sys.executable, args=["manage.py", "mcp_stdio", *args], cwd=str(PROJECT_DIR), env=env
    )


@pytest.fixture
def stdio_server(subprocess_database_url: Callable[[], str]) -> Callable[..., StdioServerParameters]:
    """`manage.py mcp_stdio <args>` for `Client(...)`; call it outside the event loop (it may copy the DB)."""
    return lambda *args: stdio_parameters(subprocess_database_url(), *args)


# -- the key path, for any connected client ----------------------------------------------------


def cycle_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def text_of(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def leaves(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    elif value is not None and value != "":
        yield ("true" if value else "false") if isinstance(value, bool) else str(value)


def assert_text_carries_every_fact(result: Any) -> None:
    text = text_of(result)
    missing = [leaf for leaf in leaves(result.structured_content) if leaf not in text]
    assert not missing, f"text rendering lost {missing[:5]}"


async def ok(client: Any, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, f"{tool}: {text_of(result)}"
    if tool.startswith(("get_", "list_", "check_")):
        assert_text_carries_every_fact(result)
    return result.structured_content


async def run_key_path(client: Any, suffix: str = "") -> dict[str, Any]:
    """create_customer -> create_usage_meter -> create_price_plan -> assign -> ingest_batch_events ->
    list_invoices(DRAFT) -> grant_credit -> get_wallet_balance -> check_entitlement.

    6,000 units on a TIERED 0.10 / 0.08 / 0.05 card with breaks at 1,000 and 5,000 cost 470.00
    (togai-api.md §20.1).
    """
    now = datetime.now(UTC)
    account_id = f"acc_initech{suffix}"
    await ok(
        client,
        "create_customer",
        {
            "id": f"cust_initech{suffix}",
            "name": "Initech LLC",
            "primaryEmail": "ap@initech.example",
            "account": {"id": account_id, "name": "Initech Production", "invoiceCurrency": "USD"},
        },
    )
    meter = await ok(
        client,
        "create_usage_meter",
        {
            "name": f"api_calls{suffix}",
            "aggregation": "SUM",
            "eventSchemaName": f"api_call{suffix}",
            "computations": [{"computation": '{"var":"attribute.units"}'}],
        },
    )
    plan = await ok(
        client,
        "create_price_plan",
        {
            "name": f"Usage Pro{suffix}",
            "supportedCurrencies": ["USD"],
            "pricingCycleConfig": {"interval": "MONTHLY"},
            "rateCards": [
                {
                    "type": "USAGE",
                    "displayName": "API calls",
                    "rateCardDetails": {
                        "usageRateCard": {
                            "usageMeterId": meter["id"],
                            "ratePlan": {
                                "pricingModel": "TIERED",
                                "slabs": [
                                    {"order": 1, "startAfter": "0"},
                                    {"order": 2, "startAfter": "1000"},
                                    {"order": 3, "startAfter": "5000"},
                                ],
                            },
                            "rateValues": [
                                {
                                    "currency": "USD",
                                    "slabRates": [
                                        {"order": 1, "rate": "0.10"},
                                        {"order": 2, "rate": "0.08"},
                                        {"order": 3, "rate": "0.05"},
                                    ],
                                }
                            ],
                        }
                    },
                },
                {
                    "type": "BILLING_ENTITLEMENT",
                    "displayName": "AI queries",
                    "rateCardDetails": {
                        "billingEntitlementRateCard": {
                            "featureId": "ai_queries",
                            "featureConfigs": [{"featureCreditLimit": "100"}],
                        }
                    },
                },
            ],
        },
    )
    await ok(
        client,
        "update_account",
        {"accountId": account_id, "pricePlanId": plan["id"], "effectiveFrom": cycle_start(now).isoformat()},
    )
    at = (now - timedelta(seconds=5)).isoformat()
    batch = await ok(
        client,
        "ingest_batch_events",
        {
            "events": [
                {
                    "id": f"evt-{suffix}-{n}",
                    "schemaName": f"api_call{suffix}",
                    "timestamp": at,
                    "accountId": account_id,
                    "attributes": [{"name": "units", "value": "2000"}],
                }
                for n in range(3)
            ]
        },
    )
    assert batch["accepted"] == 3 and batch["failed"] == []
    invoices = await ok(client, "list_invoices", {"accountId": account_id, "status": "DRAFT"})
    assert len(invoices["data"]) == 1
    assert Decimal(invoices["data"][0]["totalAmount"]) == Decimal("470")
    assert invoices["data"][0]["currency"] == "USD"
    granted = await ok(
        client,
        "grant_credit",
        {"accountId": account_id, "creditAmount": "50", "purpose": "Launch promo", "idempotencyKey": f"promo{suffix}"},
    )
    assert Decimal(granted["credit"]["creditAmount"]) == Decimal("50")
    balance = await ok(client, "get_wallet_balance", {"accountId": account_id})
    assert balance["currency"] == "USD"
    assert Decimal(balance["availableBalance"]) == Decimal(balance["walletBalance"]) + Decimal(balance["creditBalance"])
    check = await ok(
        client, "check_entitlement", {"accountId": account_id, "featureId": "ai_queries", "quantity": "10"}
    )
    assert check["entitled"] is True
    assert Decimal(check["granted"]) == Decimal("100")
    return {"account_id": account_id, "plan": plan, "meter": meter}


@pytest.fixture
def key_path() -> Callable[..., Any]:
    return run_key_path


@pytest.fixture(name="text_of")
def text_of_fixture() -> Callable[[Any], str]:
    return text_of


@pytest.fixture(name="assert_text_carries_every_fact")
def assert_text_carries_every_fact_fixture() -> Callable[[Any], None]:
    return assert_text_carries_every_fact


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
