from __future__ import annotations

import pytest

from .conftest import ACME

pytestmark = pytest.mark.django_db


def test_creating_a_customer_answers_201_with_togai_ids_and_the_first_account(acme):
    assert acme["id"] == "cust_123"
    assert acme["togaiCustomerId"].startswith("customer.")
    assert acme["account"]["id"] == "acc_987"
    assert acme["account"]["aliases"] == [{"alias": "acme-prod"}]


def test_a_taken_id_is_a_409_with_a_message(api, acme):
    response = api.post("customers", ACME)
    assert response.status_code == 409
    assert "already exists" in response.json()["message"]


def test_bad_fields_are_a_400_naming_each_field(api):
    response = api.post("customers", {"id": "c_1", "name": "x", "primaryEmail": "nope", "colour": "red"})
    assert response.status_code == 400
    body = response.json()
    assert set(body["details"]["fields"]) == {"name", "primaryEmail", "colour"}
    assert "colour: unknown field" in body["message"]


def test_malformed_json_is_a_400_not_a_traceback(api):
    response = api.post("customers", "{not json")
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["message"]


def test_a_body_that_is_not_an_object_is_a_400(api):
    response = api.patch("customers/cust_123", "[1, 2]")
    assert response.status_code == 400


def test_getting_a_customer_lists_its_accounts(api, acme):
    body = api.get("customers/cust_123").json()
    assert [a["id"] for a in body["accounts"]] == ["acc_987"]
    assert body["address"]["city"] == "Florence"


def test_an_unknown_customer_is_a_404_that_says_what_to_do(api):
    response = api.get("customers/nobody")
    assert response.status_code == 404
    assert "list_customers" in response.json()["message"]


def test_patching_a_customer_changes_only_what_is_sent(api, acme):
    response = api.patch("customers/cust_123", {"name": "Acme Corporation"})
    assert response.status_code == 200
    assert response.json()["name"] == "Acme Corporation"
    assert response.json()["primaryEmail"] == "billing@acme.example"


def test_customers_are_listed_page_by_page_with_next_tokens(api):
    for n in range(5):
        api.post("customers", {"id": f"c_{n}", "name": f"Customer {n}", "primaryEmail": f"c{n}@x.example"})
    first = api.get("customers", pageSize=2).json()
    assert [c["id"] for c in first["data"]] == ["c_0", "c_1"]
    second = api.get("customers", pageSize=2, nextToken=first["nextToken"]).json()
    assert [c["id"] for c in second["data"]] == ["c_2", "c_3"]
    last = api.get("customers", pageSize=2, nextToken=second["nextToken"]).json()
    assert [c["id"] for c in last["data"]] == ["c_4"] and last.get("nextToken") is None


def test_a_foreign_next_token_is_a_400(api):
    response = api.get("customers", nextToken="garbage!")
    assert response.status_code == 400
    assert "nextToken" in response.json()["message"]


def test_a_page_size_out_of_range_is_a_400(api):
    assert api.get("customers", pageSize=0).status_code == 400
    assert api.get("customers", pageSize="ten").status_code == 400


def test_an_idempotency_key_header_makes_a_create_repeat_safe(api):
    body = {"id": "c_9", "name": "Nine Ltd", "primaryEmail": "n@nine.example"}
    first = api.post("customers", body, **{"Idempotency-Key": "k-1"})
    again = api.post("customers", body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
