"""Sign-in throttling: after AXES_FAILURE_LIMIT wrong passwords for one username from one address,
even the right password is refused with a clear message until the cool-off has passed."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from tests.dashboard import factories

pytestmark = pytest.mark.django_db

ATTACKER, COLLEAGUE = "203.0.113.7", "198.51.100.20"


def sign_in(password: str, address: str = ATTACKER, username: str = "victor") -> HttpResponse:
    return Client(REMOTE_ADDR=address).post(reverse("dashboard:login"), {"username": username, "password": password})


def test_after_fifty_wrong_passwords_the_right_one_is_refused_with_a_clear_message(settings):
    factories.viewer()
    statuses = {sign_in(f"guess-{n}").status_code for n in range(50)}
    assert statuses <= {200, 429}

    response = sign_in(factories.PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Sign-in is locked for this username from your address" in body
    assert f"after {settings.AXES_FAILURE_LIMIT} failed attempts" in body
    assert int(response["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert "_auth_user_id" not in response.client.session


def test_the_lockout_starts_at_the_limit(settings):
    factories.viewer()
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(f"guess-{n}").status_code == 200
    assert sign_in(factories.PASSWORD).status_code == 302  # one short of the limit: still signs in


def test_the_same_username_from_another_address_still_signs_in(settings):
    factories.viewer()
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(f"guess-{n}")
    assert sign_in(factories.PASSWORD).status_code == 429
    assert sign_in(factories.PASSWORD, address=COLLEAGUE).status_code == 302


def test_after_the_cool_off_the_right_password_works_again(settings):
    factories.viewer()
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(f"guess-{n}")
    assert sign_in(factories.PASSWORD).status_code == 429
    # A one-second cool-off, set once the failures are in, has passed a second later.
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    time.sleep(1.2)
    assert sign_in(factories.PASSWORD).status_code == 302
