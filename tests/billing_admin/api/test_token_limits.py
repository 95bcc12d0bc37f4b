"""Bearer tokens at the REST door: expired tokens are refused with their own message, and an address
that keeps sending refused tokens is answered 429 with Retry-After while other addresses carry on."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from billing_admin.actors import Actor
from billing_admin.engine.tokens import token_create

pytestmark = pytest.mark.django_db

ATTACKER, NEIGHBOUR = "203.0.113.7", "198.51.100.20"


def get_customers(client: Client, raw: str, address: str = ATTACKER) -> HttpResponse:
    return client.get("/api/customers", headers={"Authorization": f"Bearer {raw}"}, REMOTE_ADDR=address)


def test_an_expired_token_is_refused_with_a_clear_401(client):
    get_customers(client, "ba_warm_up", NEIGHBOUR)  # the first request of a process loads the API: seconds
    expires = timezone.now() + timedelta(seconds=2)
    issued = token_create(name="short-lived", scope="read", actor=Actor.cli("test"), expires_at=expires)
    assert get_customers(client, issued.raw).status_code == 200
    time.sleep((expires - timezone.now()).total_seconds() + 0.1)
    response = get_customers(client, issued.raw)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    message = response.json()["message"]
    assert "'short-lived' expired on" in message and "create_api_token" in message


def test_a_token_with_a_future_expiry_works(client):
    issued = token_create(
        name="monthly", scope="read", actor=Actor.cli("test"), expires_at=timezone.now() + timedelta(days=30)
    )
    assert get_customers(client, issued.raw).status_code == 200


def test_after_too_many_bad_tokens_an_address_gets_429_and_a_good_token_elsewhere_still_works(client, settings):
    good = token_create(name="backend", scope="read", actor=Actor.cli("test")).raw
    for attempt in range(settings.TOKEN_FAILURE_LIMIT):
        response = get_customers(client, f"ba_guess_{attempt}")
        assert response.status_code == 401, attempt

    refused = get_customers(client, "ba_guess_more")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= settings.TOKEN_FAILURE_WINDOW
    assert "too many refused API tokens" in refused.json()["message"]
    # Guessing right now gains nothing: the address waits out the window whatever it sends.
    assert get_customers(client, good).status_code == 429
    assert get_customers(client, good, NEIGHBOUR).status_code == 200


def test_the_block_ends_with_its_window(client, settings):
    settings.TOKEN_FAILURE_LIMIT, settings.TOKEN_FAILURE_WINDOW = 3, 1
    good = token_create(name="backend", scope="read", actor=Actor.cli("test")).raw
    for attempt in range(3):
        get_customers(client, f"ba_guess_{attempt}")
    assert get_customers(client, good).status_code == 429
    time.sleep(1.2)
    assert get_customers(client, good).status_code == 200


def test_good_tokens_are_never_counted(client, settings):
    settings.TOKEN_FAILURE_LIMIT = 3
    good = token_create(name="backend", scope="read", actor=Actor.cli("test")).raw
    for _ in range(10):
        assert get_customers(client, good).status_code == 200
