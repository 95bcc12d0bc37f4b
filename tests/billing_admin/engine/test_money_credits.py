"""Credits: granted, applied at finalization by priority then earliest expiry within their scope,
expired, voided, minted by credit-grant cards; and every bad grant refused by field."""

from __future__ import annotations

import pytest

from billing_admin.engine.models import AuditLog, Credit
from billing_admin.errors import ConflictError, InvalidInputError, InvalidStateError, NotFoundError
from billing_admin.service import call
from tests.billing_admin.engine.money_helpers import (
    D,
    api_meter,
    assign,
    at,
    close,
    credit_grant_card,
    find,
    fixed_fee_card,
    invoice,
    invoices,
    plan,
    total,
    usage_card,
    use,
    value,
)

pytestmark = pytest.mark.django_db


def grant(actor, amount: str, **extra):
    payload = {"accountId": "acc_987", "creditAmount": amount, "purpose": extra.pop("purpose", "Goodwill"),
               "effectiveFrom": "2026-01-01", **extra}  # fmt: skip
    return call("grant_credit", payload, actor=actor)


def credit(credit_id: str) -> Credit:
    return Credit.objects.get(credit_id=credit_id)


def january_bill(actor, units=1000, cards=None) -> object:
    """Close January on a plan pricing each unit at 0.10 (1,000 units = 100.00)."""
    cards = cards or [usage_card(api_meter(actor), tiers=[(0, "0.10")])]
    p = plan(actor, "Credits plan", cards)
    assign(actor, "acc_987", p.id, at(2026, 1, 1))
    if units:
        use(actor, "acc_987", units, at(2026, 1, 10), event_id="jan")
    close(actor, at(2026, 2, 1))
    return invoice(actor, next(i.id for i in invoices(actor) if i.startDate.month == 1))


def test_a_grant_returns_the_credit_and_the_new_balance_and_is_audited(customer, actor):
    answer = grant(actor, "25.50", priority=5)
    assert (answer.credit.status, answer.credit.creditAmount, answer.credit.priority) == ("ACTIVE", D("25.50"), 5)
    assert (answer.balance.creditBalance, answer.balance.availableBalance) == (D("25.50"), D("25.50"))
    row = AuditLog.objects.get(action="grant_credit")
    assert (row.object_id, row.actor_name, row.door) == (answer.credit.id, actor.name, "page")


def test_lower_priority_numbers_are_applied_first(customer, actor):
    late = grant(actor, "100.00", priority=50, purpose="Second").credit
    first = grant(actor, "30.00", priority=1, purpose="First").credit
    inv = january_bill(actor)
    assert [(c["description"], D(c["value"])) for c in find(inv.revenueInfo, "SUB_CREDITS")] == [
        ("First", D("-30.00")),
        ("Second", D("-70.00")),
    ]
    assert value(inv.revenueInfo, "TOTAL_CREDITS") == D("-100.00")
    assert total(inv) == D("0.00")
    assert (credit(first.id).status, credit(late.id).status) == ("CONSUMED", "ACTIVE")
    assert call("get_wallet_balance", {"accountId": "acc_987"}, actor=actor).creditBalance == D("30.00")


def test_on_equal_priority_the_credit_expiring_first_is_used_first(customer, actor):
    lasting = grant(actor, "80.00", priority=10, purpose="Lasting", effectiveFrom="2026-01-01").credit
    expiring = grant(actor, "80.00", priority=10, purpose="Expiring", effectiveFrom="2026-01-01",
                     effectiveUntil="2026-02-15").credit  # fmt: skip
    january_bill(actor)
    assert credit(expiring.id).consumed_minor == 8000
    assert credit(lasting.id).consumed_minor == 2000


