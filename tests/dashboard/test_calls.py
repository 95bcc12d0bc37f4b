"""The pages' door onto the service: reads that degrade to an empty state, and service errors that
land on the form field they are about."""

from __future__ import annotations

import pytest
from django import forms
from django.http import Http404
from django.test import RequestFactory

from billing_admin.errors import ConflictError, InvalidInputError, InvalidStateError, NotFoundError, UnsupportedError
from dashboard import calls


class AccountishForm(forms.Form):
    api_fields = {"account.invoiceCurrency": "currency"}
    conflict_field = "id"
    id = forms.CharField()
    currency = forms.CharField()
    name = forms.CharField()


def bound() -> AccountishForm:
    form = AccountishForm({"id": "acc_1", "currency": "usd", "name": "A"})
    assert form.is_valid()
    return form


def test_field_errors_land_on_their_fields_by_map_or_by_name():
    form = bound()
    calls.attach_error(form, InvalidInputError.for_fields({"account.invoiceCurrency": "unknown", "x.name": "short"}))
    assert form.errors == {"currency": ["unknown"], "name": ["short"]}


def test_an_error_about_no_field_of_the_form_is_a_form_error():
    form = bound()
    calls.attach_error(form, InvalidStateError("the invoice is already PAID"))
    assert form.non_field_errors() == ["the invoice is already PAID"]


def test_a_conflict_lands_on_the_id_the_person_typed():
    form = bound()
    calls.attach_error(form, ConflictError("account 'acc_1' already exists"))
    assert form.errors == {"id": ["account 'acc_1' already exists"]}


@pytest.fixture
def request_as_someone(db):
    from tests.dashboard.factories import viewer

    request = RequestFactory().get("/")
    request.user = viewer()
    return request


def test_a_read_of_something_missing_is_a_404(request_as_someone, monkeypatch):
    monkeypatch.setattr(calls, "call", lambda *a, **k: (_ for _ in ()).throw(NotFoundError("no such invoice")))
    with pytest.raises(Http404):
        calls.read(request_as_someone, "get_invoice", {"invoiceId": "x"})
    assert not calls.read(request_as_someone, "get_invoice", {"invoiceId": "x"}, missing_is_404=False)


def test_a_read_the_backend_cannot_do_is_an_empty_state(request_as_someone, monkeypatch):
    monkeypatch.setattr(calls, "call", lambda *a, **k: (_ for _ in ()).throw(UnsupportedError("no wallets")))
    result = calls.read(request_as_someone, "get_wallet_balance", {"accountId": "acc_1"})
    assert not result and result.message == "Not available yet: no wallets."


def test_unset_values_are_dropped_but_empty_lists_stay():
    assert calls.without_unset({"a": None, "b": "", "c": [], "d": 0, "e": "x"}) == {"c": [], "d": 0, "e": "x"}
