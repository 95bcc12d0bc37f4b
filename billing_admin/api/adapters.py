"""Where Togai's REST shapes differ from the operation schemas: body adapters, renderers and the few
handlers that need more than one service call. Everything else maps one-to-one (see endpoints.py)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.errors import InvalidInputError
from billing_admin.service import BillingService

from .wire import loads, to_wire

# ---------------------------------------------------------------------------------------------
# the context a custom handler gets


@dataclass
class Call:
    request: HttpRequest
    kwargs: dict[str, str]
    actor: Actor
    service: BillingService
    idempotency_key: str | None = None  # the Idempotency-Key header of a write

    def json(self) -> Any:
        return read_json(self.request)


def read_json(request: HttpRequest) -> Any:
    if not request.body.strip():
        return {}
    try:
        return loads(request.body)
    except ValueError as exc:
        raise InvalidInputError(f"the request body is not valid JSON ({exc}); send a JSON object") from None
    except RecursionError:
        raise InvalidInputError("the request body nests too deeply; send a JSON object") from None


def cursor(raw: str, *, field: str) -> str:
    """A page cursor as issued (base64 of {"lastItemId": string or integer, ...}), else a 400 naming it."""
    try:
        body = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
        last = body["lastItemId"]
    except (binascii.Error, ValueError, KeyError, TypeError, RecursionError):
        last = None
    if isinstance(last, bool) or not isinstance(last, str | int) or (isinstance(last, int) and abs(last) >= 2**63):
        raise InvalidInputError.for_field(
            field, "not a token this API issued; pass the nextToken of the previous page or omit it"
        )
    return raw


def from_epoch_ms(value: int, *, field: str) -> datetime:
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidInputError.for_field(field, "not a valid epoch time in milliseconds") from None


# ---------------------------------------------------------------------------------------------
# renderers: response model -> (status, JSON value)


def batch_result(result: s.IngestBatchResponse) -> tuple[int, Any]:
    """202 `{"success": true, ...}` when every event was accepted; 207 naming each refused event,
    both at the top level (`failed`) and under Togai's free-form `details`."""
    body = to_wire(result)
    if not result.failed:
        return 202, body
    total = result.accepted + len(result.failed)
    body["message"] = f"{len(result.failed)} of {total} events were refused; see failed for each one's reason"
    body["statusCode"] = 207
    body["details"] = {"failed": body["failed"]}
    return 207, body


def events(page: s.EventPage) -> tuple[int, Any]:
    return 200, {"events": to_wire(page)["data"], "nextToken": page.nextToken}


def _customer(customer: s.Customer) -> dict[str, Any]:
    body = to_wire(customer)
    body.setdefault("address", {})  # Togai's Customer always carries an address object
    return body


def customer_200(customer: s.Customer) -> tuple[int, Any]:
    return 200, _customer(customer)


def customer_201(customer: s.Customer) -> tuple[int, Any]:
    return 201, _customer(customer)


def customer_page(page: s.CustomerPage) -> tuple[int, Any]:
    return 200, {"data": [_customer(c) for c in page.data], "nextToken": page.nextToken}


def feature_balance(check: s.EntitlementCheck) -> tuple[int, Any]:
    """Togai's feature-credit balance (`granted`, `balance`, `overageLimit`, `usedOverage`) plus ours."""
    body = to_wire(check)
    body["balance"] = check.remaining
    return 200, body


def entitlement_check(check: s.EntitlementCheck) -> tuple[int, Any]:
    body = to_wire(check)
    body["success"] = check.entitled
    return 200, body


def rate_cards(cards: s.RateCardList) -> tuple[int, Any]:
    body = to_wire(cards)
    body["data"] = [_rate_card(card) for card in body["data"]]
    body["nextToken"] = None  # one page: a plan has at most 50 cards
    return 200, body


def price_plan(plan: s.PricePlan) -> tuple[int, Any]:
    return 200, plan_body(plan)


def price_plan_page(page: s.PricePlanPage) -> tuple[int, Any]:
    return 200, {"data": [plan_body(p) for p in page.data], "nextToken": page.nextToken}


def plan_body(plan: s.PricePlan) -> dict[str, Any]:
    """A plan as Togai's PricePlanV2: `referenceId` on the plan and on each rate card."""
    body = to_wire(plan)
    body["referenceId"] = plan.id
    body["rateCards"] = [_rate_card(card) for card in body.get("rateCards", [])]
    return body


