"""Wallets, credits and entitlements over the Togai API (togai-api.md §13, §15, §16)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.errors import NotFoundError, UpstreamError

from . import shapes
from .client import TogaiClient


class MoneyOps:
    client: TogaiClient

    def get_wallet_balance(self, request: s.GetWalletBalanceRequest, *, actor: Actor) -> s.WalletBalance:
        try:
            body = self.client.get(f"/accounts/{request.accountId}/wallet")
        except NotFoundError:
            if self.client.extended:
                raise
            # hosted Togai has no wallet until the first top-up; the account itself must exist
            account = shapes.account(self.client.get(f"/accounts/{request.accountId}"))
            body = {"accountId": account["id"], "creditUnit": account["invoiceCurrency"], "balance": 0}
        return self._balance(request.accountId, body)

    def top_up_wallet(self, request: s.TopUpWalletRequest, *, actor: Actor) -> s.WalletBalance:
        # hosted Togai's top-up takes the amount alone
        exclude = {"accountId"} if self.client.extended else {"accountId", "description"}
        body = self.client.request(
            "POST",
            f"/accounts/{request.accountId}/wallet_topup",
            json=shapes.body_of(request, exclude=exclude),
            headers=shapes.idempotency(request),
        )
        return self._balance(request.accountId, body)

    def grant_credit(self, request: s.GrantCreditRequest, *, actor: Actor) -> s.GrantCreditResponse:
        grant = request.model_dump(mode="python", exclude_none=True)  # Togai's CreditRequest has the key
        grant.setdefault("effectiveFrom", datetime.now(UTC).date())  # required by Togai
        body = self.client.request("POST", "/credits", json={"creditRequests": [grant]})
        credits = body if isinstance(body, list) else body.get("credits") or []  # docs show a bare array
        if not credits or not isinstance(credits[0], dict):
            raise UpstreamError(
                "the Togai API answered the credit grant without a credit; check the account's credits before "
                "granting again"
            )
        credit = dict(credits[0])
        balance = credit.pop("balance", None)
        if balance is None:
            account = credit.get("accountId") or request.accountId
            wallet = self.get_wallet_balance(s.GetWalletBalanceRequest(accountId=account), actor=actor)
        else:
            wallet = shapes.parse(s.WalletBalance, balance)
        return s.GrantCreditResponse(credit=shapes.parse(s.wallets.Credit, shapes.credit(credit)), balance=wallet)

    def void_credit(self, request: s.VoidCreditRequest, *, actor: Actor) -> s.wallets.Credit:
        # hosted Togai voids without a body; the reason stays in our audit trail
        payload = shapes.body_of(request, exclude={"creditId"}) if self.client.extended else None
        body = self.client.request(
            "POST", f"/credits/{request.creditId}/void", json=payload, headers=shapes.idempotency(request)
        )
        return shapes.parse(s.wallets.Credit, shapes.credit(body))

    def check_entitlement(self, request: s.CheckEntitlementRequest, *, actor: Actor) -> s.EntitlementCheck:
        path = f"/accounts/{request.accountId}/features/{request.featureId}"
        if self.client.extended:
            return shapes.parse(s.EntitlementCheck, self.client.get(path, quantity=str(request.quantity)))
        return _check_from_balance(self.client.get(path), request)

    def get_entitlements(self, request: s.GetEntitlementsRequest, *, actor: Actor) -> s.Entitlements:
        body = self.client.get(f"/accounts/{request.accountId}/entitlements")
        items = body.get("data") or []
        if not self.client.extended:  # hosted Togai lists values only: fetch each balance
            items = [self._feature(request.accountId, i["featureId"]) for i in items]
        body.setdefault("accountId", request.accountId)
        return shapes.parse(s.Entitlements, {"accountId": body["accountId"], "data": items})

    def _feature(self, account_id: str, feature_id: str) -> dict[str, Any]:
        body = self.client.get(f"/accounts/{account_id}/features/{feature_id}")
        granted = Decimal(body.get("granted") or 0)
        remaining = Decimal(body.get("balance") or 0)
        return {
            "featureId": feature_id,
            "name": feature_id,
            "granted": granted,
            "used": granted - remaining,
            "remaining": remaining,
            "overageLimit": body.get("overageLimit"),
            "usedOverage": body.get("usedOverage") or 0,
        }

    def _balance(self, account_id: str, body: dict[str, Any]) -> s.WalletBalance:
        if "walletBalance" in body:
            return shapes.parse(s.WalletBalance, body)
        # hosted Togai: the wallet holds prepaid money only; credits have their own balance
        wallet = Decimal(body.get("balance") or 0)
        try:
            credits = Decimal(self.client.get(f"/accounts/{account_id}/credit_balance").get("availableBalance") or 0)
        except NotFoundError:
            credits = Decimal(0)
        return s.WalletBalance(
            accountId=body.get("accountId") or account_id,
            currency=body.get("creditUnit") or settings.BILLING_CURRENCY,
            walletBalance=wallet,
            creditBalance=credits,
            availableBalance=wallet + credits,
            holdAmount=Decimal(body.get("holdAmount") or 0),
        )


def _check_from_balance(body: dict[str, Any], request: s.CheckEntitlementRequest) -> s.EntitlementCheck:
    granted = Decimal(body.get("granted") or 0)
    remaining = Decimal(body.get("balance") or 0)
    limit = body.get("overageLimit")
    used_overage = Decimal(body.get("usedOverage") or 0)
    headroom = None if limit is None else max(Decimal(limit) - used_overage, Decimal(0))
    entitled = request.quantity <= remaining or headroom is None or request.quantity <= remaining + headroom
    if request.quantity <= remaining:
        reason = f"{remaining} of {granted} remain this cycle"
    elif entitled:
        reason = "beyond the grant; the overage allowance covers it"
    else:
        reason = f"only {remaining} remain and the overage allowance is used up"
    return s.EntitlementCheck(
        entitled=entitled,
        accountId=request.accountId,
        featureId=request.featureId,
        granted=granted,
        used=granted - remaining,
        remaining=remaining,
        overageLimit=None if limit is None else Decimal(limit),
        usedOverage=used_overage,
        reason=reason,
    )
