"""One account's unpriceable usage (legacy data planted in the database) leaves every REST read of
every other account whole, and shows that account's rows in an error state instead of a 500."""

from __future__ import annotations

import pytest

from billing_admin.actors import Actor
from billing_admin.service import call
from tests.billing_admin.engine.money_helpers import plant_negative_usage

from .conftest import start_of_month, usage_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def bad_neighbour(api, on_pro):
    """acc_987 and acc_bad on Pro this month with 5 units each; acc_bad's total then planted negative."""
    from django.utils import timezone

    actor = Actor.cli("test")
    call("create_account", {"id": "acc_bad", "name": "=HYPERLINK(\"http://x\")", "customerId": "cust_123",
                            "invoiceCurrency": "USD"}, actor=actor)  # fmt: skip
    call("update_account", {"accountId": "acc_bad", "pricePlanId": on_pro["id"],
                            "effectiveFrom": start_of_month().isoformat()}, actor=actor)  # fmt: skip
    response = api.post(
        "ingestBatch", {"events": [usage_event("5", id="good"), usage_event("5", id="bad", account="acc_bad")]}
    )
    assert response.status_code == 202, response.content
    plant_negative_usage("acc_bad", timezone.now())


def test_the_invoice_list_answers_with_the_bad_account_in_an_error_state(api, bad_neighbour):
    response = api.get("invoices")
    assert response.status_code == 200, response.content
    rows = {row["ownerId"]: row for row in response.json()["data"]}
    assert rows["acc_987"]["totalAmount"] == 0.5 and rows["acc_987"].get("computationError") is None
    assert "quantity must be 0 or more" in rows["acc_bad"]["computationError"]
    assert rows["acc_bad"]["status"] == "DRAFT"


def test_the_invoice_list_still_reads_as_togai_clients_strict_models(api, bad_neighbour):
    models = pytest.importorskip("togai_client.models")
    page = models.ListInvoicesResponse.from_json(api.get("invoices").content.decode())
    assert {invoice.owner_id for invoice in page.data} == {"acc_987", "acc_bad"}


def test_the_bad_accounts_draft_is_shown_with_its_problem_not_a_500(api, bad_neighbour):
    [draft] = [row for row in api.get("invoices").json()["data"] if row["ownerId"] == "acc_bad"]
    response = api.get(f"invoices/{draft['id']}")
    assert response.status_code == 200, response.content
    assert "acc_bad" in response.json()["computationError"]


def test_get_account_of_the_bad_account_says_its_charges_could_not_be_computed(api, bad_neighbour):
    response = api.get("accounts/acc_bad")
    assert response.status_code == 200, response.content
    cycle = response.json()["currentCycle"]
    assert cycle.get("chargesSoFar") is None and "cannot be priced" in cycle["chargesError"]
    models = pytest.importorskip("togai_client.models")
    assert models.Account.from_json(response.content.decode()).id == "acc_bad"


def test_get_account_of_every_other_account_is_unaffected(api, bad_neighbour):
    response = api.get("accounts/acc_987")
    assert response.status_code == 200
    cycle = response.json()["currentCycle"]
    assert cycle["chargesSoFar"] == 0.5 and cycle.get("chargesError") is None
