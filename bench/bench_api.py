"""HTTP batch ingestion through the REST API: uvicorn with 2 workers serving `POST /api/ingestBatch`
to several concurrent clients, 1000-event batches, beside the service-layer rate on the same data.
Sizes scale with --scale (1 = 200,000 events over HTTP)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.__main__ import Report

import json
import os
import queue
import random
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from django.db import connection, connections

from bench.harness import bench_database, p50, percentile

ACCOUNTS = 200
BATCH = 1000
CLIENTS = 4
WORKERS = 2
ROOT = Path(__file__).resolve().parent.parent


def _setup() -> str:
    from billing_admin import schemas as s
    from billing_admin.actors import Actor
    from billing_admin.engine.backend import EngineService
    from billing_admin.engine.tokens import token_create

    service, actor = EngineService(), Actor.cli("bench")
    service.create_customer(s.CreateCustomerRequest(id="bench", name="Bench Co", primaryEmail="b@bench.example"),
                            actor=actor)  # fmt: skip
    for n in range(ACCOUNTS):
        service.create_account(s.CreateAccountRequest(id=f"acc_{n}", name=f"Account {n}", customerId="bench"),
                               actor=actor)  # fmt: skip
    units = {"computation": '{"var":"attribute.units"}'}
    service.create_usage_meter(
        s.CreateUsageMeterRequest(name="api_requests", aggregation="SUM", eventSchemaName="api_requests",
                                  computations=[units]), actor=actor)  # fmt: skip
    service.create_usage_meter(
        s.CreateUsageMeterRequest(name="eu_calls", aggregation="COUNT", eventSchemaName="api_requests",
                                  filters=[{"field": "dimension.region", "value": "eu"}]), actor=actor)  # fmt: skip
    return token_create(name="bench", scope="write", actor=actor).raw


def _batches(prefix: str, total: int) -> list[list[dict]]:
    rng = random.Random(prefix)
    start = datetime.now(UTC) - timedelta(hours=2)
    return [
        [
            {"id": f"{prefix}{n}", "schemaName": "api_requests", "accountId": f"acc_{rng.randrange(ACCOUNTS)}",
             "timestamp": (start + timedelta(milliseconds=n)).isoformat(),
             "attributes": [{"name": "units", "value": str(rng.randrange(1, 500))}],
             "dimensions": {"region": rng.choice(("eu", "us", "ap"))}}
            for n in range(first, min(first + BATCH, total))
        ]
        for first in range(0, total, BATCH)
    ]  # fmt: skip


def _database_url() -> str:
    """The bench database as a DATABASE_URL for the uvicorn workers."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Server:
    """`uvicorn billing_admin.asgi:application --workers 2` on a free port, on the bench database."""

    def __init__(self, database_url: str) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "false", "BILLING_BACKEND": "engine",
               "DJANGO_SETTINGS_MODULE": "billing_admin.settings"}  # fmt: skip
        command = [sys.executable, "-m", "uvicorn", "billing_admin.asgi:application", "--host", "127.0.0.1",
                   "--port", str(self.port), "--workers", str(WORKERS), "--no-access-log",
                   "--log-level", "warning"]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)
        self.url = f"http://127.0.0.1:{self.port}/api"

    def wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/openapi.json", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("uvicorn did not start in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _send(url: str, token: str, bodies: list[bytes], clients: int) -> tuple[float, list[float]]:
    """Every body POSTed by `clients` concurrent clients; the wall time and each request's latency."""
    work: queue.Queue[bytes] = queue.Queue()
    for body in bodies:
        work.put(body)
    latencies: list[float] = []
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client() -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=120) as http:
            while True:
                try:
                    body = work.get_nowait()
                except queue.Empty:
                    return
                t0 = time.perf_counter()
                response = http.post("/ingestBatch", content=body)
                latencies.append((time.perf_counter() - t0) * 1000)
                if response.status_code != 202 or response.json().get("accepted") != BATCH:
                    failures.append(f"{response.status_code} {response.text[:300]}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} batches were not all accepted, e.g. {failures[0]}")
    return elapsed, latencies


def _service_rate(batches: list[list[dict]]) -> float:
    from billing_admin import schemas as s
    from billing_admin.actors import Actor
    from billing_admin.engine.backend import EngineService

    service, actor = EngineService(), Actor.cli("bench")
    started = time.perf_counter()
    for batch in batches:
        answer = service.ingest_batch_events(s.IngestBatchRequest(events=batch), actor=actor)
        assert answer.accepted == len(batch), answer.failed[:3]
    return sum(map(len, batches)) / (time.perf_counter() - started)


def run(report: Report) -> None:
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    total = max(BATCH * 10, int(200_000 * scale))
    with bench_database():
        token = _setup()
        bodies = [json.dumps({"events": batch}).encode() for batch in _batches("h", total)]
        warm = [json.dumps({"events": batch}).encode() for batch in _batches("w", BATCH * WORKERS * 2)]
        connections.close_all()
        server = Server(_database_url())
        try:
            server.wait()
            _send(server.url, token, warm, CLIENTS)  # each worker's first requests load code and connect
            elapsed, latencies = _send(server.url, token, bodies, CLIENTS)
        finally:
            server.stop()
        rate = total / elapsed
        report.figure(f"HTTP batch ingestion ({total:,} events, {BATCH}/batch, {CLIENTS} clients, {WORKERS} workers)",
                      rate, "events/s", "target >= 50,000 on PostgreSQL")  # fmt: skip
        report.figure("  ingestBatch latency p50", p50(latencies), "ms")
        report.figure("  ingestBatch latency p99", percentile(latencies, 99), "ms")
        service = _service_rate(_batches("s", min(total, 50_000)))
        report.figure("service-layer batch ingestion, same database, in process", service, "events/s")
        report.figure("HTTP (2 workers) / service layer (1 process)", rate / service, "x")
