"""API tokens: created with a scope and shown once; revoked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing_admin.engine.models import ApiToken
from billing_admin.engine.tokens import token_verify
from tests.dashboard.conftest import HTMX

pytestmark = pytest.mark.django_db


def test_a_new_token_is_shown_once_and_works(admin):
    response = admin.post(reverse("dashboard:token-create"), {"name": "pipeline", "scope": "write"}, **HTMX)
    assert response["Cache-Control"] == "no-store"
    raw = response.context["issued"].raw
    assert raw in response.content.decode()
    assert token_verify(raw).scope == "write"
    assert raw not in admin.get(reverse("dashboard:tokens")).content.decode()


def test_a_taken_name_is_an_inline_error(admin):
    admin.post(reverse("dashboard:token-create"), {"name": "pipeline", "scope": "read"})
    response = admin.post(reverse("dashboard:token-create"), {"name": "pipeline", "scope": "read"}, **HTMX)
    assert 'id="id_name_errors"' in response.content.decode() and ApiToken.objects.count() == 1


def test_revoking_under_htmx_says_so_in_the_panel(admin):
    admin.post(reverse("dashboard:token-create"), {"name": "pipeline", "scope": "read"})
    response = admin.post(reverse("dashboard:token-revoke"), {"name": "pipeline"}, **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="token-panel"') and "Token &#x27;pipeline&#x27; revoked" in body
    assert ApiToken.objects.get().revoked_at is not None


def test_revoking_without_javascript_returns_to_the_list_with_a_message(admin):
    admin.post(reverse("dashboard:token-create"), {"name": "pipeline", "scope": "read"})
    response = admin.post(reverse("dashboard:token-revoke"), {"name": "pipeline"}, follow=True)
    assert response.redirect_chain == [(reverse("dashboard:tokens"), 302)]
    assert "revoked" in response.content.decode()


def test_revoking_an_unknown_token_is_a_message_not_an_error(admin):
    response = admin.post(reverse("dashboard:token-revoke"), {"name": "ghost"}, **HTMX)
    assert response.status_code == 200 and "token &#x27;ghost&#x27; not found" in response.content.decode()