def _rate_card(card: dict[str, Any]) -> dict[str, Any]:
    details = _card_numbers(card.get("rateCardDetails") or {})
    return {**card, "rateCardDetails": details, "referenceId": card["pricePlanId"], "referenceType": "PRICE_PLAN"}


# Rate-card fields Togai types as numbers (rateConfig bounds and slabConfig stay strings, as in Togai).
CARD_NUMBERS = frozenset({"startAfter", "rate", "featureCreditLimit", "creditAmount", "maxQuantity"})


def _card_numbers(value: Any, key: str = "") -> Any:
    """A stored rate card with Togai's numeric fields as exact Decimals (JSON numbers on the wire)."""
    if isinstance(value, dict):
        return {k: _card_numbers(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_card_numbers(v, key) for v in value]
    if key in CARD_NUMBERS and isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def entitlement_values(entitlements: s.Entitlements) -> tuple[int, Any]:
    """Togai's `{"data": [{"featureId", "value"}]}`, each item with our balances beside the value."""
    body = to_wire(entitlements)
    for item, feature in zip(body["data"], entitlements.data, strict=True):
        item["value"] = entitlement_value(feature.remaining, feature.overageLimit, feature.usedOverage)
    return 200, body


def entitlement_value(remaining: Decimal, overage_limit: Decimal | None, used_overage: Decimal) -> str:
    """A feature's Togai value: "true" while any of the grant or the overage allowance is left."""
    usable = remaining > 0 or overage_limit is None or used_overage < overage_limit
    return "true" if usable else "false"


def one_entitlement(check: s.EntitlementCheck) -> tuple[int, Any]:
    item = {
        "featureId": check.featureId,
        "name": check.featureId,
        "granted": check.granted,
        "used": check.used,
        "remaining": check.remaining,
        "overageLimit": check.overageLimit,
        "usedOverage": check.usedOverage,
        "value": entitlement_value(check.remaining, check.overageLimit, check.usedOverage),
    }
    return 200, {"accountId": check.accountId, "data": [{k: v for k, v in item.items() if v is not None}]}


def credit_balance(balance: s.WalletBalance) -> tuple[int, Any]:
    """Togai's CreditBalanceResponse from the credit part of the balance."""
    return 200, {
        "activeCredits": balance.creditBalance,
        "availableBalance": balance.creditBalance,
        "runningBalance": balance.creditBalance,
        "inapplicableCredits": Decimal(0),
        "unit": balance.currency,
        "lastUpdatedAt": datetime.now(UTC),
    }


# ---------------------------------------------------------------------------------------------
# body adapters: Togai body -> request payload


def entitlement_check_body(body: dict[str, Any]) -> dict[str, Any]:
    """Togai's `{"value": x}` check body; a numeric value is the quantity wanted."""
    body = dict(body)
    if "value" in body and "quantity" not in body:
        body["quantity"] = body.pop("value")
    return body


def price_plan_body(body: dict[str, Any]) -> dict[str, Any]:
    """Togai's CreatePricePlanV2Request plus `rateCards`: plans are created and finalized in one call."""
    body = dict(body)
    if body.pop("type", "BILLING") != "BILLING":
        raise InvalidInputError.for_field("type", "only BILLING price plans exist here; send BILLING or leave it out")
    for flag in ("deferredRevenue", "allowOngoingCycleUpdates"):
        if body.pop(flag, False):
            raise InvalidInputError.for_field(flag, "not supported; send false or leave it out")
    cycle = body.get("pricingCycleConfig")
    if isinstance(cycle, dict) and "anniversaryCycle" in cycle:
        if cycle.get("anniversaryCycle"):
            raise InvalidInputError.for_field(
                "pricingCycleConfig.anniversaryCycle", "not supported; cycles follow startOffset"
            )
        body["pricingCycleConfig"] = {k: v for k, v in cycle.items() if k != "anniversaryCycle"}
    if "rateCards" not in body:
        raise InvalidInputError.for_field(
            "rateCards",
            "required: this API creates and finalizes a plan in one call, so send its rate cards in the "
            "create body (a finalized plan's rate cards cannot be edited afterwards)",
        )
    return body


def void_credit_body(body: dict[str, Any]) -> dict[str, Any]:
    """Togai voids with no body; the reason the audit log needs is then said for the caller."""
    body = dict(body)
    if not body.get("reason"):
        body["reason"] = "voided through the REST API"
    return body


def invoice_status_body(body: dict[str, Any]) -> dict[str, Any]:
    body = dict(body)
    if "status" in body and not body.get("reason"):
        body["reason"] = f"status set to {body['status']} through the REST API"
    return body
