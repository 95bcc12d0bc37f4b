"""REST endpoints that are more than one service call: Togai's bulk credit grants, the lookups Togai
has by id where the service lists, wallets (whose Togai shape names the customer), and the plan
lifecycle steps that are no-ops here because plans are finalized when they are created."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from typing import Any

from pydantic import ValidationError

from billing_admin import schemas as s
from billing_admin.errors import BillingError, InvalidInputError, InvalidStateError, NotFoundError
from billing_admin.service import parse_request, validation_error

from .adapters import Call, batch_result, plan_body
from .idempotency import bulk_key, merge_key
from .routing import SCHEDULE_MODES
from .shapes import FinalizeSchedules
from .wire import to_wire

OPEN_END = "9999-01-01"  # Togai's end date of an open-ended schedule

# ---------------------------------------------------------------------------------------------
# ingestion


def ingest_batch_with_nul(call: Call) -> tuple[int, Any]:
    """A batch some of whose events hold NUL characters (which cannot be stored): those events are
    refused by index and the others ingested, as for any other bad event."""
    body = call.json()
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list) or not 1 <= len(events) <= 1000:
        raise InvalidInputError.for_field("events", "send a list of 1 to 1000 events")
    request = parse_request("ingest_batch_events", body)  # sets aside the events holding one
    assert isinstance(request, s.IngestBatchRequest)
    return batch_result(call.service.ingest_batch_events(request, actor=call.actor))


# ---------------------------------------------------------------------------------------------
# wallets


def wallet(call: Call, balance: s.WalletBalance) -> tuple[int, Any]:
    """Our balance plus Togai's WalletBalanceResponse fields (`id`, `customerId`, `balance`,
    `creditUnit`, `status`, `effectiveFrom`)."""
    account = call.service.get_account(s.GetAccountRequest(accountId=balance.accountId), actor=call.actor)
    body = to_wire(balance)
    body.update(
        id=f"wallet.{account.id}",
        customerId=account.customerId,
        balance=balance.walletBalance,
        creditUnit=balance.currency,
        status="ACTIVE",
        effectiveFrom=account.createdAt,
    )
    return 200, body


# ---------------------------------------------------------------------------------------------
# lookups by id over the service's lists


def _every(list_page: Callable[[str | None], Any]) -> Iterator[Any]:
    token = None
    while True:
        page = list_page(token)
        yield from page.data
        token = page.nextToken
        if not token:
            return


def usage_meter(call: Call) -> tuple[int, Any]:
    meter_id = call.kwargs["usage_meter_id"]
    meters = _every(
        lambda token: call.service.list_usage_meters(
            s.ListUsageMetersRequest(pageSize=200, nextToken=token), actor=call.actor
        )
    )
    for meter in meters:
        if meter_id in (meter.id, meter.name):
            return 200, to_wire(meter)
    raise NotFoundError(f"usage meter '{meter_id}' not found; GET /api/usage_meters lists the meters and their ids")


def price_plan(call: Call) -> tuple[int, Any]:
    return 200, plan_body(_plan(call, call.kwargs["price_plan_id"]))


# ---------------------------------------------------------------------------------------------
# schedules: Togai's staged plan assignment, applied at once here


def edit_schedules(call: Call) -> tuple[int, Any]:
    """Togai's `{"edits": [ASSOCIATE ...]}`: one open-ended association, applied at once (an account
    has one plan at a time here; `finalize_schedules` then confirms it)."""
    body = call.json()
    edits = body.get("edits") if isinstance(body, dict) else None
    if not isinstance(edits, list) or len(edits) != 1 or not isinstance(edits[0], dict):
        raise InvalidInputError.for_field("edits", "send exactly one edit: an account has one plan at a time here")
    edit = edits[0]
    if edit.get("mode", "ASSOCIATE") != "ASSOCIATE":
        raise InvalidInputError.for_field("edits.0.mode", "only ASSOCIATE; to change plans, associate the new one")
    if str(edit.get("effectiveUntil", OPEN_END))[:10] != OPEN_END:
        raise InvalidInputError.for_field("edits.0.effectiveUntil", f"assignments are open-ended: send {OPEN_END}")
    config = edit.get("associationConfig")
    plan_id = config.get("pricePlanId") if isinstance(config, dict) else None
    if not isinstance(plan_id, str) or not plan_id:
        raise InvalidInputError.for_field("edits.0.associationConfig.pricePlanId", "required")
    try:
        starts = date.fromisoformat(str(edit.get("effectiveFrom")))
    except ValueError:
        raise InvalidInputError.for_field("edits.0.effectiveFrom", "a date, YYYY-MM-DD") from None
    request = s.UpdateAccountRequest(
        accountId=call.kwargs["account_id"],
        pricePlanId=plan_id,
        effectiveFrom=datetime.combine(starts, time.min, tzinfo=UTC),
        idempotencyKey=call.idempotency_key,
    )
    account = call.service.update_account(request, actor=call.actor)
    plan = _plan(call, plan_id)
    schedule = {"id": f"sch.{account.id}.{plan.id}", "pricePlanId": plan.id, "pricePlanName": plan.name,
                "startDate": request.effectiveFrom, "endDate": f"{OPEN_END}T00:00:00Z"}  # fmt: skip
    return 200, {"accountId": account.id, "accountName": account.name, "pricingSchedules": [schedule]}


def finalize_schedules(call: Call) -> tuple[int, Any]:
    """Edits are applied when made, so finalizing only confirms the body's shape and lists the schedule."""
    try:
        FinalizeSchedules.model_validate(call.json())
    except ValidationError as exc:
        raise validation_error(exc) from None
    return schedules(call)


