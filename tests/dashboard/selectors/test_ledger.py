"""An account's money trail: credit movements and wallet entries together, newest first, signed."""

from __future__ import annotations

import pytest

from billing_admin.service import call
from dashboard.selectors.invoices import account_pk
from dashboard.selectors.ledger import account_ledger, active_credits

pytestmark = pytest.mark.django_db


def test_the_ledger_merges_credits_and_wallet_entries_newest_first(customer, actor):
    call("top_up_wallet", {"accountId": "acc_987", "topupAmount": "100", "description": "Prepayment"}, actor=actor)
    call("grant_credit", {"accountId": "acc_987", "creditAmount": "20", "purpose": "Goodwill"}, actor=actor)
    entries = account_ledger(account_pk=account_pk("acc_987"))
    assert [(e.label, str(e.amount), e.wallet_after) for e in entries] == [
        ("Credit granted", "20.00", None),
        ("Wallet top-up", "100.00", 100),
    ]


def test_active_credits_come_in_the_order_they_apply(customer, actor):
    for amount, priority in (("5", 80), ("7", 10)):
        call("grant_credit", {"accountId": "acc_987", "creditAmount": amount, "purpose": f"p{priority}",
                              "priority": priority}, actor=actor)  # fmt: skip
    assert [(c.purpose, str(c.remaining)) for c in active_credits(account_pk=account_pk("acc_987"))] == [
        ("p10", "7.00"),
        ("p80", "5.00"),
    ]


def test_an_alias_finds_the_account(customer):
    assert account_pk("acme-prod") == account_pk("acc_987") is not None
    assert account_pk("nobody") is None
