"""The Idempotency-Key header and the body's idempotencyKey are one key on every REST write."""

from __future__ import annotations

import pytest

from billing_admin.api.openapi import openapi_document
from billing_admin.engine.models import Credit, Customer, IdempotencyRecord

from .conftest import usage_event

pytestmark = pytest.mark.django_db

KEY = {"Idempotency-Key": "grant-7"}


def credit(amount: object = 25, **extra: object) -> dict[str, object]:
    return {"accountId": "acc_987", "purpose": "Goodwill", "creditAmount": amount, **extra}


def test_a_credit_repeated_with_the_header_is_granted_once_and_answers_the_first_grant(api, acme):
    first = api.post("credits", {"creditRequests": [credit()]}, **KEY)
    again = api.post("credits", {"creditRequests": [credit()]}, **KEY)
    assert first.status_code == again.status_code == 200, again.content
    assert again.json()["credits"][0]["id"] == first.json()["credits"][0]["id"]
    assert Credit.objects.count() == 1


def test_the_header_and_the_body_key_are_the_same_key(api, acme):
    by_body = api.post("credits", {"creditRequests": [credit(idempotencyKey="grant-7")]})
    by_header = api.post("credits", {"creditRequests": [credit()]}, **KEY)
    assert by_header.json()["credits"][0]["id"] == by_body.json()["credits"][0]["id"]
    both = api.post("credits", {"creditRequests": [credit(idempotencyKey="grant-7")]}, **KEY)
    assert both.status_code == 200 and Credit.objects.count() == 1


def test_a_header_and_a_body_key_that_differ_are_a_400_naming_the_field(api, acme):
    response = api.post("accounts/acc_987/wallet_topup", {"topupAmount": 5, "idempotencyKey": "other"}, **KEY)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["details"]["fields"]["idempotencyKey"]
    credits = api.post("credits", {"creditRequests": [credit(idempotencyKey="other")]}, **KEY)
    assert credits.status_code == 400 and "creditRequests.0.idempotencyKey" in credits.json()["details"]["fields"]
    assert api.get("accounts/acc_987/wallet").json()["availableBalance"] == 0


def test_the_same_key_with_a_different_body_is_a_409_and_changes_nothing(api, acme):
    api.post("accounts/acc_987/wallet_topup", {"topupAmount": 5}, **KEY)
    response = api.post("accounts/acc_987/wallet_topup", {"topupAmount": 500}, **KEY)
    assert response.status_code == 409 and "grant-7" in response.json()["message"]
    assert api.get("accounts/acc_987/wallet").json()["balance"] == 5


def test_a_retried_bulk_grant_keyed_by_the_header_grants_nothing_more(api, acme):
    body = {"creditRequests": [credit(10), credit(20)]}
    first = api.post("credits", body, **KEY).json()["credits"]
    again = api.post("credits", body, **KEY).json()["credits"]
    assert [c["id"] for c in again] == [c["id"] for c in first]
    assert set(IdempotencyRecord.objects.values_list("key", flat=True)) == {"grant-7", "grant-7#2"}
    assert api.get("accounts/acc_987/credit_balance").json()["activeCredits"] == 30


def test_a_customer_created_twice_with_the_header_is_created_once(api, db):
    body = {"id": "cust_9", "name": "Nine Ltd", "primaryEmail": "ap@nine.example"}
    first = api.post("customers", body, **KEY)
    again = api.post("customers", body, **KEY)
    assert first.status_code == again.status_code == 201, again.content
    assert again.json() == first.json() and Customer.objects.count() == 1


def test_an_update_keyed_by_the_header_is_recorded_under_that_key(api, acme):
    response = api.patch("customers/cust_123", {"name": "Acme Inc"}, **KEY)
    assert response.status_code == 200, response.content
    assert IdempotencyRecord.objects.filter(operation="update_customer", key="grant-7").exists()
    assert api.patch("customers/cust_123", {"name": "Acme Ltd"}, **KEY).status_code == 409


def test_ingestion_refuses_the_header_because_the_event_id_is_the_key(api, meter):
    response = api.post("ingest", {"event": usage_event(id="evt-1")}, **KEY)
    assert response.status_code == 400
    assert "give each event an `id`" in response.json()["details"]["fields"]["Idempotency-Key"]
    assert api.get("events").json()["events"] == []


def test_the_openapi_document_declares_the_header_on_every_write_but_ingestion():
    document = openapi_document()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            headers = [p for p in operation["parameters"] if p["in"] == "header"]
            keyed = operation["x-scope"] == "write" and path not in ("/api/ingest", "/api/ingestBatch")
            assert bool(headers) == keyed, f"{method.upper()} {path}"
            if keyed:
                assert headers[0]["name"] == "Idempotency-Key" and "409" in headers[0]["description"]
    assert "each event's own `id`" in document["info"]["description"]