def schedules(call: Call) -> tuple[int, Any]:
    """The account's schedule in Togai's SchedulesPaginatedResponse: its plan since it was assigned."""
    if call.request.GET.get("mode", "ACTIVE") not in SCHEDULE_MODES:  # both modes show the one schedule here
        raise InvalidInputError.for_field("mode", "ACTIVE or DRAFT")
    account = call.service.get_account(s.GetAccountRequest(accountId=call.kwargs["account_id"]), actor=call.actor)
    if account.pricePlan is None:
        return 200, {"data": [], "nextToken": None}
    plan = _plan(call, account.pricePlan.id)
    schedule = {
        "id": f"sch.{account.id}.{plan.id}",
        "accountId": account.id,
        "pricePlanId": plan.id,
        "version": plan.version,
        "deferredRevenue": False,
        "pricePlanInfo": {"name": plan.name, "description": plan.description},
        "accountScheduleInfo": {
            "supportedCurrencies": plan.supportedCurrencies,
            "pricingCycleConfig": to_wire(plan.pricingCycleConfig),
        },
        "startDate": account.pricePlan.effectiveFrom,
        "endDate": f"{OPEN_END}T00:00:00Z",
        "allowOngoingCycleUpdates": False,
    }
    return 200, {"data": [schedule], "nextToken": None}


def _plan(call: Call, plan_id: str) -> s.PricePlan:
    plans = _every(
        lambda token: call.service.list_price_plans(
            s.ListPricePlansRequest(pageSize=200, nextToken=token), actor=call.actor
        )
    )
    found = next((plan for plan in plans if plan_id in (plan.id, plan.name)), None)
    if found is None:
        raise NotFoundError(f"price plan '{plan_id}' not found; GET /api/v2/price_plans lists the plans and their ids")
    return found


# ---------------------------------------------------------------------------------------------
# plan lifecycle: plans are created finalized, with their rate cards


def edit_rate_cards(call: Call) -> tuple[int, Any]:
    call.service.list_rate_cards(s.ListRateCardsRequest(pricePlanId=call.kwargs["price_plan_id"]), actor=call.actor)
    raise InvalidStateError(
        "price plans are finalized when they are created, so their rate cards cannot be edited; create a new "
        "plan (POST /api/v2/price_plans with rateCards) and assign it to the accounts with PATCH /api/accounts/{id}"
    )


def finalize_plan(call: Call) -> tuple[int, Any]:
    call.service.list_rate_cards(s.ListRateCardsRequest(pricePlanId=call.kwargs["price_plan_id"]), actor=call.actor)
    return 200, {"success": True}


# ---------------------------------------------------------------------------------------------
# credits


def grant_credits(call: Call) -> tuple[int, Any]:
    """Togai's `{"creditRequests": [...]}` -> `{"credits": [Credit, ...]}` (each with the new balance).

    Every request is validated before any is granted; if a grant then fails, the answer is that
    error, naming the grants already made so a retry (with idempotencyKeys) can skip them. An
    Idempotency-Key header keys the first grant and `<key>#2`, `<key>#3`, ... the ones after it."""
    body = call.json()
    items = body.get("creditRequests") if isinstance(body, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= 50:
        raise InvalidInputError.for_field("creditRequests", "send a list of 1 to 50 credit requests")
    requests = []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            item = {k: v for k, v in item.items() if k != "grantorId"}  # Togai's, not ours
            if call.idempotency_key:
                merge_key(item, bulk_key(call.idempotency_key, index), field=f"creditRequests.{index}.idempotencyKey")
        try:
            requests.append(s.GrantCreditRequest.model_validate(item))
        except ValidationError as exc:
            raise validation_error(exc, prefix=f"creditRequests.{index}") from None
    for request in requests:  # one grant above its ceiling refuses the batch before any is made
        call.service.hold_to_ceiling("grant_credit", request, call.actor)  # type: ignore[attr-defined]
    granted: list[s.GrantCreditResponse] = []
    for index, request in enumerate(requests):
        try:
            granted.append(call.service.grant_credit(request, actor=call.actor))
        except BillingError as exc:
            if not granted:
                raise
            done = ", ".join(g.credit.id for g in granted)
            raise type(exc)(
                f"creditRequests.{index}: {exc.message} (the {len(granted)} grant(s) before it were made: {done})",
                details=exc.details,
            ) from None
    return 200, {"credits": [{**to_wire(g.credit), "balance": to_wire(g.balance)} for g in granted]}
