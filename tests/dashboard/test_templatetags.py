"""One money filter for every amount, rates that keep their places, short status labels, and the
chat panel's optional slot."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import engines

from dashboard.templatetags.dashboard import minor_money, money, quantity, rate, status_badge


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("1234.5"), "USD", "$1,234.50"),
        ("-12.345", "EUR", "−€12.35"),  # one rounding rule: half-up
        (Decimal("1500"), "JPY", "¥1,500"),
        ("12.5", "CHF", "12.50 CHF"),
        (None, "USD", "—"),
    ],
)
def test_money_formats_each_currency_its_own_way(amount, currency, shown):
    assert money(amount, currency) == shown


def test_minor_money_reads_integer_minor_units():
    assert minor_money(18900, "USD") == "$189.00" and minor_money(1500, "JPY") == "¥1,500"


def test_a_rate_keeps_every_significant_place():
    assert (rate("0.000125", "USD"), rate("2", "USD"), rate("0.5", "EUR")) == ("$0.000125", "$2.00", "€0.50")


def test_quantities_drop_trailing_zeros_and_group_thousands():
    assert (quantity("12500.000000"), quantity("3.250"), quantity(None)) == ("12,500", "3.25", "—")


def test_a_status_badge_has_a_tone_a_short_label_and_the_full_status():
    assert status_badge("INGESTION_COMPLETED_EVENT_METERED") == (
        '<span class="badge badge-ok" title="INGESTION_COMPLETED_EVENT_METERED">Metered</span>'
    )
    assert 'badge-bad" title="INGESTION_FAILED_ACCOUNT_NOT_FOUND">Account not found<' in status_badge(
        "INGESTION_FAILED_ACCOUNT_NOT_FOUND"
    )
    assert ">Due<" in status_badge("DUE") and "badge-warn" in status_badge("DUE")


def render(source: str) -> str:
    return engines["django"].from_string("{% load dashboard %}" + source).render({"who": "Fiona"})


def test_the_optional_include_renders_a_template_that_exists():
    assert "Skip to content" not in render('{% optional_include "dashboard/partials/_messages.html" %}')
    assert render('[{% optional_include "dashboard/partials/_unavailable.html" %}]').startswith('[<div class="empty">')


def test_the_optional_include_renders_nothing_for_a_missing_template():
    assert render('[{% optional_include "dashboard/nothing/here.html" %}]') == "[]"
