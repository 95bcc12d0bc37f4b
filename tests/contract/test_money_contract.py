"""Plans, invoices, wallets, credits and entitlements: the same answers from both backends."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.errors import InvalidInputError, InvalidStateError, NotFoundError
from billing_admin.service import BillingService

from .conftest import start_of_month, usage


def spend(backend: BillingService, actor: Actor, units: str = "500") -> None:
    backend.ingest_batch_events(s.IngestBatchRequest.model_validate({"events": [usage(units)]}), actor=actor)


def test_a_plan_is_created_finalized_and_its_cards_listed_by_id_or_name(backend, actor, pro):
    assert pro.status == "ACTIVE" and pro.supportedCurrencies == ["USD"]
    assert [c.type for c in pro.rateCards] == ["USAGE", "BILLING_ENTITLEMENT"]
    assert [p.id for p in backend.list_price_plans(s.ListPricePlansRequest(), actor=actor).data] == [pro.id]
    cards = backend.list_rate_cards(s.ListRateCardsRequest(pricePlanId="Pro"), actor=actor)
    assert cards.pricePlanId == pro.id and [c.billableId for c in cards.data][1] == "ai_queries"
    with pytest.raises(NotFoundError):
        backend.list_rate_cards(s.ListRateCardsRequest(pricePlanId="Nope"), actor=actor)


def test_an_account_on_a_plan_shows_its_cycle_and_charges_so_far(backend, actor, on_pro):
    spend(backend, actor)
    account = backend.get_account(s.GetAccountRequest(accountId="acc_987"), actor=actor)
    assert account.pricePlanId == on_pro.id and account.pricePlan.name == "Pro"
    assert account.currentCycle.startDate == start_of_month() and account.currentCycle.chargesSoFar == 50


def test_the_open_cycle_is_a_draft_invoice_that_closes_due_and_is_paid(backend, actor, on_pro, monkeypatch):
    spend(backend, actor)
    [draft] = backend.list_invoices(s.ListInvoicesRequest(accountId="acc_987", status="DRAFT"), actor=actor).data
    assert draft.totalAmount == 50 and draft.currency == "USD" and draft.customerId == "cust_123"
    with pytest.raises(InvalidStateError):
        backend.update_invoice_status(
            s.UpdateInvoiceStatusRequest(invoiceId=draft.id, status="PAID", reason="too early"), actor=actor
        )
    next_month = (start_of_month() + timedelta(days=32)).replace(day=1, hour=1)
    monkeypatch.setattr(timezone, "now", lambda: next_month)  # a month has passed
    closed = backend.generate_invoices(s.GenerateInvoicesRequest(accountId="acc_987", asOf=next_month), actor=actor)
    assert closed.invoiceIds == [draft.id]
    invoice = backend.get_invoice(s.GetInvoiceRequest(invoiceId=draft.id), actor=actor)
    assert invoice.status == "DUE" and invoice.revenueInfo.value == 50
    paid = backend.update_invoice_status(
        s.UpdateInvoiceStatusRequest(invoiceId=draft.id, status="PAID", reason="wire received"), actor=actor
    )
    assert paid.status == "PAID" and paid.statusReason == "wire received"


def test_an_unknown_invoice_is_not_found(backend, actor, acme):
    with pytest.raises(NotFoundError):
        backend.get_invoice(s.GetInvoiceRequest(invoiceId="inv.nothing"), actor=actor)


def test_wallet_and_credits_add_up_exactly(backend, actor, acme):
    wallet = backend.top_up_wallet(s.TopUpWalletRequest(accountId="acc_987", topupAmount=Decimal("0.1")), actor=actor)
    wallet = backend.top_up_wallet(s.TopUpWalletRequest(accountId="acc_987", topupAmount=Decimal("0.2")), actor=actor)
    assert wallet.walletBalance == Decimal("0.3")
    granted = backend.grant_credit(
        s.GrantCreditRequest(accountId="acme-prod", creditAmount=Decimal("20"), purpose="Goodwill", priority=5),
        actor=actor,
    )
    assert granted.credit.status == "ACTIVE" and granted.credit.accountId == "acc_987"
    balance = backend.get_wallet_balance(s.GetWalletBalanceRequest(accountId="acc_987"), actor=actor)
    assert (balance.walletBalance, balance.creditBalance, balance.availableBalance) == (
        Decimal("0.3"), Decimal("20"), Decimal("20.3"))  # fmt: skip


def test_idempotency_keys_make_money_writes_repeat_safe(backend, actor, acme):
    grant = s.GrantCreditRequest(accountId="acc_987", creditAmount=Decimal("5"), purpose="Promo", idempotencyKey="g-1")
    first, again = (backend.grant_credit(grant, actor=actor) for _ in range(2))
    assert first.credit.id == again.credit.id
    top_up = s.TopUpWalletRequest(accountId="acc_987", topupAmount=Decimal("7"), idempotencyKey="t-1")
    for _ in range(2):
        balance = backend.top_up_wallet(top_up, actor=actor)
    assert balance.walletBalance == 7 and balance.creditBalance == 5


def test_a_voided_credit_pays_for_nothing_more(backend, actor, acme):
    granted = backend.grant_credit(
        s.GrantCreditRequest(accountId="acc_987", creditAmount=Decimal("20"), purpose="Goodwill"), actor=actor
    )
    voided = backend.void_credit(s.VoidCreditRequest(creditId=granted.credit.id, reason="granted twice"), actor=actor)
    assert voided.status == "VOIDED"
    assert backend.get_wallet_balance(s.GetWalletBalanceRequest(accountId="acc_987"), actor=actor).creditBalance == 0


def test_money_for_an_unknown_account_is_not_found(backend, actor, acme):
    with pytest.raises(NotFoundError, match="acc_nobody"):
        backend.top_up_wallet(s.TopUpWalletRequest(accountId="acc_nobody", topupAmount=Decimal("1")), actor=actor)
    with pytest.raises(NotFoundError, match="acc_nobody"):
        backend.get_wallet_balance(s.GetWalletBalanceRequest(accountId="acc_nobody"), actor=actor)


def test_entitlements_are_granted_by_the_plan_and_used_by_events(backend, actor, on_pro):
    backend.ingest_event(s.IngestEventRequest(event=usage("30", schema="ai_queries", attribute="queries")), actor=actor)
    [feature] = backend.get_entitlements(s.GetEntitlementsRequest(accountId="acc_987"), actor=actor).data
    assert (feature.featureId, feature.granted, feature.used, feature.remaining) == ("ai_queries", 100, 30, 70)
    check = backend.check_entitlement(
        s.CheckEntitlementRequest(accountId="acc_987", featureId="ai_queries", quantity=Decimal("71")), actor=actor
    )
    assert not check.entitled and check.remaining == 70 and check.reason
    assert backend.check_entitlement(
        s.CheckEntitlementRequest(accountId="acc_987", featureId="ai_queries", quantity=Decimal("70")), actor=actor
    ).entitled


def test_an_unknown_feature_is_not_found_or_refused(backend, actor, on_pro):
    with pytest.raises((NotFoundError, InvalidInputError), match="nope"):
        backend.check_entitlement(s.CheckEntitlementRequest(accountId="acc_987", featureId="nope"), actor=actor)
