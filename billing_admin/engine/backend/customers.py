from __future__ import annotations

from billing_admin import schemas as s
from billing_admin.actors import Actor

from ..accounts import account_create, account_list, account_resolve, account_to_schema, account_update
from ..atomic import atomic_write
from ..customers import customer_create, customer_get, customer_list, customer_to_schema, customer_update
from ..pagination import paginate


class CustomerOps:
    def list_customers(self, request: s.ListCustomersRequest, *, actor: Actor) -> s.CustomerPage:
        data, token = paginate(
            customer_list(query=request.query),
            key="customer_id",
            page_size=request.pageSize,
            next_token=request.nextToken,
            render=customer_to_schema,
        )
        return s.CustomerPage(data=data, nextToken=token)

    def get_customer(self, request: s.GetCustomerRequest, *, actor: Actor) -> s.CustomerWithAccounts:
        customer = customer_get(customer_id=request.customerId)
        accounts = [account_to_schema(a) for a in account_list(customer_id=customer.customer_id)]
        return s.CustomerWithAccounts(**customer_to_schema(customer).model_dump(), accounts=accounts)

    def create_customer(self, request: s.CreateCustomerRequest, *, actor: Actor) -> s.CreateCustomerResponse:
        return atomic_write(lambda: customer_create(request=request, actor=actor))

    def update_customer(self, request: s.UpdateCustomerRequest, *, actor: Actor) -> s.Customer:
        return atomic_write(lambda: customer_update(request=request, actor=actor))

    def list_accounts(self, request: s.ListAccountsRequest, *, actor: Actor) -> s.AccountPage:
        data, token = paginate(
            account_list(customer_id=request.customerId, status=request.status, query=request.query),
            key="account_id",
            page_size=request.pageSize,
            next_token=request.nextToken,
            render=account_to_schema,
        )
        return s.AccountPage(data=data, nextToken=token)

    def get_account(self, request: s.GetAccountRequest, *, actor: Actor) -> s.AccountDetail:
        from ..financials import account_financials

        account = account_resolve(request.accountId)
        return account_financials(account=account, base=account_to_schema(account))

    def create_account(self, request: s.CreateAccountRequest, *, actor: Actor) -> s.Account:
        return atomic_write(
            lambda: account_to_schema(account_create(request=request, actor=actor)),
        )

    def update_account(self, request: s.UpdateAccountRequest, *, actor: Actor) -> s.Account:
        return atomic_write(
            lambda: account_to_schema(account_update(request=request, actor=actor)),
        )
