"""The official `togai-client` package (PyPI), unmodified, pointed at this project's /api served by
uvicorn: it creates a customer and an account, ingests a batch and lists invoices, and reads the
answers its strict models expect (status codes, required fields, enums, numbers)."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from .conftest import recent, start_of_month

togai_client = pytest.importorskip("togai_client")
from togai_client import models as m  # noqa: E402
from togai_client.exceptions import ApiException  # noqa: E402


@pytest.fixture
def client(live_api, api_token):
    config = togai_client.Configuration(host=f"{live_api.url}/api", access_token=api_token.raw)
    with togai_client.ApiClient(config) as api_client:
        yield api_client


@pytest.fixture
def raw(live_api, api_token):
    """Plain HTTP for what togai-client cannot send here (a plan with its rate cards in one call)."""
    with httpx.Client(base_url=f"{live_api.url}/api", headers={"Authorization": f"Bearer {api_token.raw}"}) as http:
        yield http


def event(units: str, event_id: str, account: str = "acc_987") -> m.Event:
    return m.Event(schema_name="api_requests", id=event_id, timestamp=recent(), account_id=account,
                   attributes=[m.Attribute(name="units", value=units)], dimensions={"region": "eu"})  # fmt: skip


def test_togai_client_creates_a_customer_and_account_ingests_a_batch_and_lists_invoices(client, raw):
    customers, accounts = togai_client.CustomersApi(client), togai_client.AccountsApi(client)
    created = customers.create_customer(
        m.CreateCustomerRequest(
            id="cust_123", name="Acme Corp", primary_email="billing@acme.example",
            address=m.Address(line1="1 Main St", city="Florence", country="US"),
            account=m.CreateAccountRequestWithoutCustomerId(id="acc_987", name="Acme Production",
                                                            invoice_currency="USD", aliases=["acme-prod"]),
        )
    )  # fmt: skip
    assert created.togai_customer_id.startswith("customer.") and created.account.id == "acc_987"
    account = accounts.create_account(
        m.CreateAccountRequest(id="acc_2", name="Acme Staging", customer_id="cust_123", invoice_currency="USD")
    )
    assert account.status == "ACTIVE" and account.togai_customer_id == created.togai_customer_id
    assert customers.get_customer("cust_123").address.city == "Florence"
    assert [a.id for a in accounts.get_accounts(page_size=10).data] == ["acc_2", "acc_987"]

    meters = togai_client.UsageMetersApi(client)
    meter = meters.create_usage_meter(
        m.CreateUsageMeterRequest(name="api_units", type="COUNTER", aggregation="SUM", event_schema_name="api_requests",
                                  computations=[m.Computation(computation='{"var":"attribute.units"}', order=1)])
    )  # fmt: skip
    assert meters.activate_usage_meter(meter.id).status == "ACTIVE"
    plan = raw.post("v2/price_plans", json={
        "name": "Pro", "supportedCurrencies": ["USD"], "pricingCycleConfig": {"interval": "MONTHLY", "gracePeriod": 0},
        "rateCards": [{"type": "USAGE", "displayName": "API units", "rateCardDetails": {"usageRateCard": {
            "usageMeterId": meter.id, "ratePlan": {"pricingModel": "TIERED", "slabs": [{"order": 1, "startAfter": 0}]},
            "rateValues": [{"currency": "USD", "slabRates": [{"order": 1, "rate": 0.1}]}]}}}],
    }).json()  # fmt: skip
    schedules = togai_client.SchedulesApi(client)
    edit = m.UpdateAccountScheduleV2Request(
        mode="ASSOCIATE", effective_from=start_of_month().date(), effective_until=date(9999, 1, 1),
        association_config=m.AssociationConfig(price_plan_id=plan["id"]),
    )  # fmt: skip
    edited = schedules.bulk_edit_schedules("acc_987", m.EditAccountScheduleRequest(edits=[edit]))
    assert edited.pricing_schedules[0].price_plan_name == "Pro"
    [schedule] = schedules.finalize_account_schedules("acc_987", m.FinalizeAccountSchedules()).data
    assert schedule.price_plan_id == plan["id"] and schedule.account_schedule_info.supported_currencies == ["USD"]

    ingestion = togai_client.EventIngestionApi(client)
    accepted = ingestion.ingest_batch_with_http_info(
        m.IngestBatchEventRequest(events=[event("300", "e-1"), event("200", "e-2")])
    )
    assert accepted.status_code == 202 and accepted.data.success is True
    partial = ingestion.ingest_batch_with_http_info(
        m.IngestBatchEventRequest(events=[event("1", "e-3"), event("1", "e-4", account="acc_nobody")])
    )
    assert partial.status_code == 207 and partial.data.success is False
    assert [f["index"] for f in partial.data.details["failed"]] == [1]

    invoices = togai_client.InvoicesApi(client).list_invoices(owner_id="acc_987", status="DRAFT")
    [draft] = invoices.data
    assert draft.status == m.InvoicesStatus.DRAFT and draft.invoice_type == m.InvoicesType.STANDARD
    assert draft.total_amount == 50.1 and draft.customer_id == "cust_123"  # 501 units at 0.10


def test_togai_client_reads_plans_money_entitlements_and_metrics(client, raw):
    customers = togai_client.CustomersApi(client)
    customers.create_customer(
        m.CreateCustomerRequest(id="cust_123", name="Acme Corp", primary_email="billing@acme.example",
                                address=m.Address(), account=m.CreateAccountRequestWithoutCustomerId(
                                    id="acc_987", name="Acme Production", invoice_currency="USD"))
    )  # fmt: skip
    raw.post("usage_meters", json={"name": "api_units", "aggregation": "SUM", "eventSchemaName": "api_requests",
                                   "computations": [{"computation": '{"var":"attribute.units"}'}]})  # fmt: skip
    meter_id = togai_client.UsageMetersApi(client).get_usage_meters_for_event_schema().data[0].id

    plan = raw.post("v2/price_plans", json={
        "name": "Pro", "supportedCurrencies": ["USD"], "pricingCycleConfig": {"interval": "MONTHLY", "gracePeriod": 0},
        "rateCards": [{"type": "USAGE", "displayName": "API units", "rateCardDetails": {"usageRateCard": {
            "usageMeterId": meter_id,
            "ratePlan": {"pricingModel": "VOLUME", "slabs": [{"order": 1, "startAfter": 0},
                                                             {"order": 2, "startAfter": 1000, "priceType": "PACKAGE",
                                                              "slabConfig": {"packageSize": "100"}}]},
            "rateValues": [{"currency": "USD", "slabRates": [{"order": 1, "rate": 0.1}, {"order": 2, "rate": 5}],
                            "rateConfig": {"maximumRate": "400"}}]}}}],
    }).json()  # fmt: skip
    plans = togai_client.PricePlanV2Api(client)
    assert plans.get_price_plan_v2(plan["id"]).status == "ACTIVE"
    assert [p.id for p in plans.list_price_plans_v2().data] == [plan["id"]]
    [card] = plans.list_price_plan_rate_cards(plan["id"]).data
    slabs = card.rate_card_details.usage_rate_card.rate_plan.slabs
    assert [s.start_after for s in slabs] == [0, 1000] and card.invoice_timing == m.InvoiceTiming.IN_ARREARS

    credits = togai_client.CreditsApi(client).create_credit(
        m.CreateCreditRequest(credit_requests=[m.CreditRequest(account_id="acc_987", purpose="Goodwill",
                                                               effective_from=date.today(), priority=1,
                                                               credit_amount=12.5)])
    )  # fmt: skip
    assert credits.credits[0].status == "ACTIVE" and credits.credits[0].credit_amount == 12.5
    wallets = togai_client.WalletApi(client)
    wallets.top_up_wallet_for_account("acc_987", m.TopupWalletRequest(topup_amount=40))
    wallet = wallets.wallet_balance_for_account("acc_987")
    assert wallet.balance == 40 and wallet.credit_unit == "USD" and wallet.customer_id == "cust_123"
    balance = togai_client.CreditsApi(client).credit_balance_for_account("acc_987")
    assert balance.available_balance == 12.5

    entitlements = togai_client.EntitlementsApi(client).get_entitlements("acc_987")
    assert entitlements.data == []

    metrics = togai_client.MetricsApi(client).get_metrics(
        m.GetMetricsRequest(start_time=start_of_month(), end_time=recent(), metric_queries=[
            m.MetricQuery(id="m1", name=m.MetricName.EVENTS, aggregation_period="DAY")])
    )  # fmt: skip
    assert metrics.results[0].id == "m1"


def test_togai_client_sees_errors_in_togais_shape(client):
    with pytest.raises(ApiException) as caught:
        togai_client.CustomersApi(client).get_customer("nobody")
    assert caught.value.status == 404 and "nobody" in caught.value.body