def test_a_credit_scoped_to_a_meter_pays_only_that_usage(customer, actor):
    meter = api_meter(actor)
    grant(actor, "500.00", applicableEntityIds=[meter], purpose="Usage only")
    inv = january_bill(actor, cards=[usage_card(meter, tiers=[(0, "0.10")]), fixed_fee_card("49.00")])
    assert value(inv.revenueInfo, "TOTAL_CREDITS") == D("-100.00")
    assert total(inv) == D("49.00")


def test_a_credit_for_all_fixed_fees_leaves_usage_to_pay(customer, actor):
    meter = api_meter(actor)
    grant(actor, "500.00", applicableEntityIds=["ALL_FIXED_FEE_RATE_CARDS"], purpose="Fees only")
    inv = january_bill(actor, cards=[usage_card(meter, tiers=[(0, "0.10")]), fixed_fee_card("49.00")])
    assert total(inv) == D("100.00")


def test_a_credit_for_all_usage_cards_leaves_fees_to_pay(customer, actor):
    meter = api_meter(actor)
    grant(actor, "60.00", applicableEntityIds=["ALL_USAGE_METER_RATE_CARDS"], purpose="Usage promo")
    inv = january_bill(actor, cards=[usage_card(meter, tiers=[(0, "0.10")]), fixed_fee_card("49.00")])
    assert total(inv) == D("89.00")


def test_a_credit_that_starts_after_the_cycle_is_not_applied(customer, actor):
    future = grant(actor, "50.00", effectiveFrom="2026-03-01", purpose="Spring promo").credit
    inv = january_bill(actor)
    assert total(inv) == D("100.00")
    assert credit(future.id).consumed_minor == 0


def test_a_credit_past_its_last_day_expires_once_its_cycles_are_closed(customer, actor):
    short = grant(actor, "500.00", effectiveFrom="2026-01-01", effectiveUntil="2026-01-31", purpose="January").credit
    inv = january_bill(actor)
    assert total(inv) == D("0.00")  # it was in effect during January
    row = credit(short.id)
    assert (row.status, row.consumed_minor) == ("EXPIRED", 10000)
    assert [t.transaction_type for t in row.transactions.all()] == ["CREDITED", "DEBITED", "EXPIRED"]
    assert row.transactions.last().amount_minor == 40000
    use(actor, "acc_987", 500, at(2026, 2, 10), event_id="feb")
    close(actor, at(2026, 3, 1))
    feb = next(i for i in invoices(actor) if i.startDate.month == 2)
    assert total(feb) == D("50.00")


def test_a_voided_credit_pays_nothing_more(customer, actor):
    goodwill = grant(actor, "40.00").credit
    voided = call("void_credit", {"creditId": goodwill.id, "reason": "granted by mistake"}, actor=actor)
    assert (voided.status, voided.remainingAmount) == ("VOIDED", D("0.00"))
    assert call("get_wallet_balance", {"accountId": "acc_987"}, actor=actor).creditBalance == D("0.00")
    assert total(january_bill(actor)) == D("100.00")
    assert [t.transaction_type for t in credit(goodwill.id).transactions.all()] == ["CREDITED", "VOIDED"]
    assert AuditLog.objects.filter(action="void_credit", object_id=goodwill.id).exists()


def test_voiding_twice_answers_the_same_and_a_used_up_credit_cannot_be_voided(customer, actor):
    used = grant(actor, "100.00").credit
    january_bill(actor)
    with pytest.raises(InvalidStateError) as err:
        call("void_credit", {"creditId": used.id, "reason": "too late"}, actor=actor)
    assert "CONSUMED" in err.value.message
    fresh = grant(actor, "5.00").credit
    call("void_credit", {"creditId": fresh.id, "reason": "duplicate"}, actor=actor)
    again = call("void_credit", {"creditId": fresh.id, "reason": "duplicate"}, actor=actor)
    assert again.status == "VOIDED"
    assert credit(fresh.id).transactions.filter(transaction_type="VOIDED").count() == 1


