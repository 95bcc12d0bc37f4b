"""The tool console: the chat's tools from generated forms, with approval for writes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing_admin.engine.models import AuditLog, Customer

pytestmark = pytest.mark.django_db(transaction=True)


def tool_url(name: str) -> str:
    return reverse("dashboard:chat:console-tool", args=[name])


def test_the_console_lists_every_tool_marking_the_writes(fiona_client):
    body = fiona_client.get(reverse("dashboard:chat:console")).content.decode()
    assert "grant_credit" in body and "list_customers" in body and "Write" in body


def test_a_read_runs_at_once_and_shows_its_result(fiona_client, org):
    response = fiona_client.post(tool_url("list_customers"), {"pageSize": "10"})
    body = response.content.decode()
    assert response.status_code == 200 and "Acme Corp" in body and "Vink Analytics" in body


def test_bad_input_is_a_field_error_on_the_form(fiona_client, org):
    bad = {"accountId": "acc_987", "creditAmount": "-5", "purpose": "x"}
    response = fiona_client.post(tool_url("grant_credit"), bad)
    body = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_creditAmount_errors"' in body and 'id="id_purpose_errors"' in body
    bad_json = fiona_client.post(tool_url("ingest_event"), {"event": "{not json"})
    assert bad_json.status_code == 422 and "Not valid JSON" in bad_json.content.decode()


def test_a_write_shows_its_exact_arguments_and_runs_once_however_often_it_is_approved(fiona_client, fiona):
    review = fiona_client.post(
        tool_url("create_customer"), {"id": "cust_new", "name": "Newco", "primaryEmail": "ap@newco.example"}
    )
    body = review.content.decode()
    assert "Run create_customer with exactly these arguments?" in body and "&quot;name&quot;: &quot;Newco&quot;" in body
    assert not Customer.objects.filter(customer_id="cust_new").exists()

    approval = review.context["approval"]
    first = fiona_client.post(tool_url("create_customer"), {"approval": approval})
    again = fiona_client.post(tool_url("create_customer"), {"approval": approval})

    assert "Done." in first.content.decode() and "Done." in again.content.decode()
    assert Customer.objects.filter(customer_id="cust_new").count() == 1
    audit = AuditLog.objects.get(action="create_customer")
    assert (audit.door, audit.actor_name) == ("chat", "fiona")


def test_an_altered_approval_is_refused(fiona_client):
    response = fiona_client.post(tool_url("create_customer"), {"approval": "eyJuYW1lIjoiY3JlYXRlX2N1c3RvbWVyIn0:x:y"})
    assert response.status_code == 400 and "expired or was altered" in response.content.decode()


def test_a_viewer_can_read_but_not_run_a_write(victor_client, org):
    assert victor_client.post(tool_url("get_account"), {"accountId": "acc_987"}).status_code == 200
    refused = victor_client.post(tool_url("create_customer"), {"id": "c", "name": "C", "primaryEmail": "c@c.example"})
    assert refused.status_code == 403 and not Customer.objects.filter(customer_id="c").exists()


def test_an_approved_console_write_above_the_ceiling_is_refused_and_grants_nothing(fiona_client, org):
    from billing_admin.engine.models import Credit

    arguments = {"accountId": "acc_987", "creditAmount": "250000", "purpose": "Goodwill"}
    review = fiona_client.post(tool_url("grant_credit"), arguments)
    ran = fiona_client.post(tool_url("grant_credit"), {"approval": review.context["approval"]})

    body = ran.content.decode()
    assert "amount 250,000.00 USD is above the 100,000.00 USD limit for grant_credit" in body
    assert not Credit.objects.exists()
