"""Customers and accounts over the Togai API (togai-api.md §8, §9, §12)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from billing_admin import schemas as s
from billing_admin.actors import Actor

from . import shapes
from .client import TogaiClient

FAR_FUTURE = "9999-01-01"
PLAN_FIELDS = frozenset({"pricePlanId", "effectiveFrom"})  # ours: hosted Togai assigns plans by schedules


class _WithWallets(Protocol):
    """A service that also answers wallet balances (`MoneyOps`, in the same TogaiService)."""

    client: TogaiClient

    def get_wallet_balance(self, request: s.GetWalletBalanceRequest, *, actor: Actor) -> s.WalletBalance: ...


class CustomerOps:
    client: TogaiClient

    def list_customers(self, request: s.ListCustomersRequest, *, actor: Actor) -> s.CustomerPage:
        if self.client.extended or not request.query:
            body = self.client.get(
                "/customers", pageSize=request.pageSize, nextToken=request.nextToken, query=request.query
            )
            data = [shapes.parse(s.Customer, shapes.customer(c)) for c in body.get("data") or []]
            return s.CustomerPage(data=data, nextToken=body.get("nextToken"))
        # hosted Togai has no customer filter: read pages until enough match
        needle = request.query.lower()
        items, token = shapes.filtered_pages(
            self.client,
            "/customers",
            page_size=request.pageSize,
            next_token=request.nextToken,
            keep=lambda c: needle in f"{c.get('id')} {c.get('name')} {c.get('primaryEmail')}".lower(),
        )
        return s.CustomerPage(data=[shapes.parse(s.Customer, shapes.customer(c)) for c in items], nextToken=token)

    def get_customer(self, request: s.GetCustomerRequest, *, actor: Actor) -> s.CustomerWithAccounts:
        body = shapes.customer(self.client.get(f"/customers/{request.customerId}"))
        if "accounts" not in body:  # hosted Togai: find the customer's accounts in the org-wide list
            body["accounts"] = [a for a in self.client.pages("/accounts") if a.get("customerId") == request.customerId]
        body["accounts"] = [shapes.account(a) for a in body["accounts"]]
        return shapes.parse(s.CustomerWithAccounts, body)

    def create_customer(self, request: s.CreateCustomerRequest, *, actor: Actor) -> s.CreateCustomerResponse:
        payload = shapes.body_of(request)
        payload.setdefault("address", {})  # Togai requires an address object
        body = self.client.request("POST", "/customers", json=payload, headers=shapes.idempotency(request))
        if "createdAt" not in body:  # hosted Togai's create answer has no status or timestamps
            body = {**self.client.get(f"/customers/{request.id}"), "account": body.get("account")}
        body = shapes.customer(body)
        if body.get("account"):
            body["account"] = shapes.account(body["account"])
        return shapes.parse(s.CreateCustomerResponse, body)

    def update_customer(self, request: s.UpdateCustomerRequest, *, actor: Actor) -> s.Customer:
        body = self.client.request(
            "PATCH",
            f"/customers/{request.customerId}",
            json=shapes.body_of(request, exclude={"customerId"}),
            headers=shapes.idempotency(request),
        )
        return shapes.parse(s.Customer, shapes.customer(body))

    def list_accounts(self, request: s.ListAccountsRequest, *, actor: Actor) -> s.AccountPage:
        if self.client.extended or not (request.customerId or request.status or request.query):
            body = self.client.get(
                "/accounts",
                pageSize=request.pageSize,
                nextToken=request.nextToken,
                customerId=request.customerId,
                status=request.status,
                query=request.query,
            )
            data = [shapes.parse(s.Account, shapes.account(a)) for a in body.get("data") or []]
            return s.AccountPage(data=data, nextToken=body.get("nextToken"))
        # hosted Togai lists every account of the organisation, unfiltered: filter here
        needle = (request.query or "").lower()

        def keep(account: dict[str, Any]) -> bool:
            return (
                (not request.customerId or account.get("customerId") == request.customerId)
                and (not request.status or account.get("status") == request.status)
                and needle in f"{account.get('id')} {account.get('name')}".lower()
            )

        items, token = shapes.filtered_pages(
            self.client, "/accounts", page_size=request.pageSize, next_token=request.nextToken, keep=keep
        )
        return s.AccountPage(data=[shapes.parse(s.Account, shapes.account(a)) for a in items], nextToken=token)

    def get_account(self: _WithWallets, request: s.GetAccountRequest, *, actor: Actor) -> s.AccountDetail:
        body = shapes.account(self.client.get(f"/accounts/{request.accountId}"))
        if not self.client.extended:  # hosted Togai: the balances come from the wallet and credit endpoints
            balance = self.get_wallet_balance(s.GetWalletBalanceRequest(accountId=body["id"]), actor=actor)
            body.update(
                walletBalance=balance.walletBalance,
                creditBalance=balance.creditBalance,
                availableBalance=balance.availableBalance,
            )
        return shapes.parse(s.AccountDetail, body)

    def create_account(self, request: s.CreateAccountRequest, *, actor: Actor) -> s.Account:
        body = self.client.request(
            "POST", "/accounts", json=self._account_body(request, set()), headers=shapes.idempotency(request)
        )
        return self._with_plan(body, request.pricePlanId, request.effectiveFrom)

    def update_account(self, request: s.UpdateAccountRequest, *, actor: Actor) -> s.Account:
        body = self.client.request(
            "PATCH",
            f"/accounts/{request.accountId}",
            json=self._account_body(request, {"accountId"}),
            headers=shapes.idempotency(request),
        )
        return self._with_plan(body, request.pricePlanId, request.effectiveFrom)

    def _account_body(self, request: s.CreateAccountRequest | s.UpdateAccountRequest, exclude: set[str]) -> dict:
        if not self.client.extended:
            exclude = exclude | PLAN_FIELDS
        return shapes.body_of(request, exclude=exclude)

    def _with_plan(self, body: dict[str, Any], plan_id: str | None, effective_from: datetime | None) -> s.Account:
        """On hosted Togai a plan is assigned by a schedule edit and its finalization (togai-api.md §12);
        a Billing Admin assigns it with the account write itself."""
        if plan_id and not self.client.extended:
            start = (effective_from or datetime.now(UTC)).date().isoformat()
            edit = {
                "mode": "ASSOCIATE",
                "effectiveFrom": start,
                "effectiveUntil": FAR_FUTURE,
                "associationConfig": {"pricePlanId": plan_id},
            }
            self.client.request("POST", f"/v2/accounts/{body['id']}/edit_schedules", json={"edits": [edit]})
            self.client.request("POST", f"/v2/accounts/{body['id']}/finalize_schedules", json={})
            body = {**body, "pricePlanId": plan_id}
        return shapes.parse(s.Account, shapes.account(body))
