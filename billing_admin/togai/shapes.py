"""Reading Togai's answers into our schemas: what a server of this project sends parses as is; what
hosted Togai leaves out (timestamps on accounts, currencies on invoices, ...) is filled here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from pydantic import BaseModel, ValidationError

from billing_admin.errors import UpstreamError

if TYPE_CHECKING:
    from .client import TogaiClient

M = TypeVar("M", bound=BaseModel)

MAX_SCAN_PAGES = 20  # a filtered page reads at most this many upstream pages, then hands back the cursor
UPSTREAM_PAGE = 50  # Togai's largest page on the newer lists
UNKNOWN_TIME = datetime(1970, 1, 1, tzinfo=UTC)  # hosted Togai does not report when accounts were created
CYCLE_KEYS = {"interval", "startOffset", "gracePeriod"}


def parse(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UpstreamError(
            f"the Togai API answered with a {model.__name__} this project cannot read ({where}: {first['msg']})"
        ) from None


def filtered_pages(
    client: TogaiClient,
    path: str,
    *,
    page_size: int,
    next_token: str | None,
    keep: Callable[[dict[str, Any]], bool],
    key: str = "data",
    **params: Any,
) -> tuple[list[dict[str, Any]], str | None]:
    """A filter hosted Togai lacks, applied here: upstream pages are read from `next_token` until
    `page_size` items match (or the list ends); the answer's cursor continues after the last page read."""
    items: list[dict[str, Any]] = []
    token = next_token
    for _ in range(MAX_SCAN_PAGES):
        body = client.get(path, pageSize=min(page_size, UPSTREAM_PAGE), nextToken=token, **params)
        items.extend(item for item in body.get(key) or [] if keep(item))
        token = body.get("nextToken")
        if not token or len(items) >= page_size:
            break
    return items, token


def body_of(request: BaseModel, *, exclude: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """A request as Togai JSON (money stays Decimal -> a JSON number), without the idempotency key,
    which travels as the Idempotency-Key header."""
    return request.model_dump(mode="python", exclude_none=True, exclude={"idempotencyKey", *exclude})


def idempotency(request: BaseModel) -> dict[str, str] | None:
    key = getattr(request, "idempotencyKey", None)
    return {"Idempotency-Key": key} if key else None


def epoch_ms(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def address(data: dict[str, Any]) -> dict[str, Any]:
    """Togai sends `address: {}` for none; our schemas say None."""
    if not any((data.get("address") or {}).values()):
        data["address"] = None
    return data


def customer(data: dict[str, Any]) -> dict[str, Any]:
    data = address(dict(data))
    data.setdefault("billingAddress", "")
    data.setdefault("status", "ACTIVE")
    return data


def account(data: dict[str, Any]) -> dict[str, Any]:
    data = address(dict(data))
    data.setdefault("invoiceCurrency", settings.BILLING_CURRENCY)
    data.setdefault("netTermDays", 0)
    data.setdefault("createdAt", UNKNOWN_TIME)
    data.setdefault("updatedAt", data["createdAt"])
    data["aliases"] = [a for a in data.get("aliases") or [] if a.get("alias")]
    return data


def meter(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    data.setdefault("displayName", data.get("billableName") or data.get("name", ""))
    schema = data.get("eventSchema") or {}
    data["eventSchema"] = {
        "name": schema.get("name") or data.get("eventSchemaName", ""),
        "version": schema.get("version") or 1,
        "attributes": [{k: str(v) for k, v in a.items()} for a in schema.get("attributes") or []],
        "dimensions": [{k: str(v) for k, v in d.items()} for d in schema.get("dimensions") or []],
    }
    data["computations"] = [
        {k: c[k] for k in ("matcher", "computation", "order") if c.get(k) is not None}
        for c in data.get("computations") or []
    ]
    data.setdefault("updatedAt", data.get("createdAt"))
    return data


def cycle(config: dict[str, Any] | None) -> dict[str, Any] | None:
    if config is None:
        return None
    kept = {k: v for k, v in config.items() if k in CYCLE_KEYS}
    if isinstance(kept.get("startOffset"), dict):
        kept["startOffset"] = {k: v for k, v in kept["startOffset"].items() if k in ("dayOffset", "monthOffset")}
    return kept


def rate_card(data: dict[str, Any], *, plan_id: str) -> dict[str, Any]:
    data = dict(data)
    data.setdefault("pricePlanId", plan_id)
    data.setdefault("displayName", data.get("name") or data.get("type", ""))
    data.setdefault("name", data["displayName"])
    data.setdefault("invoiceTiming", "IN_ARREARS")
    if "currencies" not in data:
        details = next(iter((data.get("rateCardDetails") or {}).values()), None) or {}
        data["currencies"] = sorted(
            {v.get("currency") for v in details.get("rateValues") or [] if isinstance(v, dict) and v.get("currency")}
        )
    return data


def price_plan(data: dict[str, Any], cards: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    data = dict(data)
    data["pricingCycleConfig"] = cycle(data.get("pricingCycleConfig"))
    data.setdefault("updatedAt", data.get("createdAt"))
    plan_id = data.get("id", "")
    if cards is not None:
        data["rateCards"] = cards
    data["rateCards"] = [rate_card(c, plan_id=plan_id) for c in data.get("rateCards") or []]
    return data


def credit(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    data.setdefault("consumedAmount", 0)
    data.setdefault("holdAmount", 0)
    data.setdefault("customerId", "")
    data.setdefault("creditUnit", settings.BILLING_CURRENCY)
    if "remainingAmount" not in data:
        granted, used, held = (Decimal(str(data.get(k) or 0)) for k in ("creditAmount", "consumedAmount", "holdAmount"))
        data["remainingAmount"] = granted - used - held
    return data
