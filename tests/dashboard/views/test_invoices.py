"""Invoice pages: the filtered list (filters in the URL, keyset pages), CSV export, the detail with
its line-item tree, and settling a DUE invoice with a reason."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from billing_admin.engine.models import AuditLog
from billing_admin.service import call
from tests.dashboard.conftest import HTMX

pytestmark = pytest.mark.django_db
LIST = reverse("dashboard:invoice-list")


def listed(client, **params) -> str:
    return client.get(LIST, params).content.decode()


class TestList:
    def test_it_lists_finalized_invoices_and_live_drafts(self, viewer, billed):
        page = listed(viewer)
        assert billed.due_invoice in page and "$189.00" in page
        assert "Draft" in page  # the open cycles, priced live

    def test_it_filters_by_status(self, viewer, billed):
        assert billed.due_invoice in listed(viewer, status="DUE")
        assert billed.due_invoice not in listed(viewer, status="PAID")

    def test_it_filters_by_invoice_date_range(self, viewer, billed):
        # The January invoice is dated when its cycle ended: February 1, 2026.
        assert billed.due_invoice in listed(viewer, start="2026-02-01", end="2026-02-01")
        assert billed.due_invoice not in listed(viewer, start="2026-02-02")
        assert billed.due_invoice not in listed(viewer, end="2026-01-31")

    def test_it_filters_by_account_alias_and_customer(self, viewer, billed):
        assert billed.due_invoice in listed(viewer, account="acme-prod", customer="cust_123")
        assert billed.due_invoice not in listed(viewer, customer="cust_other")

    def test_an_unknown_account_says_so(self, viewer, billed):
        assert "No account has the id or alias &#x27;acc_nope&#x27;." in listed(viewer, account="acc_nope")

    def test_a_to_date_before_the_from_date_says_so(self, viewer, billed):
        assert "before the &#x27;From&#x27; date" in listed(viewer, start="2026-03-01", end="2026-02-01")

    def test_sorting_by_total_leaves_drafts_out_and_says_so(self, viewer, billed):
        page = listed(viewer, sort="-total")
        assert billed.due_invoice in page and "Draft" not in page.split("<tbody>")[1]
        assert "drafts (open cycles, still accruing) are left out" in page

    def test_invalid_filters_are_ignored_not_an_error(self, viewer, billed):
        response = viewer.get(LIST, {"status": "SHREDDED", "start": "yesterday", "sort": "colour"})
        assert response.status_code == 200 and billed.due_invoice in response.content.decode()

    def test_htmx_gets_the_table_and_an_export_link_that_follows_the_filters(self, viewer, billed):
        body = viewer.get(LIST, {"status": "DUE"}, **HTMX).content.decode()
        assert body.lstrip().startswith('<div id="invoice-table"') and "<html" not in body
        assert 'id="export-csv" hx-swap-oob="true" href="/invoices/export.csv?status=DUE"' in body

    def test_the_filters_form_pushes_them_into_the_url(self, viewer, billed):
        page = listed(viewer)
        assert 'hx-get="/invoices/"' in page and 'hx-push-url="true"' in page and 'method="get"' in page

    def test_pages_walk_forwards_and_back(self, viewer, billed, monkeypatch):
        from dashboard.views import invoices

        monkeypatch.setattr(invoices, "PAGE_SIZE", 1)
        viewer.get(reverse("dashboard:account-detail", args=["acc_987"]))  # opens the current cycle's draft
        every = call("list_invoices", {"accountId": "acc_987", "pageSize": 200}, actor=None).data
        assert len(every) >= 3
        first = viewer.get(LIST).context["page"]
        second = viewer.get(LIST, {"after": first.next_cursor}).context["page"]
        third = viewer.get(LIST, {"after": second.next_cursor}).context["page"]
        back = viewer.get(LIST, {"before": third.prev_cursor}).context["page"]
        assert [r.id for r in back.rows] == [r.id for r in second.rows]
        assert len({r.id for p in (first, second, third) for r in p.rows}) == 3
        newest_first = [r.invoice_date for p in (first, second, third) for r in p.rows]
        assert newest_first == sorted(newest_first, reverse=True)
        assert first.prev_cursor is None and second.prev_cursor and back.prev_cursor
        assert viewer.get(LIST, {"before": second.prev_cursor}).context["page"].prev_cursor is None

    def test_a_broken_page_link_shows_the_first_page(self, viewer, billed):
        page = listed(viewer, after="not-a-cursor")
        assert "That page link was not valid" in page and billed.due_invoice in page


class TestExport:
    def test_it_exports_every_matching_invoice_as_csv(self, viewer, billed):
        response = viewer.get(reverse("dashboard:invoice-export"), {"status": "DUE"})
        assert response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"].startswith('attachment; filename="invoices-')
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert [(r["Invoice"], r["Status"], r["Total"], r["Account id"]) for r in rows] == [
            (billed.due_invoice, "DUE", "189.00", "acc_987")
        ]

    def test_drafts_export_with_their_charges_so_far(self, viewer, billed):
        response = viewer.get(reverse("dashboard:invoice-export"), {"status": "DRAFT"})
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert rows and all(r["Status"] == "DRAFT" for r in rows)


class TestDetail:
    def test_it_shows_the_line_item_tree(self, viewer, billed):
        page = viewer.get(reverse("dashboard:invoice-detail", args=[billed.due_invoice])).content.decode()
        assert 'id="invoice-total">$189.00<' in page
        for line in ("Invoice total", "API requests", "Platform fee", "$100.00", "$40.00", "$49.00"):
            assert line in page, line

    def test_an_unknown_invoice_is_a_404(self, viewer, customer):
        assert viewer.get(reverse("dashboard:invoice-detail", args=["inv.nope"])).status_code == 404


class TestSettle:
    def url(self, invoice_id: str) -> str:
        return reverse("dashboard:invoice-status", args=[invoice_id])

    def test_a_finance_admin_marks_it_paid_with_a_reason(self, admin, billed):
        response = admin.post(self.url(billed.due_invoice), {"status": "PAID", "reason": "Wire received"}, **HTMX)
        assert response["HX-Redirect"] == reverse("dashboard:invoice-detail", args=[billed.due_invoice])
        invoice = call("get_invoice", {"invoiceId": billed.due_invoice}, actor=None)
        assert (invoice.status, invoice.statusReason) == ("PAID", "Wire received")
        entry = AuditLog.objects.get(action="update_invoice_status")
        assert (entry.actor_name, entry.door) == ("fiona", "page")
        page = admin.get(reverse("dashboard:invoice-detail", args=[billed.due_invoice])).content.decode()
        assert "is now paid" in page and "Settle this invoice" not in page

    def test_voiding_without_a_reason_is_an_inline_error(self, admin, billed):
        response = admin.post(self.url(billed.due_invoice), {"status": "VOID", "reason": ""}, **HTMX)
        assert response.status_code == 200
        assert response.content.decode().lstrip().startswith('<form id="invoice-status-form"')
        assert "This field is required." in response.content.decode()
        assert call("get_invoice", {"invoiceId": billed.due_invoice}, actor=None).status == "DUE"

    def test_settling_twice_is_an_inline_error_not_a_500(self, admin, billed):
        admin.post(self.url(billed.due_invoice), {"status": "PAID", "reason": "Wire received"})
        response = admin.post(self.url(billed.due_invoice), {"status": "VOID", "reason": "Mistake"}, **HTMX)
        assert response.status_code == 200
        assert 'class="form-errors" role="alert"' in response.content.decode()

    def test_settling_an_unknown_invoice_is_an_inline_error(self, admin, customer):
        response = admin.post(self.url("inv.nope"), {"status": "PAID", "reason": "Wire received"})
        assert response.status_code == 404
