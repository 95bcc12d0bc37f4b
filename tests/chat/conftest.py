"""The chat tests talk to a real Messages API server on 127.0.0.1 through the real `anthropic` SDK."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from .fake_messages_api import FakeMessagesAPI


@pytest.fixture(scope="session", autouse=True)
def _async_connections_closed(django_db_setup):
    """The async views run their database work on asgiref's one shared sync thread, and a connection
    opened there outlives the tests; closed there before the test database is dropped, or PostgreSQL
    refuses to drop a database still in use."""
    yield
    asyncio.run(sync_to_async(connections.close_all)())


@pytest.fixture(scope="session")
def _messages_server():
    server = FakeMessagesAPI().start()
    yield server
    server.stop()


@pytest.fixture
def fake_api(_messages_server, settings) -> FakeMessagesAPI:
    _messages_server.turns.clear()
    _messages_server.requests.clear()
    _messages_server.headers.clear()
    settings.ANTHROPIC_API_KEY = "sk-test-chat"
    settings.ANTHROPIC_BASE_URL = _messages_server.base_url
    settings.ANTHROPIC_MODEL = "claude-sonnet-5-5"
    settings.ANTHROPIC_MAX_RETRIES = 2
    yield _messages_server
    assert _messages_server.remaining == 0, "the scripted model had turns left over: the agent stopped early"


@pytest.fixture
def org():
    """A small organisation built through the service: two customers, their accounts, one meter."""
    from billing_admin.actors import Actor
    from billing_admin.service import call

    setup = Actor.system(name="test setup")
    call(
        "create_customer",
        {
            "id": "cust_123",
            "name": "Acme Corp",
            "primaryEmail": "billing@acme.example",
            "account": {"id": "acc_987", "name": "Acme Production", "invoiceCurrency": "USD"},
        },
        actor=setup,
    )
    call(
        "create_customer",
        {
            "id": "cust_vink",
            "name": "Vink Analytics",
            "primaryEmail": "finance@vink.example",
            "account": {"id": "acc_vink_01", "name": "Vink Main", "invoiceCurrency": "USD"},
        },
        actor=setup,
    )
    call(
        "create_usage_meter",
        {
            "name": "api_requests",
            "aggregation": "SUM",
            "eventSchemaName": "api_requests",
            "computations": [{"computation": '{"var":"attribute.units"}', "order": 1}],
        },
        actor=setup,
    )


def _person(username: str, group: str):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(username)
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def fiona():
    """A finance admin."""
    from dashboard.access import FINANCE_ADMINS

    return _person("fiona", FINANCE_ADMINS)


@pytest.fixture
def victor():
    """A viewer."""
    from dashboard.access import VIEWERS

    return _person("victor", VIEWERS)


@pytest.fixture
def fiona_client(client, fiona):
    client.force_login(fiona)
    return client


@pytest.fixture
def victor_client(client, victor):
    client.force_login(victor)
    return client
