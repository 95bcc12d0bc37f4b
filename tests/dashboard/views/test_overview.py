"""The overview: billed revenue this month against last, what is owed, the heaviest users, ingestion
over the last 24 hours and the latest changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.dashboard.factories import ingest

pytestmark = pytest.mark.django_db


def at(moment: datetime, monkeypatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_it_compares_billed_revenue_with_last_month(viewer, billed, monkeypatch):
    at(datetime(2026, 2, 15, tzinfo=UTC), monkeypatch)  # the $189 invoice is dated Feb 1
    page = viewer.get(reverse("dashboard:overview")).content.decode()
    assert "Billed in February · USD" in page and "$189.00" in page and "last month's $0.00" in page


def test_it_shows_the_change_against_last_month(viewer, billed, monkeypatch):
    at(datetime(2026, 3, 15, tzinfo=UTC), monkeypatch)
    page = viewer.get(reverse("dashboard:overview")).content.decode()
    assert "Billed in March · USD" in page and "last month's $189.00" in page


def test_it_shows_what_is_owed_and_the_oldest_unpaid_invoices(viewer, billed):
    page = viewer.get(reverse("dashboard:overview")).content.decode()
    assert "1 invoice unpaid" in page and billed.due_invoice in page and "$189.00" in page


def test_it_ranks_accounts_by_events_this_month(viewer, billed, actor, monkeypatch):
    ingest(actor, "acc_987", 5, datetime(2026, 11, 2, tzinfo=UTC), event_id="nov-1")
    at(datetime(2026, 11, 20, tzinfo=UTC), monkeypatch)
    leaders = viewer.get(reverse("dashboard:overview")).context["leaders"]
    assert [(row.account_id, row.events) for row in leaders] == [("acc_987", 1)]


def test_it_charts_ingestion_and_lists_recent_changes(viewer, customer):
    page = viewer.get(reverse("dashboard:overview")).content.decode()
    assert "Events ingested per hour, last 24 hours" in page
    assert "Recent changes" in page and "Acme Corp" in page


def test_an_empty_organisation_shows_empty_states(viewer, db):
    page = viewer.get(reverse("dashboard:overview")).content.decode()
    assert "Nothing owed" in page and "No usage this month yet." in page
