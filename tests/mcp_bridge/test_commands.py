"""The token commands: create (printed once), list (never the secret), revoke."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing_admin.engine.models import ApiToken
from billing_admin.engine.tokens import token_verify

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_the_token_once_on_stdout_and_stores_its_hash():
    out, err = run("create_api_token", "claude-desktop", "--scope", "read")
    raw = out.strip()
    assert token_verify(raw).name == "claude-desktop"
    assert "shown once" in err
    assert raw not in str(list(ApiToken.objects.values()))


def test_create_refuses_a_taken_name():
    run("create_api_token", "ci", "--scope", "write")
    with pytest.raises(CommandError, match="already exists"):
        run("create_api_token", "ci", "--scope", "write")


def test_list_shows_names_prefixes_and_scopes_but_never_the_secret():
    raw = run("create_api_token", "ci", "--scope", "write")[0].strip()
    out, _ = run("list_api_tokens")
    assert "ci" in out and ApiToken.objects.get().prefix in out and "write" in out
    assert raw not in out


def test_revoke_stops_the_token_working():
    raw = run("create_api_token", "ci", "--scope", "write")[0].strip()
    out, _ = run("revoke_api_token", "ci")
    assert "Revoked token 'ci'" in out
    assert token_verify(raw) is None
    assert "ci" not in run("list_api_tokens", "--active")[0].splitlines()[-1]


def test_revoke_names_an_unknown_token():
    with pytest.raises(CommandError, match="not found"):
        run("revoke_api_token", "nobody")
