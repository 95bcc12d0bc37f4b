"""Page latency of the finance dashboard (p50 / p95) for the invoice list, an account's page and the
overview, beside Django admin's changelist for the invoice model, on the same data in the same run.

Data (scale 1): 10,000 customers, 100,000 accounts on one monthly plan, each with nine past invoices
(DUE, PAID, VOID, uncollectible) and the open cycle's live DRAFT with its usage: 1,000,000 invoices.
It is bulk-inserted (the shapes the engine writes, not through the service: building a million
invoices by closing cycles one by one is the engine's own benchmark, not this one). Pages are fetched
in process with Django's test client as a logged-in finance admin, so the figures are server time:
URL routing, middleware, the service and selector calls, the queries and the template.

Target: invoice list p95 < 150 ms and at most 0.5x the admin changelist's p95.
"""

from __future__ import annotations

import html
import os
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice

from bench.harness import bench_database, p50, percentile

CUSTOMERS, ACCOUNTS_PER_CUSTOMER, PAST_MONTHS = 10_000, 10, 9
SAMPLES, WARMUP = 60, 5
CHUNK = 5_000


def _chunks(rows: Iterable, size: int = CHUNK) -> Iterator[list]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def _months(now: datetime) -> list[datetime]:
    """Month starts from PAST_MONTHS ago up to and including this month's."""
    this = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = [this]
    for _ in range(PAST_MONTHS):
        starts.insert(0, (starts[0] - timedelta(days=1)).replace(day=1))
    return starts


def _status(months_ago: int, rng: random.Random) -> str:
    roll = rng.random()
    if months_ago == 1:
        return "DUE" if roll < 0.7 else "PAID"
    if months_ago == 2:
        return "DUE" if roll < 0.15 else "PAID"
    return "PAID" if roll < 0.95 else ("VOID" if roll < 0.98 else "UN_COLLECTIBLE")


def build(scale: float) -> dict:
    """Insert the organisation; returns what the requests need."""
    from billing_admin import schemas as s
    from billing_admin.actors import Actor
    from billing_admin.engine.backend import EngineService
    from billing_admin.engine.models import (
        Account,
        BillingCycle,
        Customer,
        CycleUsage,
        Invoice,
        PlanAssignment,
        PricePlan,
        UsageMeter,
    )

    service, actor = EngineService(), Actor.cli("bench")
    meter_id = service.create_usage_meter(
        s.CreateUsageMeterRequest(name="api_requests", aggregation="SUM", eventSchemaName="api_requests",
                                  computations=[{"computation": '{"var":"attribute.units"}'}]), actor=actor,
    ).id  # fmt: skip
    slabs = [{"order": 1, "startAfter": "0"}, {"order": 2, "startAfter": "100000"}]
    rates = [{"order": 1, "rate": "0.002"}, {"order": 2, "rate": "0.001"}]
    card = {
        "usageMeterId": meter_id,
        "ratePlan": {"pricingModel": "TIERED", "slabs": slabs},
        "rateValues": [{"currency": "USD", "slabRates": rates}],
    }
    plan_id = service.create_price_plan(
        s.CreatePricePlanRequest(name="Bench plan", supportedCurrencies=["USD"],
                                 pricingCycleConfig={"interval": "MONTHLY"},
                                 rateCards=[{"type": "USAGE", "rateCardDetails": {"usageRateCard": card}}]),
        actor=actor,
    ).id  # fmt: skip
    plan = PricePlan.objects.get(plan_id=plan_id)
    meter = UsageMeter.objects.get(meter_id=meter_id)

    customers = max(1, int(CUSTOMERS * scale))
    for chunk in _chunks(
        Customer(customer_id=f"cust_b{c}", togai_id=f"customer.b{c}", name=f"Customer {c:06}",
                 primary_email=f"ap{c}@bench.example") for c in range(customers)
    ):  # fmt: skip
        Customer.objects.bulk_create(chunk)
    customer_pks = dict(Customer.objects.values_list("customer_id", "pk"))
    for chunk in _chunks(
        Account(account_id=f"acc_b{c}_{a}", togai_id=f"account.b{c}.{a}", customer_id=customer_pks[f"cust_b{c}"],
                name=f"Account {c:06}-{a}", invoice_currency="USD") for c in range(customers)
        for a in range(ACCOUNTS_PER_CUSTOMER)
    ):  # fmt: skip
        Account.objects.bulk_create(chunk)
    accounts = list(Account.objects.values_list("pk", "customer_id", "account_id").order_by("pk"))

    now = datetime.now(UTC)
    months = _months(now)
    this, following = months[-1], (months[-1] + timedelta(days=32)).replace(day=1)
    for chunk in _chunks(
        PlanAssignment(schedule_id=f"sched.b{pk}", account_id=pk, plan=plan, effective_from=months[0])
        for pk, _, _ in accounts
    ):  # fmt: skip
        PlanAssignment.objects.bulk_create(chunk)
    assignment = dict(PlanAssignment.objects.values_list("account_id", "pk"))
    for chunk in _chunks(
        BillingCycle(account_id=pk, assignment_id=assignment[pk], start=this, end=following, grace_ends=following,
                     currency="USD") for pk, _, _ in accounts
    ):  # fmt: skip
        BillingCycle.objects.bulk_create(chunk)
    cycles = dict(BillingCycle.objects.values_list("account_id", "pk"))
    rng = random.Random(11)
    for chunk in _chunks(
        CycleUsage(cycle_id=cycles[pk], meter=meter, quantity_micros=rng.randrange(1, 400_000) * 1_000_000,
                   events=rng.randrange(1, 5000)) for pk, _, _ in accounts
    ):  # fmt: skip
        CycleUsage.objects.bulk_create(chunk)

    def invoices() -> Iterator[Invoice]:
        tree = {"description": "Invoice total", "type": "TOTAL_AMOUNT", "value": "0", "lineItems": []}
        for pk, customer_pk, _ in accounts:
            for index, start in enumerate(months):
                end = (start + timedelta(days=32)).replace(day=1)
                months_ago = len(months) - 1 - index
                status = "DRAFT" if months_ago == 0 else _status(months_ago, rng)
                total = 0 if status == "DRAFT" else rng.randrange(1_000, 500_000)
                yield Invoice(
                    invoice_id=f"inv.b{pk}.{index}", account_id=pk, customer_id=customer_pk,
                    cycle_id=cycles[pk] if status == "DRAFT" else None, price_plan=plan, status=status,
                    currency="USD", start_date=start, end_date=end, invoice_date=end,
                    due_date=None if status == "DRAFT" else end + timedelta(days=30), total_minor=total,
                    paid_minor=total if status == "PAID" else 0, line_items={} if status == "DRAFT" else tree,
                    finalized_at=None if status == "DRAFT" else end,
                )  # fmt: skip

    for chunk in _chunks(invoices()):
        Invoice.objects.bulk_create(chunk)
    _analyze()
    sample = [account_id for _, _, account_id in rng.sample(accounts, min(len(accounts), SAMPLES))]
    return {"accounts": sample, "invoices": len(accounts) * len(months), "count": len(accounts), "months": months}


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    boss = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench-password-2026")
    client = Client(HTTP_HOST="localhost")
    client.force_login(boss)
    return client


