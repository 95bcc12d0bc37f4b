"""Wallets, credits and entitlements over REST, in the shapes togai-client reads."""

from __future__ import annotations

import pytest

from billing_admin.engine.models import AuditLog

from .conftest import usage_event

pytestmark = pytest.mark.django_db


def credit(amount: object = 25, **extra: object) -> dict[str, object]:
    return {"accountId": "acc_987", "purpose": "Goodwill", "effectiveFrom": "2026-01-01", "priority": 10,
            "creditAmount": amount, **extra}  # fmt: skip


def test_a_wallet_answers_in_togais_shape_beside_ours(api, acme):
    body = api.get("accounts/acc_987/wallet").json()
    assert body["id"] == "wallet.acc_987" and body["customerId"] == "cust_123" and body["status"] == "ACTIVE"
    assert body["balance"] == 0 and body["creditUnit"] == "USD" and body["effectiveFrom"]
    assert body["walletBalance"] == 0 and body["availableBalance"] == 0


def test_a_top_up_adds_exactly_and_answers_the_new_balance(api, acme):
    api.post("accounts/acc_987/wallet_topup", {"topupAmount": 0.1})
    body = api.post("accounts/acme-prod/wallet_topup", {"topupAmount": 0.2}).json()
    assert body["balance"] == 0.3 and body["accountId"] == "acc_987"


def test_a_top_up_repeated_with_its_idempotency_key_adds_once(api, acme):
    for _ in range(2):
        api.post("accounts/acc_987/wallet_topup", {"topupAmount": 40}, **{"Idempotency-Key": "top-1"})
    assert api.get("accounts/acc_987/wallet").json()["balance"] == 40


@pytest.mark.parametrize("amount", [0, -5, "lots"])
def test_a_bad_top_up_is_a_400_naming_the_amount_and_writes_nothing(api, acme, amount):
    response = api.post("accounts/acc_987/wallet_topup", {"topupAmount": amount})
    assert response.status_code == 400 and "topupAmount" in response.json()["details"]["fields"]
    assert not AuditLog.objects.filter(action="top_up_wallet").exists()


def test_credits_are_granted_in_togais_bulk_shape(api, acme):
    response = api.post("credits", {"creditRequests": [credit(25), credit(10, grantorId="crm")]})
    assert response.status_code == 200, response.content
    first, second = response.json()["credits"]
    assert first["id"] != second["id"] and first["status"] == "ACTIVE" and first["creditAmount"] == 25
    assert second["balance"]["creditBalance"] == 35


def test_one_bad_credit_request_refuses_the_batch_naming_it_and_grants_none(api, acme):
    response = api.post("credits", {"creditRequests": [credit(25), credit(-1)]})
    assert response.status_code == 400
    assert "creditRequests.1.creditAmount" in response.json()["details"]["fields"]
    assert api.get("accounts/acc_987/credit_balance").json()["activeCredits"] == 0


@pytest.mark.parametrize("body", [{}, {"creditRequests": []}, {"creditRequests": "x"}, []])
def test_a_credit_body_without_requests_is_a_400(api, acme, body):
    response = api.post("credits", body)
    assert response.status_code == 400 and "creditRequests" in response.json()["message"]


def test_a_credit_for_an_unknown_account_is_a_404(api, acme):
    assert api.post("credits", {"creditRequests": [credit(accountId="acc_nobody")]}).status_code == 404


def test_a_credit_is_voided_and_leaves_the_balance(api, acme):
    [granted] = api.post("credits", {"creditRequests": [credit(25)]}).json()["credits"]
    voided = api.post(f"credits/{granted['id']}/void")
    assert voided.status_code == 200, voided.content
    assert voided.json()["status"] == "VOIDED"
    balance = api.get("accounts/acc_987/credit_balance").json()
    assert balance["availableBalance"] == 0 and balance["unit"] == "USD"


def test_entitlements_list_togais_value_beside_the_balances(api, on_pro):
    api.post("ingest", {"event": usage_event("30", schema="ai_queries", attribute="queries")})
    [feature] = api.get("accounts/acc_987/entitlements").json()["data"]
    assert feature["featureId"] == "ai_queries" and feature["value"] == "true"
    assert (feature["granted"], feature["used"], feature["remaining"]) == (100, 30, 70)
    one = api.get("accounts/acc_987/entitlements/ai_queries").json()
    assert one["data"][0]["value"] == "true" and one["data"][0]["remaining"] == 70


def test_an_entitlement_check_answers_togais_success_and_our_reason(api, on_pro):
    allowed = api.post("accounts/acc_987/entitlements/ai_queries", {"value": "60"}).json()
    assert allowed["success"] is True and allowed["entitled"] is True
    balance = api.get("accounts/acc_987/features/ai_queries", quantity="500").json()
    assert balance["balance"] == 100 and balance["granted"] == 100 and balance["entitled"] is False


def test_a_check_whose_value_is_not_a_quantity_is_a_400(api, on_pro):
    body = api.post("accounts/acc_987/entitlements/ai_queries", {"value": "abc"})
    assert body.status_code == 400 and "quantity" in body.json()["message"]
