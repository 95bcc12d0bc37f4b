"""Invoices: every status move (and the refused ones), voiding that gives back credit and wallet money,
the live DRAFT, and list_invoices filters and pages."""

from __future__ import annotations

import base64
import json

import pytest

from billing_admin.engine.models import AuditLog, Credit, WalletEntry
from billing_admin.errors import InvalidInputError, InvalidStateError, NotFoundError
from billing_admin.service import call
from tests.billing_admin.engine.money_helpers import (
    D,
    account,
    api_meter,
    assign,
    at,
    close,
    invoice,
    invoices,
    plan,
    total,
    usage_card,
    use,
)

pytestmark = pytest.mark.django_db


def move(actor, invoice_id: str, status: str, reason: str = "bank transfer received"):
    return call("update_invoice_status", {"invoiceId": invoice_id, "status": status, "reason": reason}, actor=actor)


def setup_plan(actor, accounts=("acc_987",)):
    p = plan(actor, "Per unit", [usage_card(api_meter(actor), tiers=[(0, "0.10")])])
    for acc in accounts:
        assign(actor, acc, p.id, at(2026, 1, 1))
    return p


def due_invoice(actor, units: int = 1000, *, wallet: str | None = None, credit: str | None = None):
    setup_plan(actor)
    if wallet:
        call("top_up_wallet", {"accountId": "acc_987", "topupAmount": wallet}, actor=actor)
    if credit:
        call("grant_credit", {"accountId": "acc_987", "creditAmount": credit, "purpose": "Promo",
                              "effectiveFrom": "2026-01-01"}, actor=actor)  # fmt: skip
    use(actor, "acc_987", units, at(2026, 1, 10), event_id="jan")
    close(actor, at(2026, 2, 1))
    return invoice(actor, next(i.id for i in invoices(actor) if i.startDate.month == 1))


@pytest.mark.parametrize("target", ["PAID", "VOID", "UN_COLLECTIBLE"])
def test_a_due_invoice_moves_on_with_its_reason_audited(customer, actor, target):
    inv = due_invoice(actor)
    assert inv.status == "DUE"
    moved = move(actor, inv.id, target, "settled by phone")
    assert (moved.status, moved.statusReason) == (target, "settled by phone")
    assert moved.paidAmount == (D("100.00") if target == "PAID" else D("0.00"))
    row = AuditLog.objects.get(action="update_invoice_status", object_id=inv.id)
    assert row.changes == {"from": "DUE", "to": target, "reason": "settled by phone"}


@pytest.mark.parametrize("target", ["PAID", "VOID", "UN_COLLECTIBLE"])
def test_a_partially_paid_invoice_moves_on(customer, actor, target):
    inv = due_invoice(actor, 6000, wallet="150.00")
    assert (inv.status, inv.paidAmount) == ("PARTIALLY_PAID", D("150.00"))
    moved = move(actor, inv.id, target)
    assert moved.status == target
    expected_paid = {"PAID": D("600.00"), "VOID": D("0.00"), "UN_COLLECTIBLE": D("150.00")}[target]
    assert moved.paidAmount == expected_paid


def test_an_uncollectible_invoice_can_still_be_paid_or_voided(customer, actor):
    inv = due_invoice(actor)
    move(actor, inv.id, "UN_COLLECTIBLE", "customer unreachable")
    assert move(actor, inv.id, "PAID", "paid after all").status == "PAID"
    other = due_invoice_for_february(actor)
    move(actor, other.id, "UN_COLLECTIBLE", "customer unreachable")
    assert move(actor, other.id, "VOID", "written off for good").status == "VOID"


def due_invoice_for_february(actor):
    use(actor, "acc_987", 10, at(2026, 2, 10), event_id="feb")
    close(actor, at(2026, 3, 1))
    return next(i for i in invoices(actor) if i.startDate.month == 2)


@pytest.mark.parametrize(("first", "then"), [("PAID", "VOID"), ("PAID", "UN_COLLECTIBLE"), ("VOID", "PAID"),
                                             ("VOID", "UN_COLLECTIBLE")])  # fmt: skip
def test_settled_invoices_refuse_further_moves(customer, actor, first, then):
    inv = due_invoice(actor)
    move(actor, inv.id, first)
    with pytest.raises(InvalidStateError) as err:
        move(actor, inv.id, then)
    assert first in err.value.message
    assert invoice(actor, inv.id).status == first


def test_a_draft_cannot_be_marked_paid_and_the_error_says_to_close_it_first(customer, actor):
    setup_plan(actor)
    use(actor, "acc_987", 10, at(2026, 1, 10), event_id="jan")
    draft = invoices(actor, status="DRAFT")[0]
    with pytest.raises(InvalidStateError) as err:
        move(actor, draft.id, "PAID")
    assert "generate_invoices" in err.value.message


def test_repeating_a_move_changes_nothing(customer, actor):
    inv = due_invoice(actor)
    move(actor, inv.id, "PAID")
    again = move(actor, inv.id, "PAID", "a second notice")
    assert (again.status, again.statusReason) == ("PAID", "bank transfer received")
    assert AuditLog.objects.filter(action="update_invoice_status").count() == 1


def test_voiding_returns_the_credit_and_wallet_money_it_took(customer, actor):
    inv = due_invoice(actor, 1500, wallet="100.00", credit="30.00")  # 150 - 30 credit - 100 wallet
    assert (total(inv), inv.paidAmount, inv.status) == (D("120.00"), D("100.00"), "PARTIALLY_PAID")
    move(actor, inv.id, "VOID", "billed in error")
    balance = call("get_wallet_balance", {"accountId": "acc_987"}, actor=actor)
    assert (balance.walletBalance, balance.creditBalance) == (D("100.00"), D("30.00"))
    promo = Credit.objects.get(purpose="Promo")
    assert (promo.status, promo.consumed_minor) == ("ACTIVE", 0)
    returned = WalletEntry.objects.filter(entity_id=inv.id).order_by("id")
    assert [(e.transaction_type, e.amount_minor) for e in returned] == [("DEBITED", 10000), ("CREDITED", 10000)]
    assert invoice(actor, inv.id).paidAmount == D("0.00")


