"""Each operation on hosted Togai's shapes: what Togai answers differently is filled in, what it does
in several steps is chained, what it lacks says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from billing_admin import schemas as s
from billing_admin.errors import ConflictError, InvalidInputError, NotFoundError, UnsupportedError

METER = {
    "name": "api_units",
    "aggregation": "SUM",
    "eventSchemaName": "api_requests",
    "filters": [{"field": "dimension.region", "value": "eu"}],
    "computations": [{"computation": '{"var":"attribute.units"}', "order": 1}],
}
PLAN = {
    "name": "Pro",
    "supportedCurrencies": ["EUR"],
    "pricingCycleConfig": {"interval": "MONTHLY", "gracePeriod": 3},
    "rateCards": [
        {
            "type": "USAGE",
            "displayName": "API units",
            "rateCardDetails": {
                "usageRateCard": {
                    "usageMeterId": "um.1.x",
                    "ratePlan": {"pricingModel": "TIERED", "slabs": [{"order": 1, "startAfter": 0}]},
                    "rateValues": [{"currency": "EUR", "slabRates": [{"order": 1, "rate": "0.10"}]}],
                }
            },
        }
    ],
}


def event(account: str = "acc_987", *, id: str | None = None, at: datetime | None = None) -> dict:
    body = {
        "schemaName": "api_requests",
        "timestamp": (at or datetime.now(UTC)).isoformat(),
        "accountId": account,
        "attributes": [{"name": "units", "value": "5"}],
    }
    return body | ({"id": id} if id else {})


# customers and accounts


def test_a_created_customer_is_read_back_for_what_togais_answer_leaves_out(togai, acme):
    assert acme.status == "ACTIVE" and acme.createdAt == datetime(2026, 11, 1, tzinfo=UTC)
    assert acme.account.id == "acc_987" and acme.account.aliases[0].alias == "acme-prod"
    assert togai.calls("GET", "/customers/cust_123")


def test_a_taken_customer_id_is_a_conflict(hosted, actor, acme):
    with pytest.raises(ConflictError, match="already exists"):
        hosted.create_customer(
            s.CreateCustomerRequest(id="cust_123", name="Other Corp", primaryEmail="o@other.example"), actor=actor
        )


def test_a_plan_is_assigned_by_a_schedule_edit_and_its_finalization(togai, hosted, actor, acme):
    plan = hosted.create_price_plan(s.CreatePricePlanRequest.model_validate(PLAN), actor=actor)
    account = hosted.create_account(
        s.CreateAccountRequest(
            id="acc_2",
            name="Acme Staging",
            customerId="cust_123",
            invoiceCurrency="EUR",
            pricePlanId=plan.id,
            effectiveFrom=datetime(2026, 11, 5, tzinfo=UTC),
        ),
        actor=actor,
    )
    assert account.pricePlanId == plan.id
    assert "pricePlanId" not in togai.calls("POST", "/accounts")[-1].body  # hosted Togai refuses it
    [schedule] = togai.schedules["acc_2"]
    assert schedule["pricePlanId"] == plan.id and schedule["startDate"] == "2026-11-05"


def test_accounts_are_filtered_by_customer_across_togais_unfiltered_pages(togai, hosted, actor, acme):
    hosted.create_customer(
        s.CreateCustomerRequest(id="cust_other", name="Other Corp", primaryEmail="o@other.example"), actor=actor
    )
    for n in range(55):
        owner = "cust_123" if n % 11 == 0 else "cust_other"
        hosted.create_account(s.CreateAccountRequest(id=f"acc_{n:02}", name=f"Account {n}", customerId=owner),
                              actor=actor)  # fmt: skip
    page = hosted.list_accounts(s.ListAccountsRequest(customerId="cust_123", pageSize=3), actor=actor)
    assert [a.id for a in page.data] == ["acc_987", "acc_00", "acc_11"] and page.nextToken
    rest = hosted.list_accounts(
        s.ListAccountsRequest(customerId="cust_123", pageSize=3, nextToken=page.nextToken), actor=actor
    )
    assert {a.customerId for a in rest.data} == {"cust_123"}
    assert "acc_44" in [a.id for a in rest.data]


def test_customers_are_searched_here_because_togai_has_no_filter(hosted, actor, acme):
    for n in range(3):
        hosted.create_customer(
            s.CreateCustomerRequest(id=f"c_{n}", name=f"Customer {n}", primaryEmail=f"c{n}@x.example"), actor=actor
        )
    found = hosted.list_customers(s.ListCustomersRequest(query="customer 1"), actor=actor)
    assert [c.id for c in found.data] == ["c_1"]


def test_an_account_shows_its_wallet_and_credit_balances(hosted, actor, acme):
    hosted.top_up_wallet(s.TopUpWalletRequest(accountId="acc_987", topupAmount=Decimal("40")), actor=actor)
    hosted.grant_credit(
        s.GrantCreditRequest(accountId="acc_987", creditAmount=Decimal("10.5"), purpose="Goodwill"), actor=actor
    )
    detail = hosted.get_account(s.GetAccountRequest(accountId="acme-prod"), actor=actor)
    assert (detail.walletBalance, detail.creditBalance, detail.availableBalance) == (40, Decimal("10.5"), 50.5)


def test_account_writes_send_only_fields_togai_knows(togai, hosted, actor, acme):
    updated = hosted.update_account(s.UpdateAccountRequest(accountId="acc_987", netTermDays=45), actor=actor)
    assert updated.netTermDays == 45 and togai.calls("PATCH", "/accounts/acc_987")[0].body == {"netTermDays": 45}


# metering


def test_a_meter_gets_its_event_schema_made_and_both_are_activated(togai, hosted, actor):
    meter = hosted.create_usage_meter(s.CreateUsageMeterRequest.model_validate(METER), actor=actor)
    assert meter.status == "ACTIVE" and meter.eventSchema.name == "api_requests"
    schema = togai.schemas["api_requests"]
    assert schema["status"] == "ACTIVE"
    assert schema["attributes"] == [{"name": "units"}] and schema["dimensions"] == [{"name": "region"}]


def test_an_existing_schema_is_reused(togai, hosted, actor):
    togai.schemas["api_requests"] = {"name": "api_requests", "version": 3, "status": "ACTIVE"}
    hosted.create_usage_meter(s.CreateUsageMeterRequest.model_validate(METER), actor=actor)
    assert not togai.calls("POST", "/event_schema")


def test_an_event_is_accepted_with_an_id_so_a_retry_is_not_counted_twice(togai, hosted, actor, acme):
    answer = hosted.ingest_event(s.IngestEventRequest(event=event()), actor=actor)
    assert answer.success and answer.status == "INGESTION_IN_PROGRESS"  # hosted Togai meters asynchronously
    assert togai.events[0]["eventPayload"]["id"] == answer.eventId


def test_a_batch_names_each_refused_event_by_its_index_in_the_request(hosted, actor, acme):
    request = s.IngestBatchRequest.model_validate(
        {"events": [event(id="ok-1"), {"schemaName": "api_requests"}, event("acc_nobody", id="bad-2"), event()]}
    )
    answer = hosted.ingest_batch_events(request, actor=actor)
    assert answer.accepted == 2 and not answer.success
    assert [(f.index, f.eventId) for f in answer.failed] == [(1, None), (2, "bad-2")]
    assert "timestamp" in answer.failed[0].message and "acc_nobody" in answer.failed[1].message


def test_a_batch_of_only_malformed_events_sends_nothing(togai, hosted, actor):
    request = s.IngestBatchRequest.model_validate({"events": [{"accountId": "a"}]})
    answer = hosted.ingest_batch_events(request, actor=actor)
    assert answer.accepted == 0 and [f.index for f in answer.failed] == [0]
    assert not togai.calls("POST", "/ingestBatch")


def test_events_are_filtered_by_time_here_because_togai_cannot(hosted, actor, acme):
    now = datetime.now(UTC)
    batch = [event(id="old", at=now - timedelta(days=3)), event(id="new", at=now - timedelta(minutes=5))]
    hosted.ingest_batch_events(s.IngestBatchRequest.model_validate({"events": batch}), actor=actor)
    page = hosted.list_events(s.ListEventsRequest(startTime=now - timedelta(days=1)), actor=actor)
    assert [e.eventPayload.id for e in page.data] == ["new"]


def test_metrics_pass_through_in_togais_shape(hosted, actor, acme):
    hosted.ingest_batch_events(s.IngestBatchRequest.model_validate({"events": [event()]}), actor=actor)
    now = datetime.now(UTC)
    request = s.GetMetricsRequest(
        startTime=now - timedelta(days=1),
        endTime=now,
        metricQueries=[{"id": "m1", "name": "EVENTS", "aggregationPeriod": "DAY"}],
    )
    [result] = hosted.get_metrics(request, actor=actor).results
    assert result.id == "m1" and result.data[0].metricValues == [1]


# price plans and invoices


def test_a_plan_is_created_as_a_draft_given_its_rate_cards_and_finalized(togai, hosted, actor):
    plan = hosted.create_price_plan(s.CreatePricePlanRequest.model_validate(PLAN), actor=actor)
    assert plan.status == "ACTIVE" and plan.supportedCurrencies == ["EUR"]
    [card] = plan.rateCards
    assert card.billableId == "um.1.x" and card.currencies == ["EUR"] and card.name == "usage_1"
    assert "rateCards" not in togai.calls("POST", "/v2/price_plans")[0].body


def test_rate_cards_are_listed_by_plan_id_or_name(hosted, actor):
    plan = hosted.create_price_plan(s.CreatePricePlanRequest.model_validate(PLAN), actor=actor)
    by_name = hosted.list_rate_cards(s.ListRateCardsRequest(pricePlanId="Pro"), actor=actor)
    assert by_name.pricePlanId == plan.id and [c.type for c in by_name.data] == ["USAGE"]
    with pytest.raises(NotFoundError):
        hosted.list_rate_cards(s.ListRateCardsRequest(pricePlanId="Nope"), actor=actor)


def test_invoices_take_their_currency_from_the_owning_account(togai, hosted, actor, acme):
    togai.add_invoice(ownerId="acc_987", customerId="cust_123", totalAmount=Decimal("12.34"))
    togai.add_invoice(ownerId="acc_987", customerId="cust_123", status="MERGED")
    page = hosted.list_invoices(s.ListInvoicesRequest(accountId="acc_987"), actor=actor)
    assert [(i.currency, i.totalAmount, i.status) for i in page.data] == [
        ("EUR", Decimal("12.34"), "DUE"),
        ("EUR", Decimal("100"), "VOID"),  # a merged invoice lives on in its composite
    ]
    assert len(togai.calls("GET", "/accounts/acc_987")) == 1  # one look-up per account


def test_an_invoice_status_change_sends_the_status_alone(togai, hosted, actor, acme):
    total = {"description": "Total", "type": "TOTAL_AMOUNT", "value": 100, "metadata": {"rounded": True}}
    invoice = togai.add_invoice(ownerId="acc_987", revenueInfo=total)
    paid = hosted.update_invoice_status(
        s.UpdateInvoiceStatusRequest(invoiceId=invoice["id"], status="PAID", reason="wire received"), actor=actor
    )
    assert paid.status == "PAID" and paid.revenueInfo.metadata == {"rounded": "True"}
    assert togai.calls("PATCH", f"/invoices/{invoice['id']}")[0].body == {"status": "PAID"}


def test_closing_cycles_now_is_plainly_not_something_hosted_togai_offers(togai, hosted, actor):
    with pytest.raises(UnsupportedError, match="hosted Togai closes billing cycles on its own schedule"):
        hosted.generate_invoices(s.GenerateInvoicesRequest(all=True), actor=actor)
    assert not togai.calls("POST", "/invoices/generate")


# money on account


def test_an_account_without_a_wallet_has_a_zero_balance_in_its_currency(hosted, actor, acme):
    balance = hosted.get_wallet_balance(s.GetWalletBalanceRequest(accountId="acc_987"), actor=actor)
    assert (balance.currency, balance.walletBalance, balance.availableBalance) == ("EUR", 0, 0)


def test_the_wallet_of_an_unknown_account_is_not_found(hosted, actor):
    with pytest.raises(NotFoundError, match="acc_nobody"):
        hosted.get_wallet_balance(s.GetWalletBalanceRequest(accountId="acc_nobody"), actor=actor)


def test_a_top_up_sends_the_amount_alone(togai, hosted, actor, acme):
    hosted.top_up_wallet(
        s.TopUpWalletRequest(accountId="acc_987", topupAmount=Decimal("25.50"), description="prepay"), actor=actor
    )
    assert togai.calls("POST", "/accounts/acc_987/wallet_topup")[0].body == {"topupAmount": 25.50}


@pytest.mark.parametrize("bare", [False, True], ids=["credits-object", "bare-array"])
def test_a_credit_grant_reads_either_answer_togai_documents(togai, hosted, actor, acme, bare):
    togai.bare_credit_array = bare
    granted = hosted.grant_credit(
        s.GrantCreditRequest(accountId="acc_987", creditAmount=Decimal("20"), purpose="Promo", priority=5),
        actor=actor,
    )
    assert granted.credit.id.startswith("cred.") and granted.credit.remainingAmount == 20
    assert granted.balance.creditBalance == 20
    sent = togai.calls("POST", "/credits")[0].body["creditRequests"][0]
    assert sent["effectiveFrom"] == datetime.now(UTC).date().isoformat()  # Togai requires it


def test_an_entitlement_is_checked_from_togais_feature_balance(togai, hosted, actor, acme):
    togai.features[("acc_987", "ai_queries")] = {"granted": 100, "balance": 10, "overageLimit": 5, "usedOverage": 0}
    within = hosted.check_entitlement(
        s.CheckEntitlementRequest(accountId="acc_987", featureId="ai_queries", quantity=Decimal("12")), actor=actor
    )
    assert within.entitled and within.used == 90 and "overage" in within.reason
    beyond = hosted.check_entitlement(
        s.CheckEntitlementRequest(accountId="acc_987", featureId="ai_queries", quantity=Decimal("16")), actor=actor
    )
    assert not beyond.entitled


def test_entitlements_list_each_feature_with_its_balance(togai, hosted, actor, acme):
    togai.features[("acc_987", "ai_queries")] = {"granted": 100, "balance": 60, "usedOverage": 0}
    [feature] = hosted.get_entitlements(s.GetEntitlementsRequest(accountId="acc_987"), actor=actor).data
    assert (feature.featureId, feature.granted, feature.used, feature.overageLimit) == ("ai_queries", 100, 40, None)


OUT_OF_BOUNDS = [
    {"attributes": [{"name": "units", "value": "-5"}]},
    {"attributes": [{"name": "units", "value": "1" * 19}]},
    {"timestamp": "0001-01-01T00:00:00+14:00"},
    {"timestamp": 1_700_000_000},
    {"dimensions": {f"d{n}": "x" for n in range(51)}},
]


@pytest.mark.django_db
def test_both_backends_refuse_the_same_out_of_bounds_events_with_the_same_reasons(
    togai, hosted, actor, acme, service, customer
):
    service.create_usage_meter(s.CreateUsageMeterRequest.model_validate(METER), actor=actor)
    batch = [event(id="ok-1")] + [event(id=f"bad-{n}") | bad for n, bad in enumerate(OUT_OF_BOUNDS)]
    answers = [
        backend.ingest_batch_events(s.IngestBatchRequest.model_validate({"events": batch}), actor=actor)
        for backend in (hosted, service)
    ]
    hosted_refusals, engine_refusals = ([(f.index, f.status, f.message) for f in a.failed] for a in answers)
    assert hosted_refusals == engine_refusals and len(hosted_refusals) == len(OUT_OF_BOUNDS)
    assert [e["eventPayload"]["id"] for e in togai.events] == ["ok-1"]  # nothing out of bounds was sent
    with pytest.raises(InvalidInputError, match="0 or more") as refused:
        hosted.ingest_event(s.IngestEventRequest.model_validate({"event": event() | OUT_OF_BOUNDS[0]}), actor=actor)
    assert refused.value.details["fields"] == {"event.attributes[0].value": refused.value.message.partition(": ")[2]}
