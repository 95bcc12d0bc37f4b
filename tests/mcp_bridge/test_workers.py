"""/mcp under `uvicorn --workers 2` as a separate process: stateless streamable HTTP, so any worker
answers any request and a write made through one worker is read through another."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator

import anyio
import httpx2
import pytest

from billing_admin.engine.tokens import IssuedToken
from tests.uvicorn_process import uvicorn_process

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_workers(write_token: IssuedToken, subprocess_database_url: Callable[[], str]) -> Iterator[str]:
    env = {**os.environ, "DATABASE_URL": subprocess_database_url(), "DJANGO_SETTINGS_MODULE": "billing_admin.settings"}
    with uvicorn_process(
        env, ready=_asks_for_a_token, args=("--workers", "2"), stop=signal.SIGINT, stop_timeout=20
    ) as base:
        yield f"{base}/mcp"


def _asks_for_a_token(base: str) -> bool:
    try:
        return httpx2.post(f"{base}/mcp", timeout=2).status_code == 401
    except httpx2.TransportError:
        return False


def test_every_request_is_served_whichever_worker_takes_it(two_workers, write_token, connect_url, text_of):
    async def one_call(n: int):
        # A new connection for each call, so the kernel spreads them over both workers.
        async with connect_url(two_workers, write_token.raw) as client:
            return await client.call_tool(
                "create_customer", {"id": f"cust_{n}", "name": f"Customer {n}", "primaryEmail": f"ap{n}@x.example"}
            )

    async def listed():
        async with connect_url(two_workers, write_token.raw) as client:
            return await client.call_tool("list_customers", {"pageSize": 200})

    async def scenario():
        created = [await one_call(n) for n in range(12)]
        return created, await listed()

    created, page = anyio.run(scenario)
    assert not any(result.is_error for result in created), [text_of(r) for r in created if r.is_error]
    assert sorted(c["id"] for c in page.structured_content["data"]) == sorted(f"cust_{n}" for n in range(12))
