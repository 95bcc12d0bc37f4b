"""`create_api_token --expires`: a duration or a date; a bad value is refused with a clear message."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from billing_admin.engine.models import ApiToken
from billing_admin.engine.tokens import token_verify

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_duration_sets_the_expiry_from_now_and_says_so():
    out, err = run("create_api_token", "ci", "--scope", "read", "--expires", "30d")
    token = token_verify(out.strip())
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert f"expires {token.expires_at:%Y-%m-%d}" in err


def test_a_date_sets_midnight_utc():
    run("create_api_token", "ci", "--scope", "read", "--expires", "2099-01-01")
    assert ApiToken.objects.get().expires_at.isoformat() == "2099-01-01T00:00:00+00:00"


def test_without_expires_the_token_does_not_expire():
    _, err = run("create_api_token", "ci", "--scope", "read")
    assert ApiToken.objects.get().expires_at is None and "does not expire" in err


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("tomorrow", "is not an expiry"),
        ("2001-01-01", "in the past"),
        ("9999999999d", "is not an expiry"),
        ("9999-12-31T23:59:59-14:00", "is not an expiry"),
    ],
    ids=["words", "past", "too many days", "past the calendar"],
)
def test_a_bad_expiry_is_refused_and_nothing_is_created(value, problem):
    with pytest.raises(CommandError, match=problem):
        run("create_api_token", "ci", "--scope", "read", "--expires", value)
    assert ApiToken.objects.count() == 0
