"""Money: closing billing cycles for many accounts (accounts/s), and check_entitlement /
get_wallet_balance latency with a cycle's worth of events behind them.

Sizes scale with --scale (1 = 10,000 accounts closed and 1M events in the cycle); BENCH_MONEY_ACCOUNTS
and BENCH_MONEY_EVENTS override each. Setup writes account, assignment and counter rows in bulk, as the
service would leave them; the events go through the real ingestion path in 1,000-event batches, and
every measured call is the real service call.
"""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime, timedelta

from bench.harness import bench_database, p50, percentile

CLOSE_START = datetime(2026, 1, 1, tzinfo=UTC)
CLOSE_END = datetime(2026, 2, 1, tzinfo=UTC)
READ_ACCOUNTS = 100
SAMPLES = 2000


def _sizes() -> tuple[int, int]:
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    accounts = int(os.environ.get("BENCH_MONEY_ACCOUNTS") or max(10, 10_000 * scale))
    events = int(os.environ.get("BENCH_MONEY_EVENTS") or max(1000, 1_000_000 * scale))
    return accounts, events


def _service():
    from billing_admin.actors import Actor
    from billing_admin.service import call

    actor = Actor.cli("bench")
    call("create_customer", {"id": "bench", "name": "Bench Co", "primaryEmail": "b@bench.example"}, actor=actor)
    meter = {"name": "api_requests", "aggregation": "SUM", "eventSchemaName": "api_requests",
             "computations": [{"computation": '{"var":"attribute.units"}'}]}  # fmt: skip
    call("create_usage_meter", meter, actor=actor)
    return call, actor


def _plan(call, actor, name: str, *, entitlements: bool = False) -> str:
    slabs = [{"order": 1, "startAfter": "0"}, {"order": 2, "startAfter": "1000"}, {"order": 3, "startAfter": "5000"}]
    rates = [{"order": 1, "rate": "0.10"}, {"order": 2, "rate": "0.08"}, {"order": 3, "rate": "0.05"}]
    cards = [
        {"type": "USAGE", "rateCardDetails": {"usageRateCard": {
            "usageMeterId": "api_requests", "ratePlan": {"pricingModel": "TIERED", "slabs": slabs},
            "rateValues": [{"currency": "USD", "slabRates": rates}]}}},
        {"type": "FIXED_FEE", "rateCardDetails": {"fixedFeeRateCard": {
            "id": "platform_fee", "rateValues": [{"currency": "USD", "rate": "49.00"}]}}},
        {"type": "MINIMUM_COMMITMENT", "rateCardDetails": {"minimumCommitmentRateCard": {
            "rateValues": [{"currency": "USD", "rate": "500"}]}}},
    ]  # fmt: skip
    if entitlements:
        cards += [
            {"type": "BILLING_ENTITLEMENT", "rateCardDetails": {"billingEntitlementRateCard": {
                "featureId": "api_units",
                "schemaAssociations": [{"schemaName": "api_requests", "attributeName": "units"}],
                "featureConfigs": [{"featureCreditLimit": "100000000"}]}}},
            {"type": "ENTITLEMENT_OVERAGE", "rateCardDetails": {"entitlementOverageRateCard": {
                "featureId": "api_units", "maxQuantity": "1000000",
                "ratePlan": {"pricingModel": "TIERED", "slabs": [{"order": 1, "startAfter": "0"}]},
                "rateValues": [{"currency": "USD", "slabRates": [{"order": 1, "rate": "0.001"}]}]}}},
        ]  # fmt: skip
    answer = call("create_price_plan", {"name": name, "supportedCurrencies": ["USD"],
                                        "pricingCycleConfig": {"interval": "MONTHLY"}, "rateCards": cards},
                  actor=actor)  # fmt: skip
    return answer.id


def _accounts_on_plan(plan_id: str, prefix: str, count: int, effective_from: datetime) -> list[int]:
    """Accounts and their plan assignments written in bulk: what create_account + pricePlanId leaves."""
    from billing_admin.engine import ids
    from billing_admin.engine.models import Account, Customer, PlanAssignment, PricePlan

    customer = Customer.objects.get(customer_id="bench")
    plan = PricePlan.objects.get(plan_id=plan_id)
    rows = Account.objects.bulk_create(
        [
            Account(
                account_id=f"{prefix}{n}",
                togai_id=f"{ids.new_id('account')}{n}",
                customer=customer,
                name=f"Account {n}",
                invoice_currency="USD",
            )
            for n in range(count)
        ],  # fmt: skip
        batch_size=2000,
    )
    pks = [a.pk for a in rows] if rows and rows[0].pk else list(
        Account.objects.filter(account_id__startswith=prefix).values_list("pk", flat=True))  # fmt: skip
    PlanAssignment.objects.bulk_create(
        [
            PlanAssignment(schedule_id=f"sched.bench.{pk}", account_id=pk, plan=plan, effective_from=effective_from)
            for pk in pks
        ],  # fmt: skip
        batch_size=2000,
    )
    return pks


