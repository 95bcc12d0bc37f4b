"""The events explorer, metrics charts and the audit log: read-only, filtered, paged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from billing_admin import schemas as s
from billing_admin.service import call
from tests.dashboard.conftest import HTMX
from tests.dashboard.factories import ingest, meter

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(customer, actor):
    meter(actor)
    ingest(actor, "acc_987", 7, datetime(2026, 11, 20, 10, tzinfo=UTC), event_id="evt-1")
    call("create_usage_meter", {"name": "eu_calls", "aggregation": "COUNT", "eventSchemaName": "calls",
                                "filters": [{"field": "dimension.region", "value": "eu"}]}, actor=actor)  # fmt: skip
    call("ingest_event", {"event": {"id": "evt-2", "schemaName": "calls", "accountId": "acc_987",
                                    "timestamp": "2026-11-20T11:00:00Z", "dimensions": {"region": "us"}}},
         actor=actor)  # fmt: skip


class TestEvents:
    url = reverse("dashboard:events")

    def test_it_lists_events_with_how_they_were_metered(self, viewer, events):
        page = viewer.get(self.url).content.decode()
        assert "evt-1" in page and "units=7" in page and "api_requests +7" in page

    def test_it_filters_by_account_schema_and_status(self, viewer, events):
        assert "evt-1" in viewer.get(self.url, {"account": "acme-prod", "schema": "api_requests"}).content.decode()
        metered = viewer.get(self.url, {"status": "INGESTION_COMPLETED_EVENT_METERED"}).content.decode()
        assert "evt-1" in metered and "evt-2" not in metered

    def test_an_unknown_account_is_an_empty_state(self, viewer, events):
        response = viewer.get(self.url, {"account": "acc_nope"})
        assert response.status_code == 200 and "acc_nope" in response.content.decode()

    def test_htmx_gets_only_the_table(self, viewer, events):
        assert viewer.get(self.url, **HTMX).content.decode().lstrip().startswith('<div id="event-table">')


class TestMetrics:
    url = reverse("dashboard:metrics")

    def test_it_charts_events_revenue_and_usage_per_meter(self, viewer, events):
        page = viewer.get(self.url, {"range": "90d"}).content.decode()
        for title in ("Events ingested per week", "Billed revenue per week", "Usage of API requests per week"):
            assert title in page
        assert page.count('<svg class="chart"') >= 3

    def test_an_unknown_range_falls_back_to_30_days(self, viewer, events):
        assert viewer.get(self.url, {"range": "forever"}).context["range"] == "30d"

    def test_it_narrows_to_one_account(self, viewer, events):
        response = viewer.get(self.url, {"range": "7d", "account": "acc_987"}, **HTMX)
        body = response.content.decode()
        assert body.lstrip().startswith('<div id="metric-charts"') and "acc_987" in body


class TestAudit:
    url = reverse("dashboard:audit")

    def test_it_lists_changes_newest_first_with_their_door(self, viewer, customer):
        page = viewer.get(self.url).content.decode()
        assert "create_customer" in page and "fiona@finance.example" in page and ">page<" in page

    def test_it_filters_by_action_door_actor_and_object(self, viewer, customer):
        assert "create_customer" not in viewer.get(self.url, {"action": "create_account"}).content.decode().split(
            "<tbody>")[1]  # fmt: skip
        assert "No audit entries match." in viewer.get(self.url, {"door": "mcp"}).content.decode()
        assert "No audit entries match." in viewer.get(self.url, {"actor": "nobody"}).content.decode()
        assert "acc_987" in viewer.get(self.url, {"object": "acc_987"}).content.decode()

    def test_it_pages_older_entries(self, viewer, customer, service, actor, monkeypatch):
        from dashboard.selectors import audit

        service.update_customer(s.UpdateCustomerRequest(customerId="cust_123", name="Acme Two"), actor=actor)
        original = audit.audit_page
        monkeypatch.setattr("dashboard.views.activity.audit_page", lambda **kw: original(**{**kw, "page_size": 1}))
        first = viewer.get(self.url)
        older = viewer.get(self.url, {"before": first.context["next_id"]})
        assert first.context["rows"][0].id > older.context["rows"][0].id