def _timed(client, urls: Callable[[int], str], *, samples: int = SAMPLES) -> list[float]:
    """Milliseconds per request, after a warm-up; every response must be a 200."""
    times = []
    for n in range(-WARMUP, samples):
        url = urls(n)
        started = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        if n >= 0:
            times.append(elapsed)
    return times


def _report(report, label: str, times: list[float], target: str = "") -> float:
    report.figure(f"{label} p50", p50(times), "ms")
    p95 = percentile(times, 95)
    report.figure(f"{label} p95", p95, "ms", target)
    return p95


def run(report) -> None:
    from django.conf import settings

    # Pages link their CSS through {% static %}; the manifest needs collectstatic, plain storage does not.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    with bench_database():
        started = time.perf_counter()
        data = build(scale)
        report.figure(f"data: {data['count']:,} accounts, {data['invoices']:,} invoices", "", "",
                      f"built in {time.perf_counter() - started:.0f} s")  # fmt: skip
        client = _client()
        deep = "/invoices/?status=PAID"
        for _ in range(20):  # follow "Next" 20 pages deep: page N should cost what page 1 costs
            deep = _next_page(client.get(deep).content.decode())

        invoice_list = _timed(client, lambda n: "/invoices/")
        p95 = _report(report, "invoice list, newest first (page 1)", invoice_list, "target < 150")
        _report(report, "invoice list, status=DUE", _timed(client, lambda n: "/invoices/?status=DUE"))
        month = data["months"][-4]  # invoices dated in one month, three months back
        dates = f"start={month:%Y-%m-%d}&end={(month + timedelta(days=27)):%Y-%m-%d}"
        _report(report, "invoice list, status=PAID + one month's dates", _timed(
            client, lambda n: f"/invoices/?status=PAID&{dates}"))  # fmt: skip
        _report(report, "invoice list, 20 pages deep (keyset cursor)", _timed(client, lambda n: deep))
        _report(report, "invoice list, htmx fragment", _timed_htmx(client, "/invoices/?status=DUE"))
        _report(report, "invoice list, largest total first", _timed(client, lambda n: "/invoices/?sort=-total",
                                                                      samples=20))  # fmt: skip
        admin = _timed(client, lambda n: "/admin/engine/invoice/")
        admin_p95 = _report(report, "Django admin changelist (invoice)", admin)
        admin_due = _timed(client, lambda n: "/admin/engine/invoice/?status__exact=DUE")
        _report(report, "Django admin changelist, status=DUE", admin_due)
        report.figure("invoice list p95 / admin changelist p95", p95 / admin_p95, "x", "target <= 0.5")

        accounts = data["accounts"]
        _report(report, "account detail", _timed(client, lambda n: f"/accounts/{accounts[n % len(accounts)]}/"))
        _report(report, "overview", _timed(client, lambda n: "/", samples=30))
        report.figure("database", settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1], "")


def _next_page(page: str) -> str:
    """The address of the list's "Next" link."""
    found = re.search(r'<a rel="next" href="([^"]+)"', page)
    assert found, "no next page"
    return "/invoices/" + html.unescape(found.group(1))


def _timed_htmx(client, url: str) -> list[float]:
    times = []
    for n in range(-WARMUP, SAMPLES):
        started = time.perf_counter()
        response = client.get(url, headers={"HX-Request": "true"})
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200 and b"<html" not in response.content
        if n >= 0:
            times.append(elapsed)
    return times
