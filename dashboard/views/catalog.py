"""Usage meters and price plans: lists, details and the create forms (the plan builder)."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.forms.utils import ErrorDict
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from billing_admin import schemas as s

from ..access import finance_admin_required, viewer_required
from ..calls import Unavailable, read, write
from ..charts import bar_chart, summed
from ..forms.catalog import MAX_CARDS, MeterForm, PlanForm, UsageCardFormSet
from ..rendering import redirect_to, render_page

LOOKUP_PAGE = 200


@viewer_required
@require_GET
def meter_list(request: HttpRequest) -> HttpResponse:
    cursor = request.GET.get("cursor") or None
    page = read(request, "list_usage_meters", {"pageSize": 50, "nextToken": cursor})
    context = {"page": page, "cursor": cursor, "nav": "meters"}
    return render_page(request, "dashboard/meters/list.html", context, partial="meter-table")


def _find(request: HttpRequest, operation: str, ref: str, what: str) -> Any:  # an item of the list, or Unavailable
    """The meter or plan whose id or name is `ref`, paging through the list operation (there is no
    get operation for either; catalogs hold tens of items, not thousands)."""
    token = None
    while True:
        page = read(request, operation, {"pageSize": LOOKUP_PAGE, "nextToken": token})
        if isinstance(page, Unavailable):
            return page
        for item in page.data:
            if ref in (item.id, item.name):
                return item
        token = page.nextToken
        if not token:
            raise Http404(f"{what} '{ref}' not found")


@viewer_required
@require_GET
def meter_detail(request: HttpRequest, meter_id: str) -> HttpResponse:
    meter = _find(request, "list_usage_meters", meter_id, "usage meter")
    chart = usage = None
    if not isinstance(meter, Unavailable):
        end = timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        usage = read(
            request,
            "get_metrics",
            {
                "startTime": end - timedelta(days=30),
                "endTime": end,
                "metricQueries": [
                    {
                        "id": "usage",
                        "name": "METER_USAGE",
                        "aggregationPeriod": "DAY",
                        "filters": [{"fieldName": "USAGE_METER_ID", "fieldValues": [meter.id]}],
                    }
                ],
            },
        )
        if not isinstance(usage, Unavailable):
            stamps, values = summed(usage.results[0].data)
            chart = {"svg": bar_chart(f"{meter.displayName} per day", stamps, values), "total": sum(values, Decimal(0))}
    context = {"meter": meter, "chart": chart, "usage": usage, "nav": "meters"}
    return render_page(request, "dashboard/meters/detail.html", context)


@finance_admin_required
@require_http_methods(["GET", "POST"])
def meter_create(request: HttpRequest) -> HttpResponse:
    form = MeterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = write(request, form, "create_usage_meter", form.payload())
        if isinstance(created, s.UsageMeter):
            messages.success(request, f"Meter {created.name} created; it counts matching events from now on.")
            return redirect_to(request, reverse("dashboard:meter-detail", args=[created.id]))
    return render_page(request, "dashboard/meters/form.html", {"form": form, "nav": "meters"}, partial="meter-form")


@viewer_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    cursor = request.GET.get("cursor") or None
    page = read(request, "list_price_plans", {"pageSize": 50, "nextToken": cursor})
    context = {"page": page, "cursor": cursor, "nav": "plans"}
    return render_page(request, "dashboard/plans/list.html", context, partial="plan-table")


@viewer_required
@require_GET
def plan_detail(request: HttpRequest, plan_id: str) -> HttpResponse:
    plan = _find(request, "list_price_plans", plan_id, "price plan")
    cards = plan if isinstance(plan, Unavailable) else read(request, "list_rate_cards", {"pricePlanId": plan.id})
    shown = []
    if not isinstance(cards, Unavailable):
        names = meter_names(request)
        shown = [rate_card_view(card, names) for card in cards.data]
    context = {"plan": plan, "cards": cards, "shown": shown, "nav": "plans"}
    return render_page(request, "dashboard/plans/detail.html", context)


SLABBED = ("usageRateCard", "entitlementOverageRateCard", "billingEntitlementRateCard")
FLAT = ("fixedFeeRateCard", "minimumCommitmentRateCard", "creditGrantRateCard")


def rate_card_view(card: s.plans.RateCard, meter_names: dict[str, str]) -> dict[str, Any]:
    """A rate card as the page shows it: its slab table (from, up to, one rate column per currency)
    or its flat amounts per currency."""
    details = card.rateCardDetails
    kind = next((k for k in (*SLABBED, *FLAT) if details.get(k)), None)
    view: dict[str, Any] = {
        "card": card,
        "kind": kind,
        "subject": "",
        "model": "",
        "currencies": [],
        "slabs": [],
        "amounts": [],
    }
    body = details.get(kind) or {}
    if kind in SLABBED and body.get("ratePlan"):
        meter = body.get("usageMeterId")
        view["subject"] = meter_names.get(meter, meter) if meter else body.get("featureId", "")
        view["model"] = body["ratePlan"].get("pricingModel", "")
        slabs = sorted(body["ratePlan"].get("slabs", []), key=lambda slab: slab["order"])
        values = body.get("rateValues", [])
        view["currencies"] = [value["currency"] for value in values]
        for index, slab in enumerate(slabs):
            upto = slabs[index + 1]["startAfter"] if index + 1 < len(slabs) else None
            rates = []
            for value in values:
                rate = next((r["rate"] for r in value.get("slabRates", []) if r["order"] == slab["order"]), None)
                rates.append((rate, value["currency"]))
            view["slabs"].append(
                {"order": slab["order"], "from": slab["startAfter"], "upto": upto,
                 "price_type": slab.get("priceType", "PER_UNIT"), "rates": rates}
            )  # fmt: skip
    elif kind in FLAT:
        amount_key = "creditAmount" if kind == "creditGrantRateCard" else "rate"
        view["amounts"] = [(value.get(amount_key), value["currency"]) for value in body.get("rateValues", [])]
    if kind == "billingEntitlementRateCard":
        view["subject"] = body.get("featureId", "")
        view["grants"] = [config.get("featureCreditLimit") for config in body.get("featureConfigs", [])]
    return view


def meter_names(request: HttpRequest) -> dict[str, str]:
    meters = read(request, "list_usage_meters", {"pageSize": LOOKUP_PAGE})
    return {} if isinstance(meters, Unavailable) else {m.id: m.displayName for m in meters.data}


def meter_choices(request: HttpRequest) -> list[tuple[str, str]]:
    meters = read(request, "list_usage_meters", {"pageSize": LOOKUP_PAGE, "status": "ACTIVE"})
    if isinstance(meters, Unavailable):
        return []
    return [(meter.id, f"{meter.displayName} ({meter.aggregation.lower()})") for meter in meters.data]


def _quiet(form: forms.BaseForm) -> forms.BaseForm:
    """Bound, so what was typed stays, but without errors: the builder grew, nothing was submitted."""
    # Django's own cache of the errors (the stubs leave private attributes out): set, full_clean is skipped.
    form._errors = ErrorDict()  # type: ignore[attr-defined]  # noqa: SLF001
    return form


@finance_admin_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    """The plan builder: plan fields, usage rate cards with slab tables (another card without
    JavaScript through "Add a usage card"), fixed fee, minimum commitment and included credit.
    "Preview request" shows the create_price_plan request it would send."""
    meters = meter_choices(request)
    data = request.POST.copy() if request.method == "POST" else None
    adding = data is not None and "add_card" in data
    if data is not None and adding:
        total = int(data.get("cards-TOTAL_FORMS", "1") or 1)
        data["cards-TOTAL_FORMS"] = str(min(total + 1, MAX_CARDS))
    form = PlanForm(data)
    cards = UsageCardFormSet(data, prefix="cards", meters=meters)
    preview = None
    if adding:
        _quiet(form)
        for card in cards:
            _quiet(card)
    elif data is not None and form.is_valid() and cards.is_valid():
        currency = form.cleaned_data["currency"]
        payload = form.payload([card.card(currency) for card in cards if card.has_changed() and card.cleaned_data])
        if not payload["rateCards"]:
            form.add_error(None, "Add at least one rate card: a usage card, a platform fee, a minimum or a credit.")
        elif "preview" in data:
            preview = json.dumps(payload, indent=2)
        else:
            created = write(request, form, "create_price_plan", payload)
            if isinstance(created, s.PricePlan):
                messages.success(request, f"Plan {created.name} created and active.")
                return redirect_to(request, reverse("dashboard:plan-detail", args=[created.id]))
    context = {"form": form, "cards": cards, "meters": meters, "preview": preview, "nav": "plans"}
    return render_page(request, "dashboard/plans/form.html", context, partial="plan-form")
