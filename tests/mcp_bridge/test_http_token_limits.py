"""Bearer tokens at /mcp: an expired token gets a 401 naming its expiry; an address that keeps
sending refused tokens gets 429 with Retry-After, while a good token from another address works."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx2
import pytest
from django.conf import settings
from django.utils import timezone

from billing_admin.engine.tokens import token_create

pytestmark = pytest.mark.django_db(transaction=True)

LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
HEADERS = {
    "Accept": "application/json, text/event-stream",
    "Content-Type": "application/json",
    "MCP-Protocol-Version": "2025-11-25",
}


def post(url: str, token: str, source: str = "127.0.0.1") -> httpx2.Response:
    # Another loopback source address is another client address to the server.
    with httpx2.Client(transport=httpx2.HTTPTransport(local_address=source), timeout=10) as http:
        return http.post(url, json=LIST_TOOLS, headers={**HEADERS, "Authorization": f"Bearer {token}"})


def test_an_expired_token_is_refused_with_its_expiry_in_the_401(mcp_url, admin):
    expires = timezone.now() + timedelta(seconds=3)
    issued = token_create(name="short-lived", scope="read", actor=admin, expires_at=expires)
    assert post(mcp_url, issued.raw).status_code == 200
    time.sleep((expires - timezone.now()).total_seconds() + 0.1)
    response = post(mcp_url, issued.raw)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert "'short-lived' expired on" in response.json()["message"]


def test_after_too_many_bad_tokens_the_address_gets_429_and_another_address_still_works(mcp_url, read_token):
    for attempt in range(settings.TOKEN_FAILURE_LIMIT):
        assert post(mcp_url, f"ba_guess_{attempt}").status_code == 401, attempt

    refused = post(mcp_url, "ba_guess_more")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= settings.TOKEN_FAILURE_WINDOW
    assert refused.json()["error"] == "too_many_requests"
    assert post(mcp_url, read_token.raw).status_code == 429
    assert post(mcp_url, read_token.raw, source="127.0.0.2").status_code == 200
