"""A ceiling that is not an amount is caught by `manage.py check`, not by the first money move."""

from __future__ import annotations

from billing_admin.approvals.apps import check_ceilings


def test_the_default_ceilings_pass_the_check():
    assert check_ceilings() == []


def test_a_ceiling_that_is_not_an_amount_fails_the_check_naming_the_setting(settings):
    settings.BILLING_MAX_TOPUP_AMOUNT = "lots"
    settings.BILLING_MAX_AMOUNT_BY_CURRENCY = {"JPY": "-1"}

    messages = sorted(error.msg for error in check_ceilings())

    assert messages == [
        "BILLING_MAX_AMOUNT_BY_CURRENCY[JPY] must be 0 or more, not '-1'",
        "BILLING_MAX_TOPUP_AMOUNT must be an amount such as 100000, not 'lots'",
    ]
