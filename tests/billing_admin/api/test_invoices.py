from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from .conftest import start_of_month, usage_event

pytestmark = pytest.mark.django_db


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@pytest.fixture
def used(api, on_pro):
    response = api.post("ingestBatch", {"events": [usage_event("300", id="u-1"), usage_event("200", id="u-2")]})
    assert response.status_code == 202, response.content
    return on_pro


def test_the_open_cycle_is_a_draft_invoice_with_the_charges_so_far(api, used):
    body = api.get("invoices", status="DRAFT", owner_id="acc_987").json()
    [draft] = body["data"]
    assert draft["status"] == "DRAFT" and draft["ownerId"] == "acc_987" and draft["customerId"] == "cust_123"
    assert draft["totalAmount"] == 50 and draft["currency"] == "USD"  # 500 units at 0.10
    assert draft["invoiceClass"] == "INVOICE" and draft["invoiceType"] == "STANDARD"


def test_invoices_are_filtered_by_customer_and_by_epoch_millisecond_times(api, used):
    assert len(api.get("invoices", customer_id="cust_123").json()["data"]) == 1
    assert api.get("invoices", customer_id="cust_other").json()["data"] == []
    month = start_of_month()
    assert len(api.get("invoices", start_time=ms(month), end_time=ms(timezone.now())).json()["data"]) == 1
    assert api.get("invoices", end_time=ms(month - timedelta(days=40))).json()["data"] == []


@pytest.mark.parametrize("value", ["yesterday", "1e3", "99999999999999999999"])
def test_a_bad_epoch_time_is_a_400_naming_the_parameter(api, used, value):
    response = api.get("invoices", start_time=value)
    assert response.status_code == 400
    assert "start_time" in response.json()["message"]


def test_an_unknown_invoice_status_filter_is_a_400(api, used):
    response = api.get("invoices", status="LOST")
    assert response.status_code == 400 and "status" in response.json()["message"]


def test_an_invoice_is_read_with_its_line_item_tree(api, used):
    [draft] = api.get("invoices", owner_id="acc_987").json()["data"]
    body = api.get(f"invoices/{draft['id']}").json()
    assert body["revenueInfo"]["value"] == 50
    assert api.get("invoices/inv.nothing").status_code == 404


def test_a_closed_cycle_is_due_and_can_be_marked_paid(api, used, reader, monkeypatch):
    next_month = (start_of_month() + timedelta(days=32)).replace(day=1, hour=1)
    monkeypatch.setattr(timezone, "now", lambda: next_month)  # a month has passed
    closed = api.post("invoices/generate", {"accountId": "acc_987"})
    assert closed.status_code == 200, closed.content
    [invoice_id] = closed.json()["invoiceIds"]
    assert api.get(f"invoices/{invoice_id}").json()["status"] == "DUE"
    assert reader.patch(f"invoices/{invoice_id}", {"status": "PAID"}).status_code == 403
    paid = api.patch(f"invoices/{invoice_id}", {"status": "PAID"})
    assert paid.status_code == 200, paid.content
    assert paid.json()["status"] == "PAID" and "REST API" in paid.json()["statusReason"]


def test_paying_a_draft_is_refused_with_the_reason(api, used):
    [draft] = api.get("invoices", status="DRAFT").json()["data"]
    response = api.patch(f"invoices/{draft['id']}", {"status": "PAID", "reason": "paid early"})
    assert response.status_code == 409
    assert "DRAFT" in response.json()["message"]


def test_an_invoice_status_togai_knows_but_we_do_not_set_is_a_400(api, used):
    [draft] = api.get("invoices", status="DRAFT").json()["data"]
    response = api.patch(f"invoices/{draft['id']}", {"status": "REFUND_INITIATED"})
    assert response.status_code == 400 and "status" in response.json()["message"]
