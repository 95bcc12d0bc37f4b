"""Money under concurrent writers on PostgreSQL: balances stay exact, and ingestion racing a cycle
close puts every event in exactly one invoice or refuses it."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection, connections

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.engine.ingestion import ingest_batch
from billing_admin.engine.models import Credit, Event, WalletEntry
from billing_admin.service import call
from tests.billing_admin.engine.money_helpers import (
    D,
    account,
    api_meter,
    assign,
    at,
    find,
    invoice,
    invoices,
    plan,
    usage_card,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent writers are exercised on PostgreSQL")


def run_threads(count: int, work: Callable[[int], object]) -> list[Exception]:  # work(n) runs in thread n
    errors: list[Exception] = []
    barrier = threading.Barrier(count)

    def body(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except Exception as exc:  # noqa: BLE001 - surfaced by the caller's assertion
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=body, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_a_hundred_concurrent_grants_and_top_ups_leave_the_exact_balance(customer, actor):
    def work(n: int) -> None:
        for k in range(5):  # 20 threads x 5 calls = 100 calls, half grants, half top-ups
            who = Actor(kind="token", name=f"client-{n}", door="api")
            if (n + k) % 2:
                call("grant_credit", {"accountId": "acc_987", "creditAmount": "1.10", "purpose": f"promo {n}-{k}"},
                     actor=who)  # fmt: skip
            else:
                call("top_up_wallet", {"accountId": "acc_987", "topupAmount": "2.35"}, actor=who)

    assert run_threads(20, work) == []
    balance = call("get_wallet_balance", {"accountId": "acc_987"}, actor=actor)
    assert (balance.walletBalance, balance.creditBalance, balance.availableBalance) == (
        D("117.50"), D("55.00"), D("172.50"))  # fmt: skip
    assert Credit.objects.count() == 50
    # Every top-up read the balance the previous one wrote: the ledger's closing balances are a staircase.
    closing = sorted(WalletEntry.objects.values_list("closing_balance_minor", flat=True))
    assert closing == [235 * i for i in range(1, 51)]


def test_concurrent_top_ups_with_one_idempotency_key_add_the_money_once(customer, actor):
    def work(n: int) -> None:
        call("top_up_wallet", {"accountId": "acc_987", "topupAmount": "10.00", "idempotencyKey": "wire-7"},
             actor=Actor(kind="token", name=f"retry-{n}", door="api"))  # fmt: skip

    errors = run_threads(8, work)
    assert all(type(e).__name__ == "ConflictError" for e in errors), errors
    assert WalletEntry.objects.count() == 1
    assert call("get_wallet_balance", {"accountId": "acc_987"}, actor=actor).walletBalance == D("10.00")


def test_ingestion_racing_a_cycle_close_bills_every_event_once_or_refuses_it(customer, actor):
    accounts = ["acc_987", "acc_b", "acc_c"]
    for acc in accounts[1:]:
        account(actor, acc)
    p = plan(actor, "Per unit", [usage_card(api_meter(actor), tiers=[(0, "1.00")])])
    for acc in accounts:
        assign(actor, acc, p.id, at(2026, 1, 1))
    sent: dict[str, int] = defaultdict(int)
    refused: dict[str, int] = defaultdict(int)
    tally = threading.Lock()
    started = threading.Event()

    def ingest(n: int) -> None:
        for b in range(30):
            acc = accounts[(n + b) % len(accounts)]
            events = [{"id": f"t{n}-b{b}-{i}", "accountId": acc, "schemaName": "api_requests",
                       "timestamp": at(2026, 1, 31, 22).isoformat(),
                       "attributes": [{"name": "units", "value": "1"}]} for i in range(20)]  # fmt: skip
            result = ingest_batch(request=s.IngestBatchRequest(events=events), actor=actor, now=at(2026, 1, 31, 23))
            assert {f.status for f in result.failed} <= {"INGESTION_FAILED_PAST_GRACE_PERIOD"}
            with tally:
                sent[acc] += 20
                refused[acc] += len(result.failed)
            if b == 3:
                started.set()

    def work(n: int) -> None:
        if n == 0:
            started.wait(timeout=30)  # close while the other threads are mid-stream
            call("generate_invoices", {"all": True, "asOf": at(2026, 2, 1).isoformat()}, actor=actor)
        else:
            ingest(n)

    assert run_threads(7, work) == []
    assert sum(refused.values()) > 0, "the close finished after all ingestion; the race was not exercised"
    for acc in accounts:
        january = next(i for i in invoices(actor, acc) if i.startDate.month == 1)
        assert january.status == "DUE"
        billed = Decimal(find(invoice(actor, january.id).revenueInfo, "USAGE_RATE_CARD_AMOUNT")[0]["quantity"])
        assert billed + refused[acc] == sent[acc]
        assert Event.objects.filter(account__account_id=acc).count() == billed
