"""With BILLING_BACKEND=togai the invoice list and export, the account's money panels and the overview
answer from the Togai API (a hosted-Togai look-alike over real HTTP), never from the embedded
engine's tables, and say plainly what hosted Togai does not offer."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard import togai_reads
from tests.billing_admin.togai.fake_togai import FakeTogai
from tests.dashboard.conftest import HTMX

pytestmark = pytest.mark.django_db
LIST = reverse("dashboard:invoice-list")
EXPORT = reverse("dashboard:invoice-export")
OVERVIEW = reverse("dashboard:overview")


@pytest.fixture
def togai_mode(billed, togai_backend):  # billed first: it is written to the local engine
    """Togai as the backend, while the local engine still holds a DUE invoice of its own (`billed`)
    that must not show anywhere."""
    togai = togai_backend
    togai.create_customer(
        query={},
        body={
            "id": "cust_togai",
            "name": "Togai Only Ltd",
            "primaryEmail": "ap@togai-only.example",
            "address": {"country": "DE"},
            "account": {"id": "acc_togai", "name": "Togai Only Production", "invoiceCurrency": "EUR"},
        },
    )
    return togai


def togai_invoice(togai: FakeTogai, **fields) -> str:
    return togai.add_invoice(ownerId="acc_togai", customerId="cust_togai", **fields)["id"]


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


class TestInvoiceList:
    def test_it_lists_togais_invoices_and_not_the_local_ones(self, viewer, togai_mode, billed):
        invoice = togai_invoice(togai_mode, totalAmount=250)
        page = text(viewer.get(LIST))
        assert invoice in page and "€250.00" in page and "acc_togai" in page
        assert billed.due_invoice not in page and "$189.00" not in page

    def test_sorting_is_hidden_and_the_reason_said_once(self, viewer, togai_mode):
        togai_invoice(togai_mode)
        page = text(viewer.get(LIST, {"sort": "-total"}))
        assert 'name="sort"' not in page
        assert page.count(togai_reads.LIST_NOTE) == 1

    def test_the_filters_reach_togai(self, viewer, togai_mode):
        due = togai_invoice(togai_mode, status="DUE")
        paid = togai_invoice(togai_mode, status="PAID")
        page = text(viewer.get(LIST, {"status": "PAID", "account": "acc_togai", "customer": "cust_togai"}))
        assert paid in page and due not in page
        asked = togai_mode.calls("GET", "/invoices")[-1].query
        assert asked["status"] == "PAID" and asked["owner_id"] == "acc_togai" and asked["customer_id"] == "cust_togai"

    def test_next_page_follows_togais_cursor_and_leads_back_to_the_first(self, viewer, togai_mode):
        ids = [togai_invoice(togai_mode) for _ in range(55)]
        first = text(viewer.get(LIST))
        assert ids[0] in first and ids[49] in first and ids[50] not in first and "50 shown" in first
        token = togai_mode.calls("GET", "/invoices")[-1]  # the first page's request
        assert "nextToken" not in token.query
        next_link = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
        second = text(viewer.get(LIST + next_link))
        assert ids[50] in second and ids[54] in second and ids[0] not in second and "5 shown" in second
        assert "← First page" in second and 'rel="next"' not in second

    def test_htmx_gets_the_table_from_togai(self, viewer, togai_mode, billed):
        invoice = togai_invoice(togai_mode)
        fragment = text(viewer.get(LIST, {"status": "DUE"}, **HTMX))
        assert fragment.lstrip().startswith('<div id="invoice-table"')
        assert invoice in fragment and billed.due_invoice not in fragment

    def test_a_refusal_from_togai_is_said_on_the_page(self, viewer, togai_mode):
        togai_mode.fail("GET", "/invoices", 400, body={"message": "nextToken is not valid"})
        page = text(viewer.get(LIST, {"after": "garbage"}))
        assert "nextToken is not valid" in page and "No invoices match these filters." in page


class TestInvoiceExport:
    def test_the_csv_follows_every_togai_page_and_holds_no_local_invoice(self, viewer, togai_mode, billed):
        ids = [togai_invoice(togai_mode, totalAmount=10) for _ in range(55)]
        response = viewer.get(EXPORT, {"status": "DUE"})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert [row[0] for row in rows[1:]] == ids
        assert rows[1][1] == "DUE" and rows[1][4] == "acc_togai" and rows[1][10] == "EUR"
        assert billed.due_invoice not in {row[0] for row in rows}
        assert len(togai_mode.calls("GET", "/invoices")) == 2

    def test_an_export_togai_refuses_goes_back_to_the_list_saying_why(self, viewer, togai_mode):
        togai_mode.fail("GET", "/invoices", 403, body={"message": "This token has no access to invoices"})
        response = viewer.get(EXPORT, {"status": "DUE"}, follow=True)
        page = text(response)
        assert response.redirect_chain[0][0] == f"{LIST}?status=DUE"
        assert "The export could not start" in page and "no access to invoices" in page


class TestAccountMoney:
    def test_the_wallet_shows_togais_balance_and_says_the_ledger_is_not_offered(self, viewer, togai_mode):
        togai_mode.top_up("acc_togai", query={}, body={"topupAmount": Decimal("75")})
        page = text(viewer.get(reverse("dashboard:account-detail", args=["acc_togai"])))
        wallet = page.split('id="wallet-panel"')[1].split("</section>")[0]
        assert 'id="wallet-balance">€75.00<' in wallet and 'id="available-balance">€75.00<' in wallet
        ledger = page.split('id="ledger-panel"')[1].split("</section>")[0]
        assert "not available from hosted Togai" in ledger and "<table>" not in ledger

    def test_credits_hosted_togai_does_not_list_are_said_plainly(self, viewer, togai_mode):
        togai_mode.grant_credits(
            query={},
            body={"creditRequests": [{"accountId": "acc_togai", "purpose": "Promo", "creditAmount": 20,
                                      "priority": 1, "effectiveFrom": "2026-11-01"}]},
        )  # fmt: skip
        page = text(viewer.get(reverse("dashboard:account-detail", args=["acc_togai"])))
        assert 'id="credit-balance">€20.00<' in page and togai_reads.CREDITS_UNLISTED in page

    def test_the_panel_refresh_reads_togai_too(self, viewer, togai_mode):
        togai_mode.top_up("acc_togai", query={}, body={"topupAmount": Decimal("12.5")})
        url = reverse("dashboard:account-panel", args=["acc_togai", "wallet-panel"])
        fragment = text(viewer.get(url, **HTMX))
        assert 'id="wallet-balance">€12.50<' in fragment

    def test_a_local_account_unknown_to_togai_is_not_found(self, viewer, togai_mode, billed):
        url = reverse("dashboard:account-panel", args=[billed.account_id, "wallet-panel"])
        assert viewer.get(url, **HTMX).status_code == 404


def outstanding_kpi(page: str) -> str:
    return page.split('<h2 class="label">Outstanding</h2>')[1].split('<div class="card kpi">')[0]


class TestOverview:
    def test_what_is_owed_comes_from_togais_unpaid_invoices(self, viewer, togai_mode, billed):
        old = togai_invoice(togai_mode, status="DUE", totalAmount=250, paidAmount=0, invoiceDate="2026-08-01T00:00:00Z")
        togai_invoice(togai_mode, status="PARTIALLY_PAID", totalAmount=100, paidAmount=40)
        togai_invoice(togai_mode, status="PAID", totalAmount=999, paidAmount=999)
        page = text(viewer.get(OVERVIEW))
        owed = outstanding_kpi(page)
        assert "€310.00" in owed and "2 invoices unpaid · EUR" in owed and "$189.00" not in owed
        oldest = page.split('id="owed-title"')[1].split("</section>")[0]
        assert oldest.index(old) < oldest.index("€60.00")
        assert billed.due_invoice not in oldest  # it still shows under recent changes: audit is local
        asked = {call.query.get("status") for call in togai_mode.calls("GET", "/invoices")}
        assert asked == {"DUE", "PARTIALLY_PAID"}

    def test_nothing_owed_on_togai_means_nothing_owed_here(self, viewer, togai_mode, billed):
        page = text(viewer.get(OVERVIEW))
        assert "Nothing owed" in outstanding_kpi(page)
        oldest = page.split('id="owed-title"')[1].split("</section>")[0]
        assert "No invoices are waiting for payment." in oldest and billed.due_invoice not in oldest

    def test_usage_leaders_come_from_togais_metrics_by_account(self, viewer, togai_mode, monkeypatch):
        monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 20, tzinfo=UTC))
        for account, times in (("acc_togai", 3), ("acc_other", 1)):
            togai_mode.events += [{"eventPayload": {"accountId": account}} for _ in range(times)]
        top = text(viewer.get(OVERVIEW)).split('id="top-title"')[1].split("</section>")[0]
        assert top.index("acc_togai") < top.index("acc_other")
        assert "Acme Production" not in top

    def test_unpaid_invoices_togai_will_not_list_are_said_plainly(self, viewer, togai_mode):
        togai_mode.fail("GET", "/invoices", 403, body={"message": "This token has no access to invoices"})
        owed = outstanding_kpi(text(viewer.get(OVERVIEW)))
        assert "no access to invoices" in owed and "Nothing owed" not in owed

    def test_usage_leaders_togai_cannot_split_by_account_are_said_plainly(self, viewer, togai_mode):
        series = {"timestamps": ["2026-11-01T00:00:00Z"], "metricValues": [7]}
        ungrouped = {"results": [{"id": "q", "name": "EVENTS", "data": [series]}]}
        togai_mode.fail("POST", "/metrics", 200, times=3, body=ungrouped)  # revenue, ingestion, leaders
        top = text(viewer.get(OVERVIEW)).split('id="top-title"')[1].split("</section>")[0]
        assert togai_reads.LEADERS_UNAVAILABLE.message in top


class TestRefusedPages:
    """A record Togai refuses to give is said in the page's place: never an error page."""

    @pytest.mark.parametrize(
        ("path", "url", "title"),
        [
            ("/accounts/acc_togai", reverse("dashboard:account-detail", args=["acc_togai"]), "Account acc_togai"),
            ("/customers/cust_togai", reverse("dashboard:customer-detail", args=["cust_togai"]), "Customer cust_togai"),
            ("/invoices/inv_1", reverse("dashboard:invoice-detail", args=["inv_1"]), "Invoice"),
        ],
    )
    def test_a_refused_record_page_says_why(self, viewer, togai_mode, path, url, title):
        togai_mode.fail("GET", path, 403, body={"message": "This token may not read that"})
        response = viewer.get(url)
        page = text(response)
        assert response.status_code == 200
        assert title in page and "cannot be shown" in page and "This token may not read that" in page

    def test_a_refused_account_cannot_be_edited_and_says_why(self, admin, togai_mode):
        togai_mode.fail("GET", "/accounts/acc_togai", 403, body={"message": "This token may not read that"})
        page = text(admin.get(reverse("dashboard:account-edit", args=["acc_togai"])))
        assert "Account acc_togai cannot be edited" in page and "This token may not read that" in page
