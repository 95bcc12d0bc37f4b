"""The finance pages in headless Chromium: log in, find Acme Corp, open its account, grant a credit and
watch the balance change without a reload; filter invoices by status and date and open one; a
viewer sees no write control; the pages work without JavaScript; every main page renders cleanly
(labelled fields, no console errors) and is saved as a screenshot."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from billing_admin.engine.models import AuditLog, Credit
from tests.browser.conftest import log_in, read_db, screenshot
from tests.dashboard import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def acme(customer, actor) -> factories.Billed:
    """Acme Corp with Acme Production (acc_987) on a plan and one DUE invoice ($189.00, dated Feb 1, 2026),
    a finance admin (fiona) and a viewer (victor)."""
    billed = factories.billed_account(actor)
    factories.finance_admin("fiona")
    factories.viewer("victor")
    return billed


def test_a_finance_admin_finds_acme_and_grants_a_credit_without_a_reload(acme, open_page):
    tab = open_page()
    log_in(tab, "fiona", factories.PASSWORD)
    assert tab.get_by_role("heading", name="Overview").is_visible()

    tab.get_by_role("link", name="Customers", exact=True).click()
    tab.get_by_label("Search by name, email or id").fill("acme")
    tab.locator("#customer-table").get_by_role("link", name="Acme Corp").click()
    tab.get_by_role("heading", name="Acme Corp").wait_for()
    tab.get_by_role("link", name="Acme Production").first.click()
    tab.get_by_role("heading", name="Acme Production").wait_for()
    balance = tab.locator("#available-balance")
    assert balance.inner_text() == "$0.00"

    tab.evaluate("window.__sameDocument = true")  # gone if the page reloads
    form = tab.locator("#grant-credit-form")
    form.get_by_label("Amount").fill("25")
    form.get_by_label("Purpose").fill("Goodwill for the outage")
    form.get_by_role("button", name="Grant credit").click()

    tab.locator("#grant-credit-form").get_by_text("Granted $25.00").wait_for()
    expect(tab.locator("#available-balance")).to_have_text("$25.00")
    assert tab.evaluate("window.__sameDocument") is True
    assert tab.locator("#credit-balance").inner_text() == "$25.00"
    # The ledger reloads on its own request after the balance has changed: wait for it, not just look.
    tab.locator("#ledger-panel").get_by_text("Credit granted").wait_for()
    assert tab.locator("#grant-credit-form").get_by_label("Amount").input_value() == ""  # a fresh form
    assert read_db(lambda: Credit.objects.get().purpose) == "Goodwill for the outage"
    assert read_db(lambda: AuditLog.objects.get(action="grant_credit").door) == "page"
    assert tab.problems == []


def test_a_bad_grant_shows_its_error_in_the_form_and_moves_focus_there(acme, open_page):
    tab = open_page()
    log_in(tab, "fiona", factories.PASSWORD)
    tab.goto("/accounts/acc_987/")
    form = tab.locator("#grant-credit-form")
    form.get_by_label("Amount").fill("1.005")
    form.get_by_label("Purpose").fill("Too precise")
    form.get_by_role("button", name="Grant credit").click()
    tab.get_by_text("1.005 has more decimal places than USD allows").wait_for()
    expect(tab.locator("#id_creditAmount")).to_be_focused()
    assert tab.locator("#available-balance").inner_text() == "$0.00"
    assert not read_db(Credit.objects.exists)


def test_invoices_filter_by_status_and_date_and_one_opens(acme, open_page):
    tab = open_page()
    log_in(tab, "fiona", factories.PASSWORD)
    tab.get_by_role("link", name="Invoices", exact=True).click()
    table = tab.locator("#invoice-table")
    table.get_by_text("Draft").first.wait_for()  # the click navigates; look once the new page is there

    tab.get_by_label("Status").select_option("DUE")
    tab.wait_for_url(re.compile(r"status=DUE"))
    expect(tab.locator("#invoice-table")).not_to_contain_text("Draft")
    assert table.get_by_role("link", name=acme.due_invoice).is_visible()

    tab.get_by_label("Invoice date from").fill("2026-03-01")
    tab.wait_for_url(re.compile(r"start=2026-03-01"))
    table.get_by_text("No invoices match these filters.").wait_for()
    tab.get_by_label("Invoice date from").fill("2026-02-01")
    tab.get_by_label("Invoice date to").fill("2026-02-28")
    tab.wait_for_url(re.compile(r"end=2026-02-28"))
    table.get_by_role("link", name=acme.due_invoice).wait_for()
    assert "status=DUE" in tab.locator("#export-csv").get_attribute("href")
    screenshot(tab, "invoices-filtered")

    table.get_by_role("link", name=acme.due_invoice).click()
    tab.get_by_role("heading", name=f"Invoice {acme.due_invoice}").wait_for()
    assert tab.locator("#invoice-total").inner_text() == "$189.00"
    assert tab.get_by_role("cell", name="Platform fee").is_visible()

    tab.go_back()  # the filters were kept in the URL
    tab.wait_for_url(re.compile(r"status=DUE.*start=2026-02-01|start=2026-02-01.*status=DUE"))
    assert tab.get_by_label("Status").input_value() == "DUE"
    assert tab.problems == []


def test_a_viewer_reads_but_finds_no_write_control(acme, open_page):
    tab = open_page()
    log_in(tab, "victor", factories.PASSWORD)
    tab.goto("/accounts/acc_987/")
    tab.get_by_role("heading", name="Acme Production").wait_for()
    assert tab.locator("#grant-credit-form").count() == 0
    assert tab.get_by_role("button", name="Add to wallet").count() == 0
    assert tab.get_by_role("link", name="Edit").count() == 0
    tab.goto(f"/invoices/{acme.due_invoice}/")
    assert tab.get_by_role("button", name="Update status").count() == 0


def test_the_pages_work_without_javascript(acme, open_page):
    tab = open_page(javascript=False)
    log_in(tab, "fiona", factories.PASSWORD)
    tab.goto("/accounts/acc_987/")
    form = tab.locator("#grant-credit-form")
    form.get_by_label("Amount").fill("10")
    form.get_by_label("Purpose").fill("Without JavaScript")
    form.get_by_role("button", name="Grant credit").click()
    tab.get_by_text("Credit granted.").wait_for()
    assert tab.locator("#available-balance").inner_text() == "$10.00"

    tab.goto("/invoices/")
    tab.get_by_label("Status").select_option("DUE")
    tab.get_by_role("button", name="Apply").click()
    assert "status=DUE" in tab.url
    tab.get_by_role("link", name=acme.due_invoice).click()
    tab.get_by_role("heading", name=f"Invoice {acme.due_invoice}").wait_for()


MAIN_PAGES = [
    ("overview", "/", "Overview"),
    ("customers", "/customers/", "Customers"),
    ("customer", "/customers/cust_123/", "Acme Corp"),
    ("accounts", "/accounts/", "Accounts"),
    ("account", "/accounts/acc_987/", "Acme Production"),
    ("invoices", "/invoices/", "Invoices"),
    ("invoice", None, "Invoice"),
    ("meters", "/meters/", "Usage meters"),
    ("meter", "/meters/api_requests/", "API requests"),
    ("plans", "/plans/", "Price plans"),
    ("plan", "/plans/Growth/", "Growth"),
    ("plan-builder", "/plans/new/", "Plan builder"),
    ("events", "/events/", "Events explorer"),
    ("metrics", "/metrics/", "Metrics"),
    ("audit", "/audit/", "Audit log"),
    ("tokens", "/tokens/", "API tokens"),
]

UNLABELLED = """() => [...document.querySelectorAll('main input, main select, main textarea')]
  .filter(el => el.type !== 'hidden' && !el.labels.length && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id)"""


def test_every_main_page_renders_cleanly_and_is_saved_as_a_screenshot(acme, open_page):
    tab = open_page()
    log_in(tab, "fiona", factories.PASSWORD)
    for name, path, heading in MAIN_PAGES:
        tab.goto(path or f"/invoices/{acme.due_invoice}/")
        tab.locator("h1").filter(has_text=heading).first.wait_for()
        assert tab.locator("h1").count() == 1, name
        assert tab.evaluate(UNLABELLED) == [], name
        screenshot(tab, name)
    tab.goto("/login/")  # already logged in: sent on to the overview
    assert tab.problems == []
