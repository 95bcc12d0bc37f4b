from __future__ import annotations

import pytest

from billing_admin.actors import Actor
from billing_admin.engine.models import AuditLog
from billing_admin.engine.tokens import token_revoke

pytestmark = pytest.mark.django_db


def test_it_asks_for_a_bearer_token_when_none_is_sent(anonymous):
    response = anonymous.get("customers")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in response.json()["message"]


def test_it_refuses_an_unknown_token(client):
    response = client.get("/api/customers", headers={"Authorization": "Bearer ba_nothing_here"})
    assert response.status_code == 401
    assert "unknown or revoked" in response.json()["message"]


def test_it_refuses_a_scheme_other_than_bearer(client, write_token):
    response = client.get("/api/customers", headers={"Authorization": f"Basic {write_token.raw}"})
    assert response.status_code == 401


def test_it_refuses_a_revoked_token(api, write_token):
    token_revoke(name=write_token.token.name, actor=Actor.cli("test"))
    response = api.get("customers")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_read_token_may_read(reader, acme):
    response = reader.get("customers/cust_123")
    assert response.status_code == 200
    assert response.json()["id"] == "cust_123"


def test_a_read_token_may_not_write_and_nothing_is_written(reader):
    response = reader.post("customers", {"id": "c_1", "name": "Nope Ltd", "primaryEmail": "a@b.example"})
    assert response.status_code == 403
    assert "read-only" in response.json()["message"]
    assert not AuditLog.objects.filter(action="create_customer").exists()


def test_writes_are_audited_with_the_token_and_the_api_door(api, acme):
    entry = AuditLog.objects.get(action="create_customer")
    assert entry.door == "api"
    assert "backend" in entry.actor_name
