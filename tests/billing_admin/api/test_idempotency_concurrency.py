"""Fifty identical money writes racing with one Idempotency-Key move the money once (PostgreSQL)."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from billing_admin.engine.models import Credit, WalletEntry

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

CALLS = 50


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers racing on one key are exercised on PostgreSQL")


def race(token: str, path: str, body: dict, key: str) -> list[tuple[int, dict]]:
    answers: list[tuple[int, dict]] = []
    barrier = threading.Barrier(CALLS)

    def send() -> None:
        client = Client()
        try:
            barrier.wait()
            response = client.post(
                f"/api/{path}",
                data=json.dumps(body),
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
            )
            answers.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(CALLS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_fifty_parallel_credit_grants_with_one_key_grant_exactly_one_credit(api, acme, write_token):
    body = {"creditRequests": [{"accountId": "acc_987", "purpose": "Goodwill", "creditAmount": 25}]}
    answers = race(write_token.raw, "credits", body, "race-credit")
    assert len(answers) == CALLS and {status for status, _ in answers} == {200}
    assert len({answer["credits"][0]["id"] for _, answer in answers}) == 1
    assert Credit.objects.count() == 1
    assert api.get("accounts/acc_987/credit_balance").json()["activeCredits"] == 25


def test_fifty_parallel_top_ups_with_one_key_add_the_money_once(api, acme, write_token):
    answers = race(write_token.raw, "accounts/acc_987/wallet_topup", {"topupAmount": 40}, "race-topup")
    assert len(answers) == CALLS and {status for status, _ in answers} == {200}
    assert {answer["balance"] for _, answer in answers} == {40}
    assert WalletEntry.objects.count() == 1
    assert api.get("accounts/acc_987/wallet").json()["balance"] == 40
