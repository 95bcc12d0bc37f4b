"""The pages under their Content-Security-Policy in headless Chromium: the dashboard, an HTMX swap
and the chat panel work, and the browser reports no violation (the policy is on in tests as in
production, and `tab.problems` records every violation as a console error)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in
from tests.chat.fake_messages_api import FakeMessagesAPI, say
from tests.dashboard import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fake_api(settings):
    api = FakeMessagesAPI().start()
    settings.ANTHROPIC_API_KEY = "sk-test-browser"
    settings.ANTHROPIC_BASE_URL = api.base_url
    yield api
    api.stop()


def test_the_dashboard_an_htmx_swap_and_the_chat_panel_work_with_no_csp_violation(customer, actor, fake_api, open_page):
    factories.billed_account(actor)
    factories.finance_admin("fiona")
    fake_api.script(say("Acme Corp is your customer."))
    tab = open_page()
    response = tab.goto("/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    log_in(tab, "fiona", factories.PASSWORD)
    assert tab.get_by_role("heading", name="Overview").is_visible()

    tab.get_by_role("link", name="Customers", exact=True).click()
    tab.locator("#customer-table").get_by_text("Acme Corp").wait_for()
    tab.evaluate("window.__sameDocument = true")
    tab.get_by_label("Search by name, email or id").fill("no such customer")
    tab.locator("#customer-table").get_by_text("Acme Corp").wait_for(state="detached")  # swapped by htmx
    assert tab.evaluate("window.__sameDocument") is True

    panel = tab.locator("#chat-panel")
    panel.get_by_label("Message").fill("Who are my customers?")
    panel.get_by_role("button", name="Send").click()
    panel.get_by_text("Acme Corp is your customer.").wait_for(timeout=15_000)
    panel.locator(".chat-live").wait_for(state="detached", timeout=15_000)
    assert tab.problems == []


def test_a_violation_would_be_caught(customer, actor, open_page):
    # The watch above can fail: an inline style set on the live page is refused and reported.
    factories.finance_admin("fiona")
    tab = open_page()
    log_in(tab, "fiona", factories.PASSWORD)
    tab.evaluate("document.body.insertAdjacentHTML('beforeend', '<div style=\"color: red\">x</div>')")
    tab.wait_for_timeout(200)
    assert any("CSP violation: style-src" in problem for problem in tab.problems), tab.problems
