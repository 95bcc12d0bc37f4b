"""Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the real app served by
uvicorn on a free port, in a thread of the test process.

The server's threads see only committed rows, so these tests use `transactional_db`; the data they
need is made through the service layer before the browser starts. Screenshots of the main pages go
to `tests/browser/artifacts/` (git-ignored).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db.backends.base.base import BaseDatabaseWrapper

T = TypeVar("T")
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if shutil.which(CHROMIUM) is None:
        skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (.ci/run installs it)")
        for item in items:
            if "browser" in item.keywords and Path(str(item.fspath)).parent == Path(__file__).parent:
                item.add_marker(skip)


@dataclass(frozen=True)
class LiveApp:
    url: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Every blocked inline script, style or handler becomes a console error, so `tab.problems` has it.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


SERVER_SESSION = "browser-test-server"


def _tag_session(sender: object, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Name each database session by who borrowed it from the pool last: the server's threads, or
    the test itself, so teardown ends exactly the server's."""
    if connection.vendor == "postgresql":
        server = threading.current_thread() is not threading.main_thread()
        with connection.cursor() as cursor:
            cursor.execute("SET application_name = %s", [SERVER_SESSION if server else "pytest"])


@contextmanager
def server_sessions_ended() -> Iterator[None]:
    """Around a live server's life. A request still streaming when the server stopped can keep its
    connection checked out of the pool for good, which would keep PostgreSQL from dropping the test
    database: its sessions are ended, and a fresh pool replaces the one they were lent from."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    connection_created.connect(_tag_session)
    try:
        yield
    finally:
        connection_created.disconnect(_tag_session)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = %s",
                    [SERVER_SESSION],
                )
            connection.close()
            connection.close_pool()


@pytest.fixture
def live_app(transactional_db, settings) -> Iterator[LiveApp]:
    """The Django app under uvicorn. Static files come from the finders (no collectstatic needed)."""
    import uvicorn
    from django.core.handlers.asgi import ASGIHandler

    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(ASGIHandler(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    with server_sessions_ended():
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        yield LiveApp(url=f"http://127.0.0.1:{port}")
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture
def chromium(monkeypatch):
    """A headless Chromium. Playwright's sync API keeps an event loop on this thread, so the test's own
    database reads go through `read_db`; DJANGO_ALLOW_ASYNC_UNSAFE covers anything else."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def open_page(live_app, chromium):
    """`open_page(javascript=True)`: a fresh browser tab on the live app, 1440×900, that records
    console errors, Content-Security-Policy violations and failed responses in `tab.problems`."""
    contexts = []

    def make(*, javascript: bool = True):
        context = chromium.new_context(
            base_url=live_app.url, viewport={"width": 1440, "height": 900}, java_script_enabled=javascript
        )
        contexts.append(context)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        tab.problems = []
        tab.on("console", lambda message: message.type == "error" and tab.problems.append(message.text))
        tab.on("pageerror", lambda error: tab.problems.append(str(error)))
        tab.on("response", lambda r: r.status >= 500 and tab.problems.append(f"{r.status} {r.url}"))
        return tab

    yield make
    for context in contexts:
        context.close()


def read_db(query: Callable[[], T]) -> T:
    """Run a test's own database read in a short-lived thread that closes its connection. Called while
    Playwright drives the browser, the ORM would otherwise open a session of its own that outlives the
    test (and keeps PostgreSQL from dropping the test database)."""
    from django.db import connections

    outcome: dict = {}

    def work() -> None:
        try:
            outcome["value"] = query()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = exc
        finally:
            connections.close_all()

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def log_in(tab, username: str, password: str) -> None:
    tab.goto("/login/")
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url("**/")


def screenshot(tab, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path