def test_an_unknown_invoice_or_a_bad_status_is_named(customer, actor):
    with pytest.raises(NotFoundError) as err:
        move(actor, "inv.nope", "PAID")
    assert "list_invoices" in err.value.message
    with pytest.raises(NotFoundError):
        call("get_invoice", {"invoiceId": "inv.nope"}, actor=actor)
    for payload, field in (
        ({"invoiceId": "inv.x", "status": "DRAFT", "reason": "why"}, "status"),
        ({"invoiceId": "inv.x", "status": "REFUNDED", "reason": "why"}, "status"),
        ({"invoiceId": "inv.x", "status": "PAID"}, "reason"),
        ({"invoiceId": "inv.x", "status": "PAID", "reason": "ok", "amount": 5}, "amount"),
    ):
        with pytest.raises(InvalidInputError) as err:
            call("update_invoice_status", payload, actor=actor)
        assert field in err.value.details["fields"]


def test_the_open_cycle_is_a_live_draft_with_charges_so_far(customer, actor):
    setup_plan(actor)
    use(actor, "acc_987", 100, at(2026, 1, 5), event_id="a")
    assert [(i.status, total(i)) for i in invoices(actor)] == [("DRAFT", D("10.00"))]
    use(actor, "acc_987", 50, at(2026, 1, 6), event_id="b")
    draft = invoices(actor, status="DRAFT")[0]
    assert total(draft) == D("15.00")
    assert invoice(actor, draft.id).revenueInfo.type == "TOTAL_AMOUNT"


def test_list_invoices_filters_by_account_customer_status_and_period(customer, actor):
    account(actor, "acc_two")
    call("create_customer", {"id": "cust_other", "name": "Other Ltd", "primaryEmail": "ap@other.example",
                             "account": {"id": "acc_other", "name": "Other", "invoiceCurrency": "USD"}},
         actor=actor)  # fmt: skip
    setup_plan(actor, accounts=("acc_987", "acc_two", "acc_other"))
    for acc in ("acc_987", "acc_two", "acc_other"):
        use(actor, acc, 10, at(2026, 1, 5), event_id=f"{acc}-jan")
    close(actor, at(2026, 3, 1))  # January and February finalized, March open
    everything = call("list_invoices", {"pageSize": 200}, actor=actor).data
    assert len(everything) == 9
    assert {i.ownerId for i in invoices(actor, "acc_two")} == {"acc_two"}
    by_customer = call("list_invoices", {"customerId": "cust_123", "pageSize": 200}, actor=actor).data
    assert {i.ownerId for i in by_customer} == {"acc_987", "acc_two"}
    drafts = call("list_invoices", {"status": "DRAFT"}, actor=actor).data
    assert {(i.ownerId, i.startDate.month) for i in drafts} == {(a, 3) for a in ("acc_987", "acc_two", "acc_other")}
    february = call("list_invoices", {"startTime": "2026-02-01T00:00:00Z", "endTime": "2026-03-01T00:00:00Z"},
                    actor=actor).data  # fmt: skip
    assert {i.startDate.month for i in february} == {2}
    by_alias = call("list_invoices", {"accountId": "acme-prod"}, actor=actor).data
    assert {i.ownerId for i in by_alias} == {"acc_987"}


def test_list_invoices_pages_through_everything_once_newest_first(customer, actor):
    setup_plan(actor)
    close(actor, at(2026, 8, 1))  # seven finalized months and an open August
    seen, token, pages = [], None, 0
    while True:
        page = call("list_invoices", {"accountId": "acc_987", "pageSize": 3, "nextToken": token}, actor=actor)
        seen.extend(page.data)
        pages += 1
        token = page.nextToken
        if token is None:
            break
    assert pages == 3
    assert len({i.id for i in seen}) == 8
    assert [i.startDate.month for i in seen] == [8, 7, 6, 5, 4, 3, 2, 1]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"pageSize": 0}, "pageSize"),
        ({"pageSize": 201}, "pageSize"),
        ({"status": "OPEN"}, "status"),
        ({"startTime": "last week"}, "startTime"),
        ({"nextToken": "not-a-token"}, "nextToken"),
        ({"nextToken": base64.urlsafe_b64encode(json.dumps({"lastItemId": "x"}).encode()).decode()}, "nextToken"),
        ({"owner": "acc_987"}, "owner"),
    ],
)
def test_bad_list_arguments_are_refused_by_field(customer, actor, payload, field):
    with pytest.raises(InvalidInputError) as err:
        call("list_invoices", payload, actor=actor)
    assert field in err.value.details["fields"]


def test_listing_an_unknown_account_names_it(customer, actor):
    with pytest.raises(NotFoundError) as err:
        call("list_invoices", {"accountId": "acc_ghost"}, actor=actor)
    assert "acc_ghost" in err.value.message


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"asOf": "tomorrow"}, "asOf"), ({"accountId": 5}, "accountId"), ({"force": True}, "force")],
)
def test_bad_generate_invoices_arguments_are_refused_by_field(customer, actor, payload, field):
    with pytest.raises(InvalidInputError) as err:
        call("generate_invoices", payload, actor=actor)
    assert field in err.value.details["fields"]
