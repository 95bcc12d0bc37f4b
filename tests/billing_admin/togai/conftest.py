"""The Togai client under test talks real HTTP to FakeTogai, a hosted-Togai look-alike in a thread."""

from __future__ import annotations

import pytest

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.togai.backend import TogaiService

from .fake_togai import API_KEY


@pytest.fixture
def hosted(togai):
    """The Togai backend pointed at the fake, with quick backoff so retry tests stay fast."""
    service = TogaiService.connect(togai.url, API_KEY, timeout=2.0, retries=2, backoff=0.05)
    yield service
    service.client.close()


@pytest.fixture
def actor() -> Actor:
    return Actor(kind="user", name="fiona@finance.example", door="page", user_id=1)


@pytest.fixture
def acme(hosted, actor):
    return hosted.create_customer(
        s.CreateCustomerRequest(
            id="cust_123",
            name="Acme Corp",
            primaryEmail="billing@acme.example",
            address={"line1": "1 Main St", "city": "Florence", "country": "US"},
            account={"id": "acc_987", "name": "Acme Production", "invoiceCurrency": "EUR", "aliases": ["acme-prod"]},
        ),
        actor=actor,
    )
