from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_creating_an_account_answers_201_as_togai_client_expects(api, acme):
    response = api.post(
        "accounts", {"id": "acc_2", "name": "Acme Staging", "customerId": "cust_123", "invoiceCurrency": "EUR"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["customerId"] == "cust_123" and body["invoiceCurrency"] == "EUR"
    assert body["togaiAccountId"].startswith("account.")


def test_an_account_is_found_by_id_or_alias_with_its_balances_as_numbers(api, acme):
    body = api.get("accounts/acme-prod").json()
    assert body["id"] == "acc_987"
    assert body["walletBalance"] == 0 and isinstance(body["walletBalance"], int | float)


def test_accounts_can_be_listed_for_one_customer(api, acme):
    api.post(
        "customers",
        {
            "id": "cust_2",
            "name": "Other Ltd",
            "primaryEmail": "o@other.example",
            "account": {"id": "acc_other", "name": "Other main"},
        },
    )
    body = api.get("accounts", customerId="cust_123").json()
    assert [a["id"] for a in body["data"]] == ["acc_987"]


def test_patching_an_account_updates_it(api, acme):
    response = api.patch("accounts/acc_987", {"netTermDays": 45, "tags": ["Enterprise"]})
    assert response.status_code == 200
    assert response.json()["netTermDays"] == 45
    assert response.json()["tags"] == ["enterprise"]


def test_an_unknown_account_is_a_404(api):
    assert api.get("accounts/acc_missing").status_code == 404


def test_an_unknown_endpoint_is_a_json_404_and_a_wrong_method_a_405(api):
    response = api.get("nothing/here")
    assert response.status_code == 404 and response.json()["code"] == "unknown_endpoint"
    response = api.client.delete("/api/customers", headers=api.headers)
    assert response.status_code == 405 and "GET" in response["Allow"]
