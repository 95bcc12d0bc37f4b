"""Approvers racing on PostgreSQL: the money moves once, however many click Approve at the same moment."""

from __future__ import annotations

import pytest
from django.db import connection

from billing_admin.actors import Actor
from billing_admin.approvals.models import Approval
from billing_admin.approvals.services import approval_approve, approval_request_if_above_limit
from billing_admin.engine.models import AuditLog, Credit
from tests.billing_admin.engine.test_money_concurrency import run_threads
from tests.dashboard import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent writers are exercised on PostgreSQL")


def test_four_admins_approving_one_request_at_once_grant_the_credit_once(customer):
    fiona = factories.finance_admin("fiona")
    approvers = [Actor.staff(factories.finance_admin(f"admin{n}")) for n in range(4)]
    request = approval_request_if_above_limit(
        "grant_credit",
        {"accountId": "acc_987", "creditAmount": "500000", "purpose": "Settlement"},
        actor=Actor.staff(fiona),
    )

    errors = run_threads(4, lambda n: approval_approve(approval_id=request.pk, actor=approvers[n]))

    assert len(errors) == 3 and all("is already approved" in str(e) for e in errors), errors
    assert Credit.objects.get().amount_minor == 50_000_000
    assert AuditLog.objects.filter(action="grant_credit").count() == 1
    assert Approval.objects.get().status == "approved"
