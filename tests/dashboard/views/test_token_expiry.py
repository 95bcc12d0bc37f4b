"""The tokens page shows each token's expiry (and "Expired" once it has passed) and sets one on create."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing_admin.actors import Actor
from billing_admin.engine.models import ApiToken
from billing_admin.engine.tokens import token_create, token_verify
from tests.dashboard.conftest import HTMX

pytestmark = pytest.mark.django_db


def test_a_token_created_with_an_expiry_shows_it_and_works_until_then(admin):
    response = admin.post(
        reverse("dashboard:token-create"), {"name": "pipeline", "scope": "read", "expires": "30d"}, **HTMX
    )
    token = ApiToken.objects.get()
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert token_verify(response.context["issued"].raw) is not None
    page = admin.get(reverse("dashboard:tokens")).content.decode()
    assert token.expires_at.strftime("%b %-d, %Y") in page and "Active" in page


def test_a_date_sets_the_expiry_to_that_midnight_utc(admin):
    admin.post(reverse("dashboard:token-create"), {"name": "pipeline", "scope": "read", "expires": "2099-01-01"})
    assert ApiToken.objects.get().expires_at.isoformat() == "2099-01-01T00:00:00+00:00"


def test_without_an_expiry_the_page_says_never(admin):
    admin.post(reverse("dashboard:token-create"), {"name": "pipeline", "scope": "read"})
    assert ApiToken.objects.get().expires_at is None
    assert "never</td>" in admin.get(reverse("dashboard:tokens")).content.decode()


@pytest.mark.parametrize("expires", ["soon", "2020-01-01"], ids=["not an expiry", "in the past"])
def test_a_bad_expiry_is_an_inline_error_and_creates_nothing(admin, expires):
    response = admin.post(
        reverse("dashboard:token-create"), {"name": "pipeline", "scope": "read", "expires": expires}, **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="id_expires_errors"' in body
    assert ApiToken.objects.count() == 0


def test_an_expired_token_is_marked_expired(admin):
    token_create(name="old", scope="read", actor=Actor.cli("test"), expires_at=timezone.now() + timedelta(seconds=1))
    time.sleep(1.1)
    page = admin.get(reverse("dashboard:tokens")).content.decode()
    assert "Expired</span>" in page and "Active</span>" not in page
