"""The MCP endpoint: the HTTP round trip of check_entitlement and get_wallet_balance through the SDK's
client against `uvicorn billing_admin.asgi:application` (a separate process, one worker), and the size
of each read tool's text result beside the raw JSON of the same data.

The JSON baseline is what a Togai-style REST API sends for the result: the same field names, compact,
nulls left out. Tokens are estimated with a BPE-like rule (words split at camelCase, digits in groups
of three, up to three punctuation marks per token, a newline with its indentation as one), applied
alike to both, so the ratio is what matters. "Nothing lost" checks that every value of the structured
result appears in the text.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.harness import bench_database, p50, percentile

ROUND_TRIPS = max(100, int(500 * float(os.environ.get("BENCH_SCALE", "1"))))
CUSTOMERS = 25
EVENTS = 300
PROJECT_DIR = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r"\n[ \t]*|[ \t]{2,}|[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d{1,3}|_|[^\w\s]{1,3}")


def tokens(text: str) -> int:
    return len(TOKEN.findall(text))


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def raw_json(structured: dict[str, Any]) -> str:
    return json.dumps(_without_nulls(structured), separators=(",", ":"), ensure_ascii=False)


def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    if value is None or value == "":
        return []
    return [("true" if value else "false") if isinstance(value, bool) else str(value)]


def _setup() -> dict[str, str]:
    """A small organisation through the service: customers, a tiered plan with an entitlement, usage,
    credit and a wallet top-up on one account; returns the ids the read tools are called with."""
    from billing_admin import service
    from billing_admin.actors import Actor

    actor = Actor.cli("bench")
    now = datetime.now(UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for n in range(CUSTOMERS):
        service.call("create_customer", {
            "id": f"cust_{n:03}", "name": f"Customer {n} Ltd", "primaryEmail": f"ap{n}@customer{n}.example",
            "address": {"city": "Berlin", "country": "DE"},
            "account": {"id": f"acc_{n:03}", "name": f"Customer {n} Production", "invoiceCurrency": "USD"},
        }, actor=actor)  # fmt: skip
    meter = service.call("create_usage_meter", {
        "name": "api_calls", "aggregation": "SUM", "eventSchemaName": "api_call",
        "computations": [{"computation": '{"var":"attribute.units"}'}],
    }, actor=actor)  # fmt: skip
    plan = service.call("create_price_plan", {
        "name": "Usage Pro", "supportedCurrencies": ["USD"], "pricingCycleConfig": {"interval": "MONTHLY"},
        "rateCards": [
            {"type": "USAGE", "displayName": "API calls", "rateCardDetails": {"usageRateCard": {
                "usageMeterId": meter.id,
                "ratePlan": {"pricingModel": "TIERED", "slabs": [
                    {"order": 1, "startAfter": "0"}, {"order": 2, "startAfter": "1000"},
                    {"order": 3, "startAfter": "5000"}]},
                "rateValues": [{"currency": "USD", "slabRates": [
                    {"order": 1, "rate": "0.10"}, {"order": 2, "rate": "0.08"}, {"order": 3, "rate": "0.05"}]}],
            }}},
            {"type": "FIXED_FEE", "displayName": "Platform fee", "rateCardDetails": {"fixedFeeRateCard": {
                "id": "platform_fee", "rateValues": [{"currency": "USD", "rate": "49.00"}]}}},
            {"type": "BILLING_ENTITLEMENT", "displayName": "AI queries", "rateCardDetails": {
                "billingEntitlementRateCard": {"featureId": "ai_queries", "featureName": "AI queries",
                                               "featureConfigs": [{"featureCreditLimit": "100"}]}}},
        ],
    }, actor=actor)  # fmt: skip
    for n in range(CUSTOMERS):
        service.call("update_account", {"accountId": f"acc_{n:03}", "pricePlanId": plan.id,
                                        "effectiveFrom": start.isoformat()}, actor=actor)  # fmt: skip
    span = max(1, int((now - start).total_seconds()) - 60)
    events = [
        {"id": f"evt_{n}", "schemaName": "api_call", "accountId": f"acc_{n % 5:03}",
         "timestamp": (start + timedelta(seconds=n * span // EVENTS)).isoformat(),
         "attributes": [{"name": "units", "value": str(10 + n % 90)}], "dimensions": {"region": ("eu", "us")[n % 2]}}
        for n in range(EVENTS)
    ]  # fmt: skip
    service.call("ingest_batch_events", {"events": events}, actor=actor)
    service.call("grant_credit", {"accountId": "acc_000", "creditAmount": "50", "purpose": "Launch promo"},
                 actor=actor)  # fmt: skip
    service.call("top_up_wallet", {"accountId": "acc_000", "topupAmount": "200"}, actor=actor)
    invoices = service.call("list_invoices", {"accountId": "acc_000"}, actor=actor)
    return {"plan": plan.id, "invoice": invoices.data[0].id, "start": start.isoformat(), "end": now.isoformat()}


def _read_calls(ids: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {
        "list_customers": {"pageSize": 20},
        "get_customer": {"customerId": "cust_000"},
        "list_accounts": {"pageSize": 20},
        "get_account": {"accountId": "acc_000"},
        "list_usage_meters": {},
        "list_price_plans": {},
        "list_rate_cards": {"pricePlanId": ids["plan"]},
        "list_events": {"accountId": "acc_000", "pageSize": 20},
        "get_metrics": {
            "startTime": ids["start"],
            "endTime": ids["end"],
            "metricQueries": [{"id": "usage", "name": "METER_USAGE", "aggregationPeriod": "DAY"}],
        },
        "list_invoices": {"status": "DRAFT", "pageSize": 20},
        "get_invoice": {"invoiceId": ids["invoice"]},
        "get_wallet_balance": {"accountId": "acc_000"},
        "check_entitlement": {"accountId": "acc_000", "featureId": "ai_queries", "quantity": "1"},
        "get_entitlements": {"accountId": "acc_000"},
    }


def _database_url() -> str:
    from django.db import connection

    settings = connection.settings_dict
    query = f"?conn_max_age={settings['CONN_MAX_AGE']}" if settings.get("CONN_MAX_AGE") else ""
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings['NAME']).resolve()}{query}"
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return f"postgres://{auth}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}{query}"


class _Server:
    """`uvicorn billing_admin.asgi:application` on a free port, as production runs it (lifespan on)."""

    def __enter__(self) -> str:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "billing_admin.settings"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "billing_admin.asgi:application", "--port", str(port),
             "--log-level", "warning", "--no-access-log"],
            cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        import httpx2

        deadline = time.monotonic() + 60
        while True:
            try:
                httpx2.post(f"http://127.0.0.1:{port}/mcp", timeout=2)
                return f"http://127.0.0.1:{port}/mcp"
            except httpx2.TransportError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start") from None
                time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def _measure(url: str, token: str, calls: dict[str, dict[str, Any]]) -> tuple[dict, dict]:
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    latencies: dict[str, list[float]] = {}
    results: dict[str, Any] = {}
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        for name, arguments in calls.items():
            results[name] = await client.call_tool(name, arguments)
        for name in ("check_entitlement", "get_wallet_balance"):
            for _ in range(20):  # warm up: worker threads, database connections
                await client.call_tool(name, calls[name])
            samples = latencies.setdefault(name, [])
            for _ in range(ROUND_TRIPS):
                started = time.perf_counter()
                result = await client.call_tool(name, calls[name])
                samples.append((time.perf_counter() - started) * 1000)
                assert not result.is_error, result.content
    return latencies, results


def run(report: Any) -> None:
    import anyio
    from django.db import connection

    from billing_admin.actors import Actor
    from billing_admin.engine.tokens import token_create
    from billing_admin.operations import OPERATIONS

    with bench_database():
        ids = _setup()
        token = token_create(name="bench", scope="read", actor=Actor.cli("bench")).raw
        calls = _read_calls(ids)
        connection.close()  # the server process owns the database from here on (SQLite: one writer)
        with _Server() as url:
            latencies, results = anyio.run(_measure, url, token, calls)
    conn_max_age = connection.settings_dict.get("CONN_MAX_AGE") or 0
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    kept = f"kept {conn_max_age} s" if conn_max_age else "opened per request (DATABASE_URL ?conn_max_age=60 keeps them)"
    print(f"  (server: 1 uvicorn worker; database connections {kept}; load average {load})")
    for name, samples in latencies.items():
        report.figure(f"MCP HTTP {name} p50", p50(samples), "ms")
        report.figure(f"MCP HTTP {name} p99", percentile(samples, 99), "ms", "target < 20 ms")
    total_text = total_json = 0
    for op in OPERATIONS:
        if op.kind != "read":
            continue
        result = results.get(op.name)
        if result is None:
            report.figure(f"tokens {op.name}", "no sample arguments")
            continue
        if result.is_error:
            report.figure(f"tokens {op.name}", "error: " + result.content[0].text[:60])
            continue
        text = "\n".join(block.text for block in result.content if block.type == "text")
        lost = [leaf for leaf in _leaves(result.structured_content) if leaf not in text]
        as_text, as_json = tokens(text), tokens(raw_json(result.structured_content))
        total_text, total_json = total_text + as_text, total_json + as_json
        saved = 100 * (1 - as_text / as_json) if as_json else 0.0
        report.figure(
            f"tokens {op.name}: text vs JSON",
            f"{as_text} / {as_json}",
            f"{saved:.0f}% fewer",
            "lost: " + (", ".join(lost[:3]) if lost else "nothing"),
        )
    if total_json:
        report.figure("tokens, all read tools: text vs JSON", f"{total_text} / {total_json}",
                      f"{100 * (1 - total_text / total_json):.0f}% fewer", "target >= 40% fewer")  # fmt: skip