def test_a_credit_grant_card_mints_credit_each_cycle_and_charges_its_price(customer, actor):
    meter = api_meter(actor)
    cards = [usage_card(meter, tiers=[(0, "0.10")]), credit_grant_card("50.00", price="20.00")]
    inv = january_bill(actor, cards=cards)
    assert value(inv.revenueInfo, "CREDIT_GRANT_RATE_CARD_AMOUNT") == D("20.00")
    assert value(inv.revenueInfo, "TOTAL_CREDITS") == D("-50.00")
    assert total(inv) == D("70.00")  # 100 usage + 20 for the grant - 50 credit
    minted = Credit.objects.filter(source="RATE_CARD").order_by("effective_from")
    assert [(c.effective_from.month, c.amount_minor) for c in minted] == [(1, 5000), (2, 5000)]


def test_credit_minted_for_a_cycle_expires_with_it(customer, actor):
    inv = january_bill(actor, units=100, cards=[usage_card(api_meter(actor), tiers=[(0, "0.10")]),
                                                credit_grant_card("50.00")])  # fmt: skip
    assert total(inv) == D("0.00")
    january = Credit.objects.get(source="RATE_CARD", effective_from__month=1)
    assert (january.status, january.consumed_minor) == ("EXPIRED", 1000)


def test_a_one_time_credit_grant_mints_only_in_the_first_cycle(customer, actor):
    cards = [usage_card(api_meter(actor), tiers=[(0, "0.10")]), credit_grant_card("10.00", kind="ONE_TIME",
                                                                                    expiry="NO_EXPIRY")]  # fmt: skip
    january_bill(actor, units=0, cards=cards)
    close(actor, at(2026, 4, 1))
    assert Credit.objects.filter(source="RATE_CARD").count() == 1


def test_the_same_idempotency_key_grants_once(customer, actor):
    first = grant(actor, "10.00", idempotencyKey="promo-42")
    again = grant(actor, "10.00", idempotencyKey="promo-42")
    assert again.credit.id == first.credit.id
    assert Credit.objects.count() == 1
    with pytest.raises(ConflictError):
        grant(actor, "11.00", idempotencyKey="promo-42")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"creditAmount": "0"}, "creditAmount"),
        ({"creditAmount": "-5"}, "creditAmount"),
        ({"creditAmount": "0.001"}, "creditAmount"),
        ({"creditAmount": "abc"}, "creditAmount"),
        ({"creditAmount": 1.5}, None),
        ({"priority": 0}, "priority"),
        ({"priority": 101}, "priority"),
        ({"purpose": ""}, "purpose"),
        ({"effectiveFrom": "2026-02-01", "effectiveUntil": "2026-01-01"}, "effectiveUntil"),
        ({"effectiveFrom": "yesterday"}, "effectiveFrom"),
        ({"currency": "EUR"}, "currency"),
    ],
)
def test_a_bad_grant_is_refused_by_field_and_writes_nothing(customer, actor, change, field):
    payload = {"accountId": "acc_987", "creditAmount": "10.00", "purpose": "Goodwill", **change}
    if field is None:
        # A float amount is accepted only when it is exactly representable as the decimal it reads as.
        call("grant_credit", payload, actor=actor)
        return
    with pytest.raises(InvalidInputError) as err:
        call("grant_credit", payload, actor=actor)
    assert field in err.value.details["fields"]
    assert Credit.objects.count() == 0


def test_granting_to_an_unknown_account_or_voiding_an_unknown_credit_names_the_missing_thing(customer, actor):
    with pytest.raises(NotFoundError) as err:
        call("grant_credit", {"accountId": "acc_nope", "creditAmount": "1", "purpose": "Test"}, actor=actor)
    assert "acc_nope" in err.value.message
    with pytest.raises(NotFoundError):
        call("void_credit", {"creditId": "cred.nope", "reason": "test"}, actor=actor)
    with pytest.raises(InvalidInputError) as err:
        call("void_credit", {"creditId": "cred.nope"}, actor=actor)
    assert "reason" in err.value.details["fields"]
