"""Money moves above their ceiling over REST: a 403 naming the amount and the limit, nothing written."""

from __future__ import annotations

import pytest

from billing_admin.actors import Actor
from billing_admin.engine.models import AuditLog, Credit, WalletEntry
from tests.dashboard import factories

pytestmark = pytest.mark.django_db

REFUSAL = (
    "amount 1,000,000,000.00 USD is above the 100,000.00 USD limit for grant_credit; "
    "a second finance admin must approve it in the dashboard"
)


def credit(amount: object, **extra: object) -> dict[str, object]:
    return {"accountId": "acc_987", "purpose": "Goodwill", "creditAmount": amount, **extra}


def test_a_billion_dollar_credit_is_a_403_and_grants_nothing(api, acme):
    response = api.post("credits", {"creditRequests": [credit("1000000000")]})

    assert response.status_code == 403, response.content
    body = response.json()
    assert body["message"] == REFUSAL and body["code"] == "above_limit"
    assert body["details"] == {"operation": "grant_credit", "amount": "1000000000.00", "currency": "USD",
                               "limit": "100000.00"}  # fmt: skip
    assert not Credit.objects.exists()
    refused = AuditLog.objects.get(action="limit_refused")
    assert refused.door == "api" and refused.object_id == "acc_987" and "1,000,000,000.00 USD" in refused.summary


def test_one_credit_above_the_ceiling_refuses_the_whole_batch_before_any_is_granted(api, acme):
    response = api.post("credits", {"creditRequests": [credit(25), credit("100000.01")]})

    assert response.status_code == 403
    assert "100,000.01 USD is above the 100,000.00 USD limit" in response.json()["message"]
    assert not Credit.objects.exists()


def test_a_credit_at_the_ceiling_is_granted(api, acme):
    response = api.post("credits", {"creditRequests": [credit("100000")]})
    assert response.status_code == 200, response.content
    assert Credit.objects.count() == 1


def test_a_top_up_above_the_ceiling_is_a_403_and_adds_nothing(api, acme):
    response = api.post("accounts/acc_987/wallet_topup", {"topupAmount": 1_000_000_000})

    assert response.status_code == 403
    assert response.json()["message"].startswith("amount 1,000,000,000.00 USD is above the 100,000.00 USD limit for "
                                                 "top_up_wallet")  # fmt: skip
    assert not WalletEntry.objects.exists()
    assert api.get("accounts/acc_987/wallet").json()["balance"] == 0


def test_the_ceiling_is_set_per_operation_and_per_currency(api, acme, settings):
    settings.BILLING_MAX_TOPUP_AMOUNT = "500"
    assert api.post("accounts/acc_987/wallet_topup", {"topupAmount": 501}).status_code == 403
    assert api.post("credits", {"creditRequests": [credit(501)]}).status_code == 200

    settings.BILLING_MAX_AMOUNT_BY_CURRENCY = {"USD": "10"}
    refused = api.post("credits", {"creditRequests": [credit(11)]})
    assert refused.status_code == 403 and "above the 10.00 USD limit" in refused.json()["message"]


def test_an_empty_ceiling_means_none(api, acme, settings):
    settings.BILLING_MAX_TOPUP_AMOUNT = ""
    assert api.post("accounts/acc_987/wallet_topup", {"topupAmount": 1_000_000_000}).status_code == 200


def test_settling_an_invoice_above_the_ceiling_is_refused_and_it_stays_due(api, acme, settings):
    billed = factories.billed_account(Actor.cli("test"))
    settings.BILLING_MAX_INVOICE_AMOUNT = "100"

    response = api.patch(f"invoices/{billed.due_invoice}", {"status": "PAID", "reason": "Wire received"})

    assert response.status_code == 403
    assert "amount 189.00 USD is above the 100.00 USD limit for update_invoice_status" in response.json()["message"]
    assert api.get(f"invoices/{billed.due_invoice}").json()["status"] == "DUE"

    settings.BILLING_MAX_INVOICE_AMOUNT = "189"
    assert api.patch(f"invoices/{billed.due_invoice}", {"status": "PAID", "reason": "Wire received"}).status_code == 200
