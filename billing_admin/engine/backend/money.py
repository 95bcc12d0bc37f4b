from __future__ import annotations

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.errors import UnsupportedError


class MoneyOps:
    def get_wallet_balance(self, request: s.GetWalletBalanceRequest, *, actor: Actor) -> s.WalletBalance:
        raise UnsupportedError("wallets are not available yet")

    def top_up_wallet(self, request: s.TopUpWalletRequest, *, actor: Actor) -> s.WalletBalance:
        raise UnsupportedError("wallets are not available yet")

    def grant_credit(self, request: s.GrantCreditRequest, *, actor: Actor) -> s.GrantCreditResponse:
        raise UnsupportedError("credits are not available yet")

    def check_entitlement(self, request: s.CheckEntitlementRequest, *, actor: Actor) -> s.EntitlementCheck:
        raise UnsupportedError("entitlements are not available yet")

    def get_entitlements(self, request: s.GetEntitlementsRequest, *, actor: Actor) -> s.Entitlements:
        raise UnsupportedError("entitlements are not available yet")
