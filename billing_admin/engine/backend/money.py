from __future__ import annotations

from billing_admin import schemas as s
from billing_admin.actors import Actor

from ..accounts import account_resolve
from ..atomic import atomic_write
from ..credits import credit_grant, credit_to_schema, credit_void
from ..entitlements import entitlement_check, entitlements_list
from ..wallets import balance_of, wallet_top_up


class MoneyOps:
    def get_wallet_balance(self, request: s.GetWalletBalanceRequest, *, actor: Actor) -> s.WalletBalance:
        return balance_of(account_resolve(request.accountId))

    def top_up_wallet(self, request: s.TopUpWalletRequest, *, actor: Actor) -> s.WalletBalance:
        def write() -> s.WalletBalance:
            return wallet_top_up(request=request, account=account_resolve(request.accountId), actor=actor)

        return atomic_write(write)

    def grant_credit(self, request: s.GrantCreditRequest, *, actor: Actor) -> s.GrantCreditResponse:
        def write() -> s.GrantCreditResponse:
            account = account_resolve(request.accountId)
            credit = credit_grant(request=request, account=account, actor=actor)
            return s.GrantCreditResponse(credit=credit_to_schema(credit), balance=balance_of(account))

        return atomic_write(write)

    def void_credit(self, request: s.VoidCreditRequest, *, actor: Actor) -> s.wallets.Credit:
        return atomic_write(
            lambda: credit_to_schema(credit_void(credit_id=request.creditId, reason=request.reason, actor=actor)),
        )

    def check_entitlement(self, request: s.CheckEntitlementRequest, *, actor: Actor) -> s.EntitlementCheck:
        account = account_resolve(request.accountId)
        return entitlement_check(account=account, feature_id=request.featureId, quantity=request.quantity)

    def get_entitlements(self, request: s.GetEntitlementsRequest, *, actor: Actor) -> s.Entitlements:
        return entitlements_list(account=account_resolve(request.accountId))
