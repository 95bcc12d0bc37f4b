"""An account's financial picture for get_account. Filled in with the pricing engine."""

from __future__ import annotations

from billing_admin import schemas as s

from .models import Account


def account_financials(*, account: Account, base: s.Account) -> s.AccountDetail:
    return s.AccountDetail(**base.model_dump())
