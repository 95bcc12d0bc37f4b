"""API tokens: created once and shown once, stored hashed, verified, revoked."""

from __future__ import annotations

import hashlib

import pytest

from billing_admin.actors import Actor
from billing_admin.engine.models import ApiToken, AuditLog
from billing_admin.engine.tokens import (
    token_active,
    token_actor,
    token_create,
    token_is_live,
    token_list,
    token_revoke,
    token_verify,
)
from billing_admin.errors import ConflictError, InvalidInputError, NotFoundError

pytestmark = pytest.mark.django_db

ADMIN = Actor.cli("create_api_token")


def test_it_stores_only_the_hash_and_a_prefix():
    issued = token_create(name="claude-desktop", scope="read", actor=ADMIN)
    stored = ApiToken.objects.get()
    assert issued.raw.startswith(stored.prefix + "_")
    assert stored.token_hash == hashlib.sha256(issued.raw.encode()).hexdigest()
    assert issued.raw not in str(ApiToken.objects.values().get())


def test_it_records_the_creation_in_the_audit_log():
    token_create(name="ci", scope="write", actor=ADMIN)
    entry = AuditLog.objects.get(action="create_api_token")
    assert (entry.actor_name, entry.door, entry.changes["scope"]) == ("manage.py create_api_token", "cli", "write")


def test_it_verifies_a_live_token_and_notes_its_use():
    issued = token_create(name="ci", scope="write", actor=ADMIN)
    token = token_verify(issued.raw)
    assert token == issued.token
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize("raw", [None, "", "ba_nope", "not-even-our-format"])
def test_it_refuses_unknown_tokens(raw):
    token_create(name="ci", scope="write", actor=ADMIN)
    assert token_verify(raw) is None


def test_a_revoked_token_stops_verifying():
    issued = token_create(name="ci", scope="write", actor=ADMIN)
    token_revoke(name="ci", actor=ADMIN)
    assert token_verify(issued.raw) is None
    assert AuditLog.objects.filter(action="revoke_api_token").count() == 1


def test_revoking_twice_changes_nothing_more():
    token_create(name="ci", scope="write", actor=ADMIN)
    first = token_revoke(name="ci", actor=ADMIN).revoked_at
    assert token_revoke(name="ci", actor=ADMIN).revoked_at == first
    assert AuditLog.objects.filter(action="revoke_api_token").count() == 1


def test_it_refuses_a_taken_name_and_writes_nothing():
    token_create(name="ci", scope="write", actor=ADMIN)
    with pytest.raises(ConflictError):
        token_create(name="ci", scope="read", actor=ADMIN)
    assert ApiToken.objects.count() == 1
    assert AuditLog.objects.filter(action="create_api_token").count() == 1


def test_it_refuses_an_unknown_scope():
    with pytest.raises(InvalidInputError):
        token_create(name="ci", scope="admin", actor=ADMIN)
    assert not ApiToken.objects.exists()


def test_revoking_an_unknown_token_is_not_found():
    with pytest.raises(NotFoundError):
        token_revoke(name="nobody", actor=ADMIN)


def test_the_token_acts_as_itself_on_the_mcp_door():
    issued = token_create(name="ci", scope="read", actor=ADMIN)
    actor = token_actor(issued.token)
    assert (actor.kind, actor.name, actor.door, actor.token_id) == ("token", "token ci", "mcp", issued.token.pk)


def test_the_list_can_leave_out_revoked_tokens():
    token_create(name="a", scope="read", actor=ADMIN)
    token_create(name="b", scope="read", actor=ADMIN)
    token_revoke(name="a", actor=ADMIN)
    assert [t.name for t in token_list()] == ["a", "b"]
    assert [t.name for t in token_list(include_revoked=False)] == ["b"]


def test_the_active_token_by_name_leaves_out_revoked_ones():
    token_create(name="ci", scope="read", actor=ADMIN)
    assert token_active(name="ci").name == "ci"
    token_revoke(name="ci", actor=ADMIN)
    assert token_active(name="ci") is None
    assert token_active(name="nobody") is None


def test_a_token_is_live_until_it_is_revoked():
    issued = token_create(name="ci", scope="read", actor=ADMIN)
    assert token_is_live(issued.token.pk)
    token_revoke(name="ci", actor=ADMIN)
    assert not token_is_live(issued.token.pk)
    assert not token_is_live(issued.token.pk + 1)
