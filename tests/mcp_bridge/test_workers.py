"""/mcp under `uvicorn --workers 2` as a separate process: stateless streamable HTTP, so any worker
answers any request and a write made through one worker is read through another."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import httpx2
import pytest

from billing_admin.engine.tokens import IssuedToken

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def two_workers(write_token: IssuedToken, subprocess_database_url: Callable[[], str]) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": subprocess_database_url(), "DJANGO_SETTINGS_MODULE": "billing_admin.settings"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "billing_admin.asgi:application", "--workers", "2",
         "--port", str(port), "--log-level", "warning"],
        cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx2.post(f"{base}/mcp", timeout=2).status_code == 401:
                    break
            except httpx2.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
        yield f"{base}/mcp"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


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
