"""Customer pages: search and pages, the detail with its accounts, create (with a first account) and edit."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from billing_admin.service import call
from tests.dashboard.conftest import HTMX

pytestmark = pytest.mark.django_db
LIST = reverse("dashboard:customer-list")


def add_customers(actor, count: int) -> None:
    for n in range(count):
        call("create_customer", {"id": f"cust_{n:03}", "name": f"Customer {n:03}", "primaryEmail": f"c{n}@ex.example"},
             actor=actor)  # fmt: skip


class TestList:
    def test_it_finds_acme_corp_by_name(self, viewer, customer):
        page = viewer.get(LIST, {"q": "acme"}).content.decode()
        assert "Acme Corp" in page and reverse("dashboard:customer-detail", args=["cust_123"]) in page

    def test_a_search_that_matches_nothing_says_so(self, viewer, customer):
        assert "No customers found." in viewer.get(LIST, {"q": "zzz"}).content.decode()

    def test_htmx_gets_only_the_table(self, viewer, customer):
        body = viewer.get(LIST, {"q": "acme"}, **HTMX).content.decode()
        assert body.lstrip().startswith('<div id="customer-table">') and "Acme Corp" in body

    def test_it_pages_with_a_cursor_kept_in_the_url(self, viewer, customer, actor, monkeypatch):
        from dashboard.views import customers

        monkeypatch.setattr(customers, "PAGE_SIZE", 2)
        add_customers(actor, 3)
        first = viewer.get(LIST)
        token = first.context["page"].nextToken
        assert f'href="?{urlencode({"cursor": token})}"' in first.content.decode()
        second = viewer.get(LIST, {"cursor": token}).context["page"]
        assert [c.id for c in second.data] == ["cust_002", "cust_123"]

    def test_a_cursor_that_is_not_ours_shows_an_empty_state_not_an_error(self, viewer, customer):
        response = viewer.get(LIST, {"cursor": "garbage"})
        assert response.status_code == 200 and "nextToken" in response.content.decode()


class TestDetail:
    def test_it_shows_the_profile_and_accounts(self, viewer, customer):
        page = viewer.get(reverse("dashboard:customer-detail", args=["cust_123"])).content.decode()
        assert "billing@acme.example" in page and "Acme Production" in page and "acc_987" in page

    def test_an_unknown_customer_is_a_404(self, viewer, customer):
        assert viewer.get(reverse("dashboard:customer-detail", args=["cust_nope"])).status_code == 404


class TestCreate:
    url = reverse("dashboard:customer-create")

    def test_it_creates_a_customer_with_a_first_account(self, admin, db):
        data = {"id": "cust_new", "name": "Newco Ltd", "primaryEmail": "ap@newco.example", "country": "de",
                "accountId": "acc_new", "accountName": "Newco Main", "accountCurrency": "eur"}  # fmt: skip
        response = admin.post(self.url, data, **HTMX)
        assert response["HX-Redirect"] == reverse("dashboard:customer-detail", args=["cust_new"])
        made = call("get_customer", {"customerId": "cust_new"}, actor=None)
        assert made.address.country == "DE"
        assert [(a.id, a.invoiceCurrency) for a in made.accounts] == [("acc_new", "EUR")]

    def test_an_account_id_without_a_name_is_an_inline_error(self, admin, db):
        data = {"id": "cust_new", "name": "Newco Ltd", "primaryEmail": "ap@newco.example", "accountId": "acc_new"}
        response = admin.post(self.url, data, **HTMX)
        assert "give both the id and the name" in response.content.decode()

    def test_a_taken_id_is_an_inline_error_and_nothing_changes(self, admin, customer):
        data = {"id": "cust_123", "name": "Someone Else", "primaryEmail": "x@ex.example"}
        response = admin.post(self.url, data, **HTMX)
        assert response.status_code == 200 and "already exists" in response.content.decode()
        assert call("get_customer", {"customerId": "cust_123"}, actor=None).name == "Acme Corp"

    def test_a_bad_email_is_an_inline_error(self, admin, db):
        response = admin.post(self.url, {"id": "cust_x", "name": "Xylo", "primaryEmail": "nope"})
        assert response.status_code == 200 and "Enter a valid email address." in response.content.decode()


class TestEdit:
    def test_it_saves_and_shows_the_change(self, admin, customer):
        url = reverse("dashboard:customer-edit", args=["cust_123"])
        assert 'value="Acme Corp"' in admin.get(url).content.decode()
        response = admin.post(url, {"name": "Acme Corporation", "primaryEmail": "ap@acme.example"}, follow=True)
        page = response.content.decode()
        assert "Customer saved." in page and "Acme Corporation" in page and "ap@acme.example" in page
