"""Account pages: list and filters, the detail with its panels, create / edit / assign a plan, and
the money writes (grant credit, top up) that refresh the wallet and ledger panels."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from billing_admin.engine.models import AuditLog, Credit, WalletEntry
from billing_admin.service import call
from tests.dashboard.conftest import HTMX

pytestmark = pytest.mark.django_db


def detail(account_id: str = "acc_987") -> str:
    return reverse("dashboard:account-detail", args=[account_id])


def balance(actor, account_id: str = "acc_987"):
    return call("get_wallet_balance", {"accountId": account_id}, actor=actor)


class TestList:
    def test_it_lists_and_searches_accounts(self, viewer, customer):
        page = viewer.get(reverse("dashboard:account-list"), {"q": "Production"}).content.decode()
        assert "Acme Production" in page and "acc_987" in page

    def test_it_filters_by_customer_and_status(self, viewer, customer):
        url = reverse("dashboard:account-list")
        assert "acc_987" in viewer.get(url, {"customer": "cust_123", "status": "ACTIVE"}).content.decode()
        assert "acc_987" not in viewer.get(url, {"status": "ARCHIVED"}).content.decode()

    def test_htmx_gets_only_the_table(self, viewer, customer):
        response = viewer.get(reverse("dashboard:account-list"), {"q": "Acme"}, **HTMX)
        assert response.content.decode().lstrip().startswith('<div id="account-table">')


class TestDetail:
    def test_it_shows_plan_cycle_balance_invoices_and_events(self, viewer, billed, actor):
        call("top_up_wallet", {"accountId": "acc_987", "topupAmount": "250"}, actor=actor)
        page = viewer.get(detail()).content.decode()
        assert "Growth" in page  # the plan
        assert 'id="available-balance">$250.00<' in page
        assert billed.due_invoice in page and "$189.00" in page
        assert "Wallet top-up" in page  # the ledger
        assert "Outstanding" in page and "$189.00" in page

    def test_an_alias_redirects_to_the_account_itself(self, viewer, customer):
        response = viewer.get(detail("acme-prod"))
        assert (response.status_code, response["Location"]) == (302, detail())

    def test_an_unknown_account_is_a_404_page(self, viewer, customer):
        response = viewer.get(detail("acc_nope"))
        assert response.status_code == 404
        assert b"account &#x27;acc_nope&#x27; not found" in response.content or b"not found" in response.content

    def test_a_money_panel_comes_alone_under_htmx(self, viewer, customer):
        response = viewer.get(reverse("dashboard:account-panel", args=["acc_987", "wallet-panel"]), **HTMX)
        body = response.content.decode()
        assert body.lstrip().startswith('<section id="wallet-panel"') and "<html" not in body

    def test_a_money_panel_without_htmx_goes_to_the_account_page(self, viewer, customer):
        response = viewer.get(reverse("dashboard:account-panel", args=["acc_987", "ledger-panel"]))
        assert response["Location"] == detail() + "#ledger-panel"

    def test_an_unknown_panel_is_a_404(self, viewer, customer):
        assert viewer.get(reverse("dashboard:account-panel", args=["acc_987", "secrets"]), **HTMX).status_code == 404


class TestGrantCredit:
    url = reverse("dashboard:account-grant-credit", args=["acc_987"])

    def test_under_htmx_it_grants_returns_a_fresh_form_and_tells_the_panels(self, admin, customer, actor):
        response = admin.post(self.url, {"creditAmount": "25.50", "purpose": "Goodwill", "priority": "50"}, **HTMX)
        assert response.status_code == 200
        body = response.content.decode()
        assert body.lstrip().startswith('<form id="grant-credit-form"')
        assert "Granted $25.50" in body and 'value="25.50"' not in body
        assert json.loads(response["HX-Trigger"]) == {"balance-changed": {"accountId": "acc_987"}}
        assert str(balance(actor).creditBalance) == "25.50"
        panel = admin.get(reverse("dashboard:account-panel", args=["acc_987", "wallet-panel"]), **HTMX)
        assert 'id="credit-balance">$25.50<' in panel.content.decode()

    def test_a_bad_amount_comes_back_on_the_form_and_grants_nothing(self, admin, customer):
        response = admin.post(self.url, {"creditAmount": "-5", "purpose": "Goodwill", "priority": "50"}, **HTMX)
        assert response.status_code == 200
        assert "HX-Trigger" not in response
        assert 'aria-invalid="true"' in response.content.decode()
        assert not Credit.objects.exists()

    def test_an_amount_finer_than_the_currency_is_refused_by_the_service_on_the_form(self, admin, customer):
        response = admin.post(self.url, {"creditAmount": "1.005", "purpose": "Goodwill", "priority": "50"}, **HTMX)
        assert response.status_code == 200
        body = response.content.decode()
        assert 'id="id_creditAmount_errors"><li>1.005 has more decimal places than USD allows' in body
        assert not Credit.objects.exists()

    def test_an_expiry_before_the_start_is_refused_inline(self, admin, customer):
        data = {"creditAmount": "5", "purpose": "Goodwill", "priority": "50",
                "effectiveFrom": "2026-12-10", "effectiveUntil": "2026-12-01"}  # fmt: skip
        response = admin.post(self.url, data, **HTMX)
        assert "must be on or after effectiveFrom" in response.content.decode()
        assert not Credit.objects.exists()

    def test_without_javascript_it_grants_and_returns_to_the_account(self, admin, customer):
        response = admin.post(self.url, {"creditAmount": "10", "purpose": "Goodwill", "priority": "50"}, follow=True)
        assert response.redirect_chain == [(detail() + "#wallet-panel", 302)]
        assert "Credit granted." in response.content.decode()

    def test_without_javascript_an_error_shows_the_form_on_its_own_page(self, admin, customer):
        response = admin.post(self.url, {"creditAmount": "", "purpose": "x", "priority": "50"})
        assert response.status_code == 200
        body = response.content.decode()
        assert "<html" in body and 'id="grant-credit-form"' in body and "This field is required." in body

    def test_the_same_form_submitted_twice_grants_once(self, admin, customer):
        data = {"creditAmount": "10", "purpose": "Goodwill", "priority": "50", "idempotencyKey": "page-abc"}
        admin.post(self.url, data, **HTMX)
        admin.post(self.url, data, **HTMX)
        assert Credit.objects.count() == 1


class TestTopUp:
    url = reverse("dashboard:account-top-up", args=["acc_987"])

    def test_it_tops_up_and_tells_the_panels(self, admin, customer, actor):
        response = admin.post(self.url, {"topupAmount": "100", "description": "Prepayment"}, **HTMX)
        assert "balance-changed" in response["HX-Trigger"]
        assert "it now holds $100.00" in response.content.decode()
        assert balance(actor).walletBalance == 100
        ledger = admin.get(reverse("dashboard:account-panel", args=["acc_987", "ledger-panel"]), **HTMX)
        assert "Prepayment" in ledger.content.decode() and "+$100.00" in ledger.content.decode()

    def test_a_missing_amount_is_an_inline_error(self, admin, customer):
        response = admin.post(self.url, {"topupAmount": ""}, **HTMX)
        assert "This field is required." in response.content.decode()
        assert not WalletEntry.objects.exists()


class TestCreateAndEdit:
    def test_it_creates_an_account_and_goes_to_it(self, admin, customer):
        data = {"id": "acc_eu", "customerId": "cust_123", "name": "Acme Europe", "invoiceCurrency": "eur",
                "status": "ACTIVE", "netTermDays": "15", "tags": "eu, priority"}  # fmt: skip
        response = admin.post(reverse("dashboard:account-create"), data, **HTMX)
        assert response["HX-Redirect"] == detail("acc_eu")
        account = call("get_account", {"accountId": "acc_eu"}, actor=None)
        assert (account.invoiceCurrency, account.netTermDays, account.tags) == ("EUR", 15, ["eu", "priority"])

    def test_a_taken_id_is_an_inline_error(self, admin, customer):
        data = {"id": "acc_987", "customerId": "cust_123", "name": "Again", "status": "ACTIVE"}
        response = admin.post(reverse("dashboard:account-create"), data, **HTMX)
        assert response.status_code == 200
        assert "HX-Redirect" not in response
        assert 'id="id_id_errors"' in response.content.decode()

    def test_an_unknown_customer_is_an_inline_error(self, admin, customer):
        data = {"id": "acc_x", "customerId": "cust_nope", "name": "Lost", "status": "ACTIVE"}
        response = admin.post(reverse("dashboard:account-create"), data)
        assert response.status_code == 200
        assert "cust_nope" in response.content.decode()

    def test_the_new_account_form_starts_with_the_customer_from_the_link(self, admin, customer):
        page = admin.get(reverse("dashboard:account-create"), {"customer": "cust_123"}).content.decode()
        assert 'value="cust_123"' in page

    def test_editing_can_clear_the_tags(self, admin, customer):
        url = reverse("dashboard:account-edit", args=["acc_987"])
        admin.post(url, {"name": "Acme Production", "status": "ACTIVE", "tags": "a, b"})
        admin.post(url, {"name": "Acme Production", "status": "ACTIVE", "tags": ""})
        assert call("get_account", {"accountId": "acc_987"}, actor=None).tags == []

    def test_editing_shows_the_current_values(self, admin, customer):
        page = admin.get(reverse("dashboard:account-edit", args=["acc_987"])).content.decode()
        assert 'value="Acme Production"' in page


class TestAssignPlan:
    def test_it_assigns_a_plan_from_the_list(self, admin, customer, actor):
        from tests.dashboard.factories import meter, tiered_plan

        plan_id = tiered_plan(actor, meter(actor))
        url = reverse("dashboard:account-assign-plan", args=["acc_987"])
        assert f'value="{plan_id}"' in admin.get(url).content.decode()
        response = admin.post(url, {"pricePlanId": plan_id})
        assert response["Location"] == detail()
        assert call("get_account", {"accountId": "acc_987"}, actor=actor).pricePlanId == plan_id
        assert AuditLog.objects.filter(action="update_account", actor_name="fiona").exists()

    def test_a_plan_that_is_not_offered_is_an_inline_error(self, admin, customer):
        response = admin.post(reverse("dashboard:account-assign-plan", args=["acc_987"]), {"pricePlanId": "pp.nope"})
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
