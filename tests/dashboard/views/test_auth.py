"""Logging in and out."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.dashboard import factories

pytestmark = pytest.mark.django_db


def test_the_login_page_has_labelled_fields(anonymous):
    page = anonymous.get(reverse("dashboard:login")).content.decode()
    assert '<label for="id_username">' in page and '<label for="id_password">' in page


def test_logging_in_goes_back_to_the_page_asked_for(db):
    factories.viewer()
    response = Client().post(reverse("dashboard:login") + "?next=/invoices/",
                             {"username": "victor", "password": factories.PASSWORD, "next": "/invoices/"})  # fmt: skip
    assert response["Location"] == "/invoices/"


def test_a_wrong_password_is_an_inline_error(db):
    factories.viewer()
    response = Client().post(reverse("dashboard:login"), {"username": "victor", "password": "nope"})
    assert response.status_code == 200 and 'class="form-errors"' in response.content.decode()


def test_logging_out_ends_the_session(viewer):
    assert viewer.post(reverse("dashboard:logout"))["Location"] == reverse("dashboard:login")
    assert viewer.get(reverse("dashboard:overview")).status_code == 302
