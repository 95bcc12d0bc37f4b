"""Usage meters and the price-plan builder. The builder's `payload()` is a create_price_plan request."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from .base import IdempotentForm, choice_field

INTERVALS = [
    ("MONTHLY", "Monthly"),
    ("WEEKLY", "Weekly"),
    ("QUARTERLY", "Quarterly"),
    ("HALF_YEARLY", "Half-yearly"),
    ("ANNUALLY", "Annually"),
]
SLAB_HELP = 'One slab per line as "from rate": "0 0.10" then "1000 0.08" prices units above 1,000 at 0.08.'


class MeterForm(IdempotentForm):
    conflict_field = "name"
    api_fields = {"computations": "attribute"}

    name = forms.RegexField(regex=r"^[\sa-zA-Z0-9_-]+$", max_length=50, help_text="Unique, e.g. api_requests.")
    eventSchemaName = forms.RegexField(
        label="Event schema", regex=r"^[\sa-zA-Z0-9_-]+$", max_length=50, help_text="Created if it does not exist."
    )
    aggregation = forms.ChoiceField(
        choices=[("COUNT", "Count matching events"), ("SUM", "Sum an attribute")], initial="COUNT"
    )
    attribute = forms.RegexField(
        label="Attribute to sum",
        regex=r"^[A-Za-z0-9_-]+$",
        max_length=50,
        required=False,
        help_text="For SUM meters, e.g. units (reads attribute.units).",
    )
    filters = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional, one per line: dimension.region=eu",
    )
    billableName = forms.CharField(label="Name on invoices", max_length=255, required=False)
    description = forms.CharField(max_length=500, required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("aggregation") == "SUM" and not data.get("attribute"):
            self.add_error("attribute", "a SUM meter needs the attribute it adds up")
        return data

    def clean_filters(self) -> list[dict[str, str]]:
        found = []
        for line in (self.cleaned_data.get("filters") or "").splitlines():
            if not line.strip():
                continue
            field, sep, value = line.partition("=")
            if not sep:
                raise forms.ValidationError(f"'{line.strip()}' is not field=value")
            found.append({"field": field.strip(), "value": value.strip()})
        return found

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        body: dict[str, Any] = {
            "name": data["name"],
            "eventSchemaName": data["eventSchemaName"],
            "aggregation": data["aggregation"],
            "filters": data["filters"],
            "billableName": data.get("billableName") or None,
            "description": data.get("description") or None,
            "idempotencyKey": data.get("idempotencyKey") or None,
        }
        if data["aggregation"] == "SUM":
            body["computations"] = [{"computation": json.dumps({"var": f"attribute.{data['attribute']}"}), "order": 1}]
        return body


def parse_slabs(text: str) -> list[tuple[Decimal, Decimal]]:
    slabs: list[tuple[Decimal, Decimal]] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.replace(":", " ").replace("→", " ").split()
        if len(parts) != 2:
            raise forms.ValidationError(f"line {number}: write 'from rate', e.g. '0 0.10'")
        try:
            start, rate = Decimal(parts[0].replace(",", "")), Decimal(parts[1])
        except InvalidOperation:
            raise forms.ValidationError(f"line {number}: '{line.strip()}' is not two numbers") from None
        if start < 0 or rate < 0:
            raise forms.ValidationError(f"line {number}: numbers must not be negative")
        slabs.append((start, rate))
    if not slabs:
        raise forms.ValidationError("give at least one slab, e.g. '0 0.10'")
    if slabs[0][0] != 0:
        raise forms.ValidationError("the first slab must start at 0")
    if any(b[0] <= a[0] for a, b in zip(slabs, slabs[1:], strict=False)):
        raise forms.ValidationError("slabs must start at increasing quantities")
    return slabs


class UsageCardForm(forms.Form):
    usageMeterId = forms.ChoiceField(label="Usage meter")
    displayName = forms.CharField(label="Name on invoices", max_length=255, required=False)
    pricingModel = forms.ChoiceField(
        label="Pricing model",
        choices=[("TIERED", "Tiered (each slab prices its part)"), ("VOLUME", "Volume (reached slab prices all)")],
        initial="TIERED",  # so a card left as it was counts as unchanged, not as a half-filled card
    )
    slabs = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text=SLAB_HELP, initial="0 0.10")

    def __init__(self, *args: Any, meters: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "usageMeterId").choices = [("", "Choose a meter…"), *meters]

    def clean_slabs(self) -> list[tuple[Decimal, Decimal]]:
        return parse_slabs(self.cleaned_data.get("slabs", ""))

    def card(self, currency: str) -> dict[str, Any]:
        data = self.cleaned_data
        slabs = data["slabs"]
        card: dict[str, Any] = {
            "type": "USAGE",
            "rateCardDetails": {
                "usageRateCard": {
                    "usageMeterId": data["usageMeterId"],
                    "ratePlan": {
                        "pricingModel": data["pricingModel"],
                        "slabs": [
                            {"order": i, "startAfter": str(start), "priceType": "PER_UNIT"}
                            for i, (start, _) in enumerate(slabs, start=1)
                        ],
                    },
                    "rateValues": [
                        {
                            "currency": currency,
                            "slabRates": [
                                {"order": i, "rate": str(rate)} for i, (_, rate) in enumerate(slabs, start=1)
                            ],
                        }
                    ],
                }
            },
        }
        if data.get("displayName"):
            card["displayName"] = data["displayName"]
        return card


MAX_CARDS = 20
BaseUsageCards = forms.formset_factory(UsageCardForm, extra=1, min_num=0, max_num=MAX_CARDS)


class UsageCardFormSet(BaseUsageCards):  # type: ignore[misc,valid-type]
    def __init__(self, *args: Any, meters: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        self.meters = list(meters)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "meters": self.meters}

    @property
    def empty_form(self) -> UsageCardForm:
        form = UsageCardForm(auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"), meters=self.meters)
        self.add_fields(form, None)
        return form


class PlanForm(IdempotentForm):
    conflict_field = "name"
    api_fields = {"supportedCurrencies": "currency", "pricingCycleConfig.gracePeriod": "gracePeriod"}

    name = forms.CharField(max_length=50, help_text="Unique, e.g. 'Growth 2026'.")
    description = forms.CharField(max_length=500, required=False)
    currency = forms.CharField(max_length=3, initial="USD", help_text="ISO-4217 code the plan rates in.")
    interval = forms.ChoiceField(label="Billing cycle", choices=INTERVALS)
    gracePeriod = forms.IntegerField(
        label="Grace period (days)", min_value=0, max_value=90, initial=0, help_text="Late events still count."
    )
    fixedFee = forms.DecimalField(
        label="Platform fee per cycle", min_value=0, max_digits=18, decimal_places=6, required=False
    )
    minimumCommitment = forms.DecimalField(
        label="Minimum commitment per cycle", min_value=0, max_digits=18, decimal_places=6, required=False
    )
    creditGrant = forms.DecimalField(
        label="Credit granted each cycle", min_value=0, max_digits=18, decimal_places=6, required=False
    )

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()

    def payload(self, cards: list[dict[str, Any]]) -> dict[str, Any]:
        data = self.cleaned_data
        currency = data["currency"]
        rate_cards = list(cards)
        if data.get("fixedFee"):
            rate_cards.append(
                {
                    "type": "FIXED_FEE",
                    "displayName": "Platform fee",
                    "rateCardDetails": {
                        "fixedFeeRateCard": {
                            "id": "platform_fee",
                            "rateValues": [{"currency": currency, "rate": str(data["fixedFee"])}],
                        }
                    },
                }
            )
        if data.get("minimumCommitment"):
            rate_cards.append(
                {
                    "type": "MINIMUM_COMMITMENT",
                    "displayName": "Minimum commitment",
                    "rateCardDetails": {
                        "minimumCommitmentRateCard": {
                            "rateValues": [{"currency": currency, "rate": str(data["minimumCommitment"])}]
                        }
                    },
                }
            )
        if data.get("creditGrant"):
            rate_cards.append(
                {
                    "type": "CREDIT_GRANT",
                    "displayName": "Included credit",
                    "rateCardDetails": {
                        "creditGrantRateCard": {
                            "rateValues": [{"currency": currency, "creditAmount": str(data["creditGrant"])}]
                        }
                    },
                }
            )
        body: dict[str, Any] = {
            "name": data["name"],
            "description": data.get("description") or None,
            "supportedCurrencies": [currency],
            "pricingCycleConfig": {"interval": data["interval"], "gracePeriod": data.get("gracePeriod") or 0},
            "rateCards": rate_cards,
            "idempotencyKey": data.get("idempotencyKey") or None,
        }
        return {key: value for key, value in body.items() if value is not None}
