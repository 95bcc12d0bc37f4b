"""Database connections under load: the real ASGI app in its own uvicorn process, with the default
settings (only the database URL, a key and plain HTTP given), holds PostgreSQL connections within
its pool however many requests are in flight, and every request succeeds.

Each request under ASGI runs in a thread of its own; a connection kept per thread used to be left
behind when the thread ended, until PostgreSQL refused new clients ("too many clients").
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import httpx2
import psycopg
import pytest
from django.db import connection
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.engine.tokens import token_create
from tests.uvicorn_process import uvicorn_process

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SERVER_NAME = "billing-load-test"  # the server's application_name, to count exactly its sessions
DEFAULT_POOL_MAX = 10  # DB_POOL_MAX_SIZE's default in settings
REQUESTS, CONCURRENCY = 400, 50
MCP_CLIENTS, CALLS_PER_CLIENT = 5, 10


@dataclass
class Peak:
    connections: int = 0
    samples: list[int] = field(default_factory=list)


def _dsn(**extra: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    query = "&".join(f"{k}={v}" for k, v in extra.items())
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}" + (
        f"?{query}" if query else ""
    )


@pytest.fixture
def server(customer: s.CreateCustomerResponse) -> Iterator[str]:
    """`uvicorn billing_admin.asgi:application`, one worker, on the test database."""
    if connection.vendor != "postgresql":
        pytest.skip("connection pooling is PostgreSQL's")
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": _dsn(application_name=SERVER_NAME),
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback
        "ENV_FILE": "",  # the defaults, not a developer's .env
    }
    with uvicorn_process(env, ready=_serves_openapi) as base:
        yield base


def _serves_openapi(base: str) -> bool:
    try:
        return httpx.get(f"{base}/api/openapi.json", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def token() -> str:
    return token_create(name="load-test", scope="read", actor=Actor.cli("create_api_token")).raw


def _watch_connections(stop: threading.Event, peak: Peak) -> None:
    """Samples the server's sessions in pg_stat_activity until `stop`."""
    with psycopg.connect(_dsn(), autocommit=True) as watcher:
        while not stop.is_set():
            (count,) = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
                [SERVER_NAME],
            ).fetchone()
            peak.samples.append(count)
            peak.connections = max(peak.connections, count)
            time.sleep(0.01)


async def _rest_load(base: str, token: str) -> list[str]:
    problems: list[str] = []
    gate = asyncio.Semaphore(CONCURRENCY)
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, limits=limits) as http:

        async def one() -> None:
            async with gate:
                try:
                    response = await http.get("/api/customers/cust_123", timeout=60)
                except httpx.HTTPError as exc:
                    problems.append(repr(exc))
                    return
                if response.status_code != 200 or response.json().get("id") != "cust_123":
                    problems.append(f"{response.status_code} {response.text[:200]}")

        await asyncio.gather(*(one() for _ in range(REQUESTS)))
    return problems


async def _mcp_load(base: str, token: str) -> list[str]:
    problems: list[str] = []

    async def client() -> None:
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http,
            Client(streamable_http_client(f"{base}/mcp", http_client=http)) as mcp,
        ):
            for _ in range(CALLS_PER_CLIENT):
                result = await mcp.call_tool("get_customer", {"customerId": "cust_123"})
                if result.is_error:
                    problems.append(result.content[0].text)

    outcomes = await asyncio.gather(*(client() for _ in range(MCP_CLIENTS)), return_exceptions=True)
    problems.extend(repr(o) for o in outcomes if isinstance(o, BaseException))
    return problems


def test_400_requests_at_concurrency_50_and_mcp_calls_all_succeed_within_the_pool(server, token):
    peak, stop = Peak(), threading.Event()
    watcher = threading.Thread(target=_watch_connections, args=(stop, peak), daemon=True)
    watcher.start()
    started = time.monotonic()

    async def load() -> tuple[list[str], list[str]]:
        return await asyncio.gather(_rest_load(server, token), _mcp_load(server, token))

    try:
        rest_problems, mcp_problems = asyncio.run(load())
    finally:
        stop.set()
        watcher.join(timeout=5)
    elapsed = time.monotonic() - started
    print(
        f"\n{REQUESTS} GET /api/customers at concurrency {CONCURRENCY} + {MCP_CLIENTS * CALLS_PER_CLIENT} MCP calls "
        f"in {elapsed:.1f}s: {len(rest_problems)} REST errors, {len(mcp_problems)} MCP errors, "
        f"at most {peak.connections} server connections ({len(peak.samples)} samples)"
    )
    assert rest_problems == [], rest_problems[:5]
    assert mcp_problems == [], mcp_problems[:5]
    assert peak.samples, "pg_stat_activity was never sampled"
    assert 1 <= peak.connections <= DEFAULT_POOL_MAX + 1
