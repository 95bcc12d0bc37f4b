"""Personas for page tests: anonymous, a login without a role, a viewer and a finance admin; and an
htmx request header."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.dashboard import factories

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def anonymous(db) -> Client:
    return Client()


@pytest.fixture
def outsider(db) -> Client:
    client = Client()
    client.force_login(factories.person("olive"))
    return client


@pytest.fixture
def viewer(db) -> Client:
    client = Client()
    client.force_login(factories.viewer())
    return client


@pytest.fixture
def admin(db) -> Client:
    client = Client()
    client.force_login(factories.finance_admin())
    return client


@pytest.fixture
def billed(customer, actor) -> factories.Billed:
    """Acme Production (acc_987) with one DUE invoice of $189.00 for January 2026."""
    return factories.billed_account(actor)
