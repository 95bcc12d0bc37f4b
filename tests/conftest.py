"""Shared fixtures: the service, actors, and a few objects built through the service itself."""

from __future__ import annotations

import pytest
from django.conf import settings

from billing_admin.actors import Actor
from billing_admin.boundary import Boundary
from billing_admin.engine.backend import EngineService

# Test servers run in threads; a kept-open connection there would stop the test database from being dropped.
settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Manifest storage needs collectstatic; tests render templates without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # The bearer-token throttle counts refusals in the cache; each test starts with none.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def service() -> Boundary:
    """The engine behind the boundary, as every door meets it."""
    return Boundary(EngineService())


@pytest.fixture
def actor() -> Actor:
    return Actor(kind="user", name="fiona@finance.example", door="page", user_id=1)


@pytest.fixture
def customer(service, actor):
    from billing_admin import schemas as s

    return service.create_customer(
        s.CreateCustomerRequest(
            id="cust_123",
            name="Acme Corp",
            primaryEmail="billing@acme.example",
            account={"id": "acc_987", "name": "Acme Production", "invoiceCurrency": "USD", "aliases": ["acme-prod"]},
        ),
        actor=actor,
    )


@pytest.fixture
def togai():
    """FakeTogai: a hosted-Togai look-alike answering real HTTP from a thread."""
    from tests.billing_admin.togai.fake_togai import FakeTogai

    fake = FakeTogai().start()
    yield fake
    fake.stop()


@pytest.fixture
def togai_backend(settings, togai):
    """BILLING_BACKEND=togai, pointed at the fake: every door answers from it."""
    from billing_admin.service import _backend
    from tests.billing_admin.togai.fake_togai import API_KEY

    settings.BILLING_BACKEND = "togai"
    settings.TOGAI_BASE_URL = togai.url
    settings.TOGAI_API_KEY = API_KEY
    _backend.cache_clear()
    yield togai
    _backend.cache_clear()
