from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from .base import IdempotentForm


class GrantCreditForm(IdempotentForm):
    creditAmount = forms.DecimalField(
        label="Amount",
        min_value=Decimal("0.01"),
        max_digits=18,
        decimal_places=6,
        help_text="In the account's currency.",
    )
    purpose = forms.CharField(min_length=3, max_length=255, help_text="Why, e.g. 'Goodwill for the March outage'.")
    effectiveFrom = forms.DateField(
        label="Applies from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    effectiveUntil = forms.DateField(
        label="Expires after", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    priority = forms.IntegerField(min_value=1, max_value=100, initial=50, help_text="1–100; lower is used first.")

    def payload(self, *, account_id: str) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "accountId": account_id,
            "creditAmount": str(data["creditAmount"]),
            "purpose": data["purpose"],
            "effectiveFrom": data["effectiveFrom"].isoformat() if data.get("effectiveFrom") else None,
            "effectiveUntil": data["effectiveUntil"].isoformat() if data.get("effectiveUntil") else None,
            "priority": data.get("priority") or 50,
            "idempotencyKey": data.get("idempotencyKey") or None,
        }


class TopUpForm(IdempotentForm):
    topupAmount = forms.DecimalField(label="Amount", min_value=Decimal("0.01"), max_digits=18, decimal_places=6)
    description = forms.CharField(label="Note", max_length=255, required=False, help_text="Shown in the ledger.")

    def payload(self, *, account_id: str) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "accountId": account_id,
            "topupAmount": str(data["topupAmount"]),
            "description": data.get("description") or None,
            "idempotencyKey": data.get("idempotencyKey") or None,
        }
