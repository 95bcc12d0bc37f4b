"""Four-eyes approvals in the dashboard: a money move above its ceiling becomes a request that a
different finance admin approves (the write runs once, audited with both names) or rejects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing_admin.approvals.models import Approval
from billing_admin.engine.models import AuditLog, Credit, Invoice, WalletEntry
from tests.dashboard import factories
from tests.dashboard.conftest import HTMX

pytestmark = pytest.mark.django_db

GRANT = reverse("dashboard:account-grant-credit", args=["acc_987"])
TOP_UP = reverse("dashboard:account-top-up", args=["acc_987"])
APPROVALS = reverse("dashboard:approvals")
BIG_GRANT = {"creditAmount": "250000", "purpose": "Settlement of the March dispute", "priority": "50"}


def approve(pk: int) -> str:
    return reverse("dashboard:approval-approve", args=[pk])


def reject(pk: int) -> str:
    return reverse("dashboard:approval-reject", args=[pk])


@pytest.fixture
def second_admin(db) -> Client:
    client = Client()
    client.force_login(factories.finance_admin("greta"))
    return client


@pytest.fixture
def asked(admin, customer) -> Approval:
    """fiona asked for a $250,000.00 credit on acc_987 from the account page."""
    admin.post(GRANT, BIG_GRANT, **HTMX)
    return Approval.objects.get()


def test_a_grant_above_the_ceiling_becomes_a_request_and_grants_nothing(admin, customer):
    response = admin.post(GRANT, BIG_GRANT, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<form id="grant-credit-form"')
    assert "grant_credit of 250,000.00 USD on acc_987 is above the limit" in body and "request #" in body
    assert "HX-Trigger" not in response  # no balance changed
    assert not Credit.objects.exists()
    approval = Approval.objects.get()
    assert (approval.operation, approval.status, approval.requested_by_name) == ("grant_credit", "pending", "fiona")
    assert (approval.amount_minor, approval.currency, approval.requested_via) == (25_000_000, "USD", "page")
    assert AuditLog.objects.filter(action="approval_request", object_id=str(approval.pk)).exists()


def test_the_same_form_submitted_twice_asks_once(admin, customer):
    data = {**BIG_GRANT, "idempotencyKey": "page-abc"}
    admin.post(GRANT, data, **HTMX)
    admin.post(GRANT, data, **HTMX)
    assert Approval.objects.count() == 1


def test_a_grant_below_the_ceiling_runs_at_once_as_before(admin, customer):
    admin.post(GRANT, {**BIG_GRANT, "creditAmount": "100000"}, **HTMX)
    assert Credit.objects.count() == 1 and not Approval.objects.exists()


def test_the_waiting_request_is_listed_and_counted_in_the_nav(asked, second_admin, viewer):
    page = second_admin.get(APPROVALS).content.decode()
    assert f'id="approval-{asked.pk}"' in page and "$250,000.00" in page and "Settlement of the March dispute" in page
    assert 'id="pending-approvals" title="waiting for a second finance admin">1<' in page
    assert approve(asked.pk) in page
    assert 'id="pending-approvals"' in viewer.get(reverse("dashboard:overview")).content.decode()
    assert approve(asked.pk) not in viewer.get(APPROVALS).content.decode()


def test_the_person_who_asked_cannot_approve_it(asked, admin):
    assert approve(asked.pk) not in admin.get(APPROVALS).content.decode()

    response = admin.post(approve(asked.pk), **HTMX)

    assert "you asked for request #" in response.content.decode()
    asked.refresh_from_db()
    assert asked.status == "pending" and not Credit.objects.exists()


def test_a_viewer_cannot_decide(asked, viewer):
    assert viewer.post(approve(asked.pk)).status_code == 403
    assert viewer.post(reject(asked.pk)).status_code == 403
    asked.refresh_from_db()
    assert asked.status == "pending" and not Credit.objects.exists()


def test_a_second_finance_admin_approves_and_the_credit_is_granted_once_naming_both(asked, second_admin):
    first = second_admin.post(approve(asked.pk), **HTMX)
    again = second_admin.post(approve(asked.pk), **HTMX)  # a double click, or another tab

    assert "Approved request #" in first.content.decode()
    assert f"request #{asked.pk} is already approved" in again.content.decode()
    credit = Credit.objects.get()
    assert credit.amount_minor == 25_000_000 and credit.purpose == "Settlement of the March dispute"
    grant = AuditLog.objects.get(action="grant_credit")
    assert grant.actor_name == f"greta (approving request #{asked.pk} from fiona)" and grant.door == "page"
    approved = AuditLog.objects.get(action="approval_approve")
    assert approved.actor_name == "greta" and "from fiona" in approved.summary
    asked.refresh_from_db()
    assert (asked.status, asked.decided_by_name) == ("approved", "greta")
    assert asked.result["credit"]["creditAmount"] == "250000.00"


def test_rejecting_writes_nothing_and_it_cannot_be_approved_afterwards(asked, second_admin):
    second_admin.post(reject(asked.pk), {"reason": "No contract for this"}, **HTMX)
    second_admin.post(approve(asked.pk), **HTMX)

    asked.refresh_from_db()
    assert (asked.status, asked.decided_by_name, asked.note) == ("rejected", "greta", "No contract for this")
    assert not Credit.objects.exists()
    assert AuditLog.objects.filter(action="approval_reject", object_id=str(asked.pk)).exists()


def test_a_request_left_waiting_too_long_expires_and_cannot_be_approved(asked, second_admin, settings):
    Approval.objects.filter(pk=asked.pk).update(created_at=timezone.now() - timedelta(hours=73))

    response = second_admin.post(approve(asked.pk), **HTMX)

    assert "is already expired" in response.content.decode()
    asked.refresh_from_db()
    assert asked.status == "expired" and not Credit.objects.exists()


def test_a_top_up_above_the_ceiling_without_javascript_says_it_waits(admin, customer, second_admin):
    response = admin.post(TOP_UP, {"topupAmount": "500000"}, follow=True)

    assert "top_up_wallet of 500,000.00 USD on acc_987 is above the limit" in response.content.decode()
    assert not WalletEntry.objects.exists()
    pk = Approval.objects.get().pk
    second_admin.post(approve(pk), follow=True)
    assert WalletEntry.objects.get().amount_minor == 50_000_000


def test_settling_an_invoice_above_the_ceiling_waits_for_a_second_admin(admin, billed, second_admin, settings):
    settings.BILLING_MAX_INVOICE_AMOUNT = "100"
    url = reverse("dashboard:invoice-status", args=[billed.due_invoice])

    response = admin.post(url, {"status": "PAID", "reason": "Wire received"}, follow=True)

    assert "update_invoice_status of 189.00 USD on" in response.content.decode()
    assert Invoice.objects.get(invoice_id=billed.due_invoice).status == "DUE"
    second_admin.post(approve(Approval.objects.get().pk))
    assert Invoice.objects.get(invoice_id=billed.due_invoice).status == "PAID"


def test_an_approval_the_backend_then_refuses_stays_waiting_with_the_reason(admin, billed, second_admin, settings):
    settings.BILLING_MAX_INVOICE_AMOUNT = "100"
    url = reverse("dashboard:invoice-status", args=[billed.due_invoice])
    admin.post(url, {"status": "PAID", "reason": "Wire received"})
    pending = Approval.objects.get()
    settings.BILLING_MAX_INVOICE_AMOUNT = ""
    admin.post(url, {"status": "VOID", "reason": "Issued in error"})  # below the (now absent) ceiling: runs

    response = second_admin.post(approve(pending.pk), **HTMX)

    assert "is VOID and cannot become PAID" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert Invoice.objects.get(invoice_id=billed.due_invoice).status == "VOID"
