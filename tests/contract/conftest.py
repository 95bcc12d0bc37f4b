"""The contract suite runs every test twice: on the engine in process, and on the Togai backend
talking real HTTP to this project's own /api served by uvicorn on a free port in a thread (it shares
the test database: SQLite's in-memory test DB is shared-cache, PostgreSQL's is a real one)."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import uvicorn

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.boundary import Boundary
from billing_admin.engine.backend import EngineService
from billing_admin.engine.tokens import token_create
from billing_admin.togai.backend import TogaiService


class LiveApi:
    """uvicorn serving the project's ASGI app in a background thread."""

    def __init__(self) -> None:
        from billing_admin.asgi import application

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(application, lifespan="off", log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture(scope="session")
def live_api(django_db_setup, django_db_blocker):
    server = LiveApi()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def actor() -> Actor:
    return Actor(kind="user", name="fiona@finance.example", door="page", user_id=1)


@pytest.fixture
def api_token(transactional_db):
    return token_create(name="contract", scope="write", actor=Actor.cli("test"))


@pytest.fixture(params=["engine", "togai"])
def backend(request, transactional_db, live_api, api_token):
    """The service under contract: the embedded engine, or the Togai client over real HTTP."""
    if request.param == "engine":
        yield Boundary(EngineService())
        return
    service = TogaiService.connect(f"{live_api.url}/api", api_token.raw, timeout=30.0, retries=0)
    yield Boundary(service)
    service.client.close()


# the scenario every contract module builds on, made through the backend under contract


def start_of_month() -> datetime:
    return datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def recent() -> datetime:
    """A minute ago, but inside the open cycle."""
    return max(start_of_month(), datetime.now(UTC) - timedelta(minutes=1))


def usage(units: str = "5", *, id: str | None = None, account: str = "acc_987", schema: str = "api_requests",
          attribute: str = "units", at: datetime | None = None) -> dict:  # fmt: skip
    body = {"schemaName": schema, "timestamp": (at or recent()).isoformat(), "accountId": account,
            "attributes": [{"name": attribute, "value": units}], "dimensions": {"region": "eu"}}  # fmt: skip
    return body | ({"id": id} if id else {})


@pytest.fixture
def acme(backend, actor):
    return backend.create_customer(
        s.CreateCustomerRequest(
            id="cust_123",
            name="Acme Corp",
            primaryEmail="billing@acme.example",
            address={"line1": "1 Main St", "city": "Florence", "country": "US"},
            account={"id": "acc_987", "name": "Acme Production", "invoiceCurrency": "USD", "aliases": ["acme-prod"]},
        ),
        actor=actor,
    )


@pytest.fixture
def meter(backend, actor, acme):
    queries = {"computation": '{"var":"attribute.queries"}'}
    backend.create_usage_meter(
        s.CreateUsageMeterRequest(name="ai_queries", aggregation="SUM", eventSchemaName="ai_queries",
                                  computations=[queries]), actor=actor)  # fmt: skip
    units = {"computation": '{"var":"attribute.units"}', "order": 1}
    return backend.create_usage_meter(
        s.CreateUsageMeterRequest(name="api_units", aggregation="SUM", eventSchemaName="api_requests",
                                  computations=[units]), actor=actor)  # fmt: skip


@pytest.fixture
def pro(backend, actor, meter):
    return backend.create_price_plan(
        s.CreatePricePlanRequest.model_validate({
            "name": "Pro",
            "supportedCurrencies": ["USD"],
            "pricingCycleConfig": {"interval": "MONTHLY", "gracePeriod": 0},
            "rateCards": [
                {"type": "USAGE", "displayName": "API units", "rateCardDetails": {"usageRateCard": {
                    "usageMeterId": meter.id,
                    "ratePlan": {"pricingModel": "TIERED", "slabs": [{"order": 1, "startAfter": "0"}]},
                    "rateValues": [{"currency": "USD", "slabRates": [{"order": 1, "rate": "0.10"}]}]}}},
                {"type": "BILLING_ENTITLEMENT", "displayName": "AI queries", "rateCardDetails": {
                    "billingEntitlementRateCard": {
                        "featureId": "ai_queries",
                        "schemaAssociations": [{"schemaName": "ai_queries", "attributeName": "queries"}],
                        "featureConfigs": [{"featureCreditLimit": "100"}]}}},
            ],
        }),
        actor=actor,
    )  # fmt: skip


@pytest.fixture
def on_pro(backend, actor, pro):
    backend.update_account(
        s.UpdateAccountRequest(accountId="acc_987", pricePlanId=pro.id, effectiveFrom=start_of_month()), actor=actor
    )
    return pro
