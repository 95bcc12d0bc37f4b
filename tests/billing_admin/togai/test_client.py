"""The httpx client against a real HTTP server: auth, retries and backoff, timeouts, error mapping,
exact numbers and pages followed."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest

from billing_admin import schemas as s
from billing_admin.errors import NotFoundError, PermissionDeniedError, UpstreamError
from billing_admin.togai.backend import TogaiService
from billing_admin.togai.client import TogaiClient

from .fake_togai import API_KEY, READ_ONLY_KEY, Seen


def gaps(seen: list[Seen]) -> list[float]:
    return [later.at - earlier.at for earlier, later in zip(seen, seen[1:], strict=False)]


def test_it_sends_the_api_key_as_a_bearer_token(togai, hosted, actor):
    hosted.list_customers(s.ListCustomersRequest(), actor=actor)
    assert togai.calls("GET", "/customers")[0].headers["Authorization"] == f"Bearer {API_KEY}"


def test_a_429_is_retried_after_the_time_retry_after_names(togai, hosted, actor, acme):
    before = len(togai.calls("GET", "/customers/cust_123"))
    togai.fail("GET", "/customers/cust_123", 429, times=2, headers={"Retry-After": "0.2"})
    customer = hosted.get_customer(s.GetCustomerRequest(customerId="cust_123"), actor=actor)
    assert customer.id == "cust_123"
    seen = togai.calls("GET", "/customers/cust_123")[before:]
    assert len(seen) == 3
    assert all(gap >= 0.2 for gap in gaps(seen))


def test_a_503_is_retried_with_exponential_backoff(togai, hosted, actor):
    togai.fail("GET", "/customers", 503, times=2)
    assert hosted.list_customers(s.ListCustomersRequest(), actor=actor).data == []
    first, second = gaps(togai.calls("GET", "/customers"))
    assert first >= 0.05 and second >= 0.1  # backoff 0.05 s, doubling


def test_it_gives_up_after_its_retries_with_a_clear_error(togai, hosted, actor):
    togai.fail("GET", "/customers", 503, times=10)
    with pytest.raises(UpstreamError, match=r"failed on GET /customers \(503\).*try again later"):
        hosted.list_customers(s.ListCustomersRequest(), actor=actor)
    assert len(togai.calls("GET", "/customers")) == 3  # the first try and two retries


def test_rate_limiting_that_does_not_stop_says_so(togai, hosted, actor):
    togai.fail("GET", "/customers", 429, times=10, headers={"Retry-After": "0"})
    with pytest.raises(UpstreamError, match="rate limiting"):
        hosted.list_customers(s.ListCustomersRequest(), actor=actor)


def test_other_errors_are_not_retried(togai, hosted, actor):
    togai.fail("GET", "/customers", 500, times=1)
    with pytest.raises(UpstreamError, match=r"\(500\)"):
        hosted.list_customers(s.ListCustomersRequest(), actor=actor)
    assert len(togai.calls("GET", "/customers")) == 1


def test_a_refused_key_names_the_setting_to_fix(togai, actor):
    service = TogaiService.connect(togai.url, "wrong-key", retries=0)
    with pytest.raises(PermissionDeniedError, match="TOGAI_API_KEY.*Invalid credentials"):
        service.list_customers(s.ListCustomersRequest(), actor=actor)


def test_a_key_without_access_is_a_403_naming_the_call(togai, hosted, actor, acme):
    service = TogaiService.connect(togai.url, READ_ONLY_KEY, retries=0)
    assert service.get_customer(s.GetCustomerRequest(customerId="cust_123"), actor=actor).id == "cust_123"
    with pytest.raises(PermissionDeniedError, match="PATCH /customers/cust_123.*permissions"):
        service.update_customer(s.UpdateCustomerRequest(customerId="cust_123", name="Acme Two"), actor=actor)


def test_a_missing_object_is_not_found_with_togais_message_and_the_call(hosted, actor):
    with pytest.raises(NotFoundError, match="Customer not found.*GET /customers/nobody"):
        hosted.get_customer(s.GetCustomerRequest(customerId="nobody"), actor=actor)


def test_a_slow_answer_times_out_with_a_warning_that_it_may_have_happened(togai, actor):
    togai.stall("/customers", 1.0)
    service = TogaiService.connect(togai.url, API_KEY, timeout=0.3, retries=0)
    with pytest.raises(UpstreamError, match="did not answer.*may still have been carried out"):
        service.list_customers(s.ListCustomersRequest(), actor=actor)


def test_an_unreachable_server_is_retried_then_named(actor):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the client calls: nothing listens
    service = TogaiService.connect(f"http://127.0.0.1:{port}", API_KEY, retries=1, backoff=0.01)
    with pytest.raises(UpstreamError, match="could not reach the Togai API.*TOGAI_BASE_URL"):
        service.list_customers(s.ListCustomersRequest(), actor=actor)


def test_an_answer_that_is_not_json_is_an_upstream_error(togai, hosted, actor):
    togai.fail("GET", "/customers", 200, body=b"<html>maintenance</html>")
    with pytest.raises(UpstreamError, match="not JSON"):
        hosted.list_customers(s.ListCustomersRequest(), actor=actor)


def test_an_answer_that_does_not_fit_the_schema_is_named(togai, hosted, actor):
    togai.fail("GET", "/customers/x", 200, body={"id": "x"})
    with pytest.raises(UpstreamError, match="cannot read"):
        hosted.get_customer(s.GetCustomerRequest(customerId="x"), actor=actor)


def test_money_crosses_the_wire_as_exact_decimals(hosted, actor, acme):
    for amount in ("0.1", "0.2"):
        hosted.top_up_wallet(s.TopUpWalletRequest(accountId="acc_987", topupAmount=Decimal(amount)), actor=actor)
    balance = hosted.get_wallet_balance(s.GetWalletBalanceRequest(accountId="acc_987"), actor=actor)
    assert balance.walletBalance == Decimal("0.3")


def test_pages_are_followed_to_the_end(togai, hosted, actor, acme):
    for n in range(60):
        togai.accounts[f"acc_{n:02}"] = {**togai.accounts["acc_987"], "id": f"acc_{n:02}", "aliases": []}
    customer = hosted.get_customer(s.GetCustomerRequest(customerId="cust_123"), actor=actor)
    assert len(customer.accounts) == 61
    assert len(togai.calls("GET", "/accounts")) == 2  # pages of 50


def test_it_asks_once_whether_the_server_is_hosted_togai(togai, hosted, actor):
    for _ in range(3):
        hosted.list_customers(s.ListCustomersRequest(query="x"), actor=actor)
    assert len(togai.calls("GET", "/openapi.json")) == 1
    assert hosted.client.extended is False


def test_an_empty_api_key_is_refused_before_any_call():
    with pytest.raises(PermissionDeniedError, match="TOGAI_API_KEY is empty"):
        TogaiClient("https://api.togai.com", "")


def test_the_backend_setting_selects_the_togai_client(settings, togai, actor):
    from billing_admin.service import _backend, call, get_service

    settings.BILLING_BACKEND = "togai"
    settings.TOGAI_BASE_URL = togai.url
    settings.TOGAI_API_KEY = API_KEY
    _backend.cache_clear()
    try:
        assert isinstance(get_service().backend, TogaiService)
        page = call("list_customers", {"pageSize": 5}, actor=actor)
        assert page.data == [] and togai.calls("GET", "/customers")[0].query["pageSize"] == "5"
    finally:
        _backend.cache_clear()
