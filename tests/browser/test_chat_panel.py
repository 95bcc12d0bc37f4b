"""The chat panel in headless Chromium against the app under uvicorn and a scripted Messages API:
send a message, watch the answer stream in, approve a grant."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn
from django.contrib.auth.models import Group, User
from django.core.handlers.asgi import ASGIHandler
from django.test import Client

from billing_admin.engine.models import AuditLog
from dashboard.access import FINANCE_ADMINS
from tests.browser.conftest import server_sessions_ended
from tests.chat.fake_messages_api import FakeMessagesAPI, Turn, last_tool_result, say, use

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fake_api(settings):
    api = FakeMessagesAPI().start()
    settings.ANTHROPIC_API_KEY = "sk-test-browser"
    settings.ANTHROPIC_BASE_URL = api.base_url
    yield api
    api.stop()


@pytest.fixture
def app_url(settings):
    settings.WHITENOISE_USE_FINDERS = True  # serve static files without collectstatic
    settings.WHITENOISE_AUTOREFRESH = True
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(ASGIHandler(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    with server_sessions_ended():
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def page(app_url, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own ORM reads are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    fiona = User.objects.create_user("fiona")
    fiona.groups.add(Group.objects.get_or_create(name=FINANCE_ADMINS)[0])
    client = Client()
    client.force_login(fiona)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        context = browser.new_context(base_url=app_url)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": app_url}])
        yield context.new_page()
        browser.close()


def test_a_person_asks_in_the_panel_and_approves_a_grant(customer, fake_api, page):
    fake_api.script(
        use("list_customers", {"pageSize": 10}, text="Let me check your customers first."),
        say(lambda r: "Acme Corp is your customer." if "Acme Corp" in last_tool_result(r) else "none"),
        use("grant_credit", {"accountId": "acc_987", "creditAmount": "50.00", "purpose": "Outage on Nov 22"}),
        say("Granted 50.00 USD of credit to acc_987."),
    )
    page.goto("/")
    panel = page.locator("#chat-panel")
    panel.get_by_label("Message").fill("Who are my customers?")
    panel.get_by_role("button", name="Send").click()
    panel.get_by_text("Acme Corp is your customer.").wait_for(timeout=15_000)
    assert panel.get_by_text("Let me check your customers first.").is_visible()
    assert panel.locator("article[aria-label='list_customers tool call']").count() == 1
    # Send stays disabled until the reply has finished and the transcript has reloaded.
    panel.locator(".chat-live").wait_for(state="detached", timeout=15_000)

    panel.get_by_label("Message").fill("Give Acme 50 dollars of credit for yesterday's outage.")
    panel.get_by_role("button", name="Send").click()
    card = panel.locator("article[aria-label='grant_credit tool call']")
    card.get_by_role("button", name="Approve").wait_for(timeout=15_000)
    assert "acc_987" in card.inner_text() and "50.00" in card.inner_text() and "USD" in card.inner_text()
    assert not AuditLog.objects.filter(action="grant_credit").exists()

    card.get_by_role("button", name="Approve").click()
    panel.get_by_text("Granted 50.00 USD of credit to acc_987.").wait_for(timeout=15_000)
    assert AuditLog.objects.filter(action="grant_credit", door="chat").count() == 1


def test_send_waits_for_the_reply_and_a_message_typed_meanwhile_is_kept(customer, fake_api, page):
    fake_api.script(Turn(text="Acme Corp and Globex.", delay=2.0))
    page.goto("/")
    panel = page.locator("#chat-panel")
    panel.get_by_label("Message").fill("Who are my customers?")
    panel.get_by_role("button", name="Send").click()
    panel.get_by_text("Claude is working…").wait_for(timeout=15_000)
    assert panel.get_by_role("button", name="Send").is_disabled()
    panel.get_by_label("Message").fill("And their balances?")

    panel.get_by_text("Acme Corp and Globex.").wait_for(timeout=15_000)
    panel.locator(".chat-live").wait_for(state="detached", timeout=15_000)
    assert panel.get_by_role("button", name="Send").is_enabled()
    assert panel.get_by_label("Message").input_value() == "And their balances?"
