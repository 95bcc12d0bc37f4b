"""The prepaid wallet: top-ups on an append-only ledger, netting at finalization (PAID or
PARTIALLY_PAID), credits before wallet, balances, and bad top-ups refused by field."""

from __future__ import annotations

import pytest

from billing_admin.engine.models import AuditLog, Wallet, WalletEntry
from billing_admin.errors import ConflictError, InvalidInputError, NotFoundError
from billing_admin.service import call
from tests.billing_admin.engine.money_helpers import (
    D,
    api_meter,
    assign,
    at,
    close,
    invoice,
    invoices,
    plan,
    total,
    usage_card,
    use,
    value,
)

pytestmark = pytest.mark.django_db


def top_up(actor, amount: str, **extra):
    return call("top_up_wallet", {"accountId": "acc_987", "topupAmount": amount, **extra}, actor=actor)


def balance(actor):
    return call("get_wallet_balance", {"accountId": "acc_987"}, actor=actor)


def january(actor, units: int):
    """Close January with `units` at 0.10 each."""
    p = plan(actor, "Wallet plan", [usage_card(api_meter(actor), tiers=[(0, "0.10")])])
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    use(actor, "acc_987", units, at(2026, 1, 10), event_id="jan")
    close(actor, at(2026, 2, 1))
    return invoice(actor, next(i.id for i in invoices(actor) if i.startDate.month == 1))


def ledger() -> list[tuple[str, int, int]]:
    return [(e.transaction_type, e.amount_minor, e.closing_balance_minor)
            for e in WalletEntry.objects.order_by("created_at", "id")]  # fmt: skip


def test_an_account_without_a_wallet_has_a_zero_balance(customer, actor):
    b = balance(actor)
    assert (b.currency, b.walletBalance, b.creditBalance, b.availableBalance, b.holdAmount) == (
        "USD", D("0.00"), D("0.00"), D("0.00"), D("0.00"))  # fmt: skip


def test_top_ups_add_up_on_the_ledger_and_are_audited(customer, actor):
    top_up(actor, "100.00")
    answer = top_up(actor, "50.25", description="Wire 2026-01")
    assert (answer.walletBalance, answer.availableBalance) == (D("150.25"), D("150.25"))
    assert ledger() == [("CREDITED", 10000, 10000), ("CREDITED", 5025, 15025)]
    assert AuditLog.objects.filter(action="top_up_wallet").count() == 2


def test_available_balance_is_wallet_plus_credit(customer, actor):
    top_up(actor, "100.00")
    call("grant_credit", {"accountId": "acc_987", "creditAmount": "50", "purpose": "Welcome"}, actor=actor)
    b = balance(actor)
    assert (b.walletBalance, b.creditBalance, b.availableBalance) == (D("100.00"), D("50.00"), D("150.00"))


def test_a_wallet_covering_the_invoice_pays_it_in_full_at_finalization(customer, actor):
    top_up(actor, "150.00")
    inv = january(actor, 1000)
    assert (inv.status, total(inv), inv.paidAmount) == ("PAID", D("100.00"), D("100.00"))
    assert value(inv.revenueInfo, "WALLET_APPLIED_AMOUNT") == D("100.00")
    assert balance(actor).walletBalance == D("50.00")
    assert ledger()[-1] == ("DEBITED", 10000, 5000)
    assert WalletEntry.objects.get(transaction_type="DEBITED").entity_id == inv.id


def test_a_short_wallet_leaves_the_invoice_partially_paid(customer, actor):
    top_up(actor, "150.00")
    inv = january(actor, 6000)  # 600.00
    assert (inv.status, total(inv), inv.paidAmount) == ("PARTIALLY_PAID", D("600.00"), D("150.00"))
    assert balance(actor).walletBalance == D("0.00")
    detail = call("get_account", {"accountId": "acc_987"}, actor=actor)
    assert [(o.id, o.dueAmount) for o in detail.outstandingInvoices] == [(inv.id, D("450.00"))]


def test_credits_are_applied_before_the_wallet(customer, actor):
    top_up(actor, "100.00")
    call("grant_credit", {"accountId": "acc_987", "creditAmount": "30", "purpose": "Promo",
                          "effectiveFrom": "2026-01-01"}, actor=actor)  # fmt: skip
    inv = january(actor, 1000)
    assert (total(inv), inv.paidAmount, inv.status) == (D("70.00"), D("70.00"), "PAID")
    assert balance(actor).walletBalance == D("30.00")


def test_an_empty_wallet_leaves_the_invoice_due(customer, actor):
    inv = january(actor, 1000)
    assert (inv.status, inv.paidAmount) == ("DUE", D("0.00"))
    assert not Wallet.objects.exists()


def test_money_stays_exact_over_many_small_top_ups(customer, actor):
    for _ in range(30):
        top_up(actor, "0.10")
    assert balance(actor).walletBalance == D("3.00")


def test_the_same_idempotency_key_tops_up_once(customer, actor):
    top_up(actor, "20.00", idempotencyKey="wire-1")
    again = top_up(actor, "20.00", idempotencyKey="wire-1")
    assert again.walletBalance == D("20.00")
    assert WalletEntry.objects.count() == 1
    with pytest.raises(ConflictError):
        top_up(actor, "25.00", idempotencyKey="wire-1")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"topupAmount": "0"}, "topupAmount"),
        ({"topupAmount": "-10"}, "topupAmount"),
        ({"topupAmount": "0.005"}, "topupAmount"),
        ({"topupAmount": "ten"}, "topupAmount"),
        ({"topupAmount": "1e30"}, "topupAmount"),
        ({"currency": "EUR"}, "currency"),
    ],
)
def test_a_bad_top_up_is_refused_by_field_and_writes_nothing(customer, actor, change, field):
    with pytest.raises(InvalidInputError) as err:
        call("top_up_wallet", {"accountId": "acc_987", "topupAmount": "10", **change}, actor=actor)
    assert field in err.value.details["fields"]
    assert not WalletEntry.objects.exists()


def test_a_top_up_in_yen_takes_whole_units_only(customer, actor):
    call("create_account", {"id": "acc_jp", "name": "Acme Japan", "customerId": "cust_123",
                            "invoiceCurrency": "JPY"}, actor=actor)  # fmt: skip
    with pytest.raises(InvalidInputError) as err:
        call("top_up_wallet", {"accountId": "acc_jp", "topupAmount": "10.50"}, actor=actor)
    assert "JPY" in err.value.details["fields"]["topupAmount"]
    answer = call("top_up_wallet", {"accountId": "acc_jp", "topupAmount": "1000"}, actor=actor)
    assert (answer.currency, answer.walletBalance) == ("JPY", D("1000"))


def test_reads_and_top_ups_of_an_unknown_account_name_it(customer, actor):
    for op, payload in (("get_wallet_balance", {}), ("top_up_wallet", {"topupAmount": "5"})):
        with pytest.raises(NotFoundError) as err:
            call(op, {"accountId": "acc_missing", **payload}, actor=actor)
        assert "acc_missing" in err.value.message