def _open_cycles_with_usage(pks: list[int]) -> None:
    """January's cycles with their DRAFT invoices, then each cycle's metered total as ingestion keeps it."""
    from billing_admin.engine.billing_cycles import cycles_covering
    from billing_admin.engine.models import BillingCycle, CycleUsage, UsageMeter

    for first in range(0, len(pks), 500):
        cycles_covering(set(pks[first : first + 500]), CLOSE_START, CLOSE_START)
    meter = UsageMeter.objects.get(name="api_requests")
    rng = random.Random(11)
    CycleUsage.objects.bulk_create(
        [
            CycleUsage(cycle_id=pk, meter=meter, quantity_micros=rng.randrange(0, 12_000) * 1_000_000, events=100)
            for pk in BillingCycle.objects.filter(account_id__in=pks).values_list("pk", flat=True)
        ],  # fmt: skip
        batch_size=2000,
    )


def _money_on_accounts(call, actor, prefix: str, count: int, every: int) -> None:
    # Some accounts carry a wallet and a credit, so closing also nets and applies them.
    for n in range(0, count, every):
        call("top_up_wallet", {"accountId": f"{prefix}{n}", "topupAmount": "250.00"}, actor=actor)
        call("grant_credit", {"accountId": f"{prefix}{n}", "creditAmount": "40.00", "purpose": "Bench credit",
                              "effectiveFrom": "2026-01-01", "priority": 5}, actor=actor)  # fmt: skip


def _bench_close(report, call, actor, accounts: int) -> None:
    plan_id = _plan(call, actor, "Close bench")
    pks = _accounts_on_plan(plan_id, "close_", accounts, CLOSE_START)
    _open_cycles_with_usage(pks)
    _money_on_accounts(call, actor, "close_", accounts, every=10)
    started, cpu = time.perf_counter(), time.process_time()
    answer = call("generate_invoices", {"asOf": CLOSE_END.isoformat()}, actor=actor)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert answer.closedCycles == accounts, answer.closedCycles
    report.figure(f"generate_invoices closing {accounts:,} accounts' cycles", accounts / elapsed, "accounts/s",
                  "target >= 500")  # fmt: skip
    # On a shared machine wall time swings with its load; this process's CPU time per account does not.
    report.figure("  of which this process's CPU time per account", cpu / accounts * 1000, "ms")
    started = time.perf_counter()
    again = call("generate_invoices", {"asOf": CLOSE_END.isoformat()}, actor=actor)
    assert again.closedCycles == 0
    report.figure("generate_invoices again (nothing left to close)", (time.perf_counter() - started) * 1000, "ms")


def _ingest(actor, events: int, cycle_start: datetime, now: datetime) -> None:
    from billing_admin import schemas as s
    from billing_admin.engine.ingestion import ingest_batch

    rng = random.Random(5)
    span = int((now - cycle_start).total_seconds()) - 60
    for first in range(0, events, 1000):
        batch = [
            {"id": f"m{n}", "schemaName": "api_requests", "accountId": f"read_{rng.randrange(READ_ACCOUNTS)}",
             "timestamp": (cycle_start + timedelta(seconds=n * span // events)).isoformat(),
             "attributes": [{"name": "units", "value": str(rng.randrange(1, 20))}]}
            for n in range(first, min(first + 1000, events))
        ]  # fmt: skip
        answer = ingest_batch(request=s.IngestBatchRequest(events=batch), actor=actor, now=now)
        assert answer.accepted == len(batch), answer.failed[:3]


def _latency(call, actor, op: str, payloads: list[dict]) -> list[float]:
    samples = []
    for n in range(SAMPLES):
        t0 = time.perf_counter()
        call(op, payloads[n % len(payloads)], actor=actor)
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def _bench_reads(report, call, actor, events: int) -> None:
    now = datetime.now(UTC)
    cycle_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if now - cycle_start < timedelta(hours=2):
        cycle_start = (cycle_start - timedelta(days=1)).replace(day=1)  # too early in the month to spread events
    plan_id = _plan(call, actor, "Read bench", entitlements=True)
    pks = _accounts_on_plan(plan_id, "read_", READ_ACCOUNTS, cycle_start)
    del pks
    _money_on_accounts(call, actor, "read_", READ_ACCOUNTS, every=1)
    started = time.perf_counter()
    _ingest(actor, events, cycle_start, now)
    report.figure(f"seeding {events:,} events through ingestion (1000/batch)", events / (time.perf_counter() - started),
                  "events/s")  # fmt: skip
    checks = [{"accountId": f"read_{n}", "featureId": "api_units", "quantity": "10"} for n in range(READ_ACCOUNTS)]
    used = call("check_entitlement", checks[0], actor=actor)
    assert used.entitled and used.used > 0, used
    balances = [{"accountId": f"read_{n}"} for n in range(READ_ACCOUNTS)]
    for op, payloads in (("check_entitlement", checks), ("get_wallet_balance", balances)):
        _latency(call, actor, op, payloads[:20])  # warm caches and connections
        samples = _latency(call, actor, op, payloads)
        report.figure(f"{op} p50 ({events:,} events in the cycle)", p50(samples), "ms")
        report.figure(f"{op} p99 ({events:,} events in the cycle)", percentile(samples, 99), "ms", "target < 5")


def run(report) -> None:
    accounts, events = _sizes()
    with bench_database():
        call, actor = _service()
        _bench_close(report, call, actor, accounts)
        _bench_reads(report, call, actor, events)
