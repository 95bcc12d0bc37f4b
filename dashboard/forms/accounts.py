from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from billing_admin.schemas.common import ID_PATTERN

from .base import choice_field, split_list

STATUS_CHOICES = [("ACTIVE", "Active"), ("DRAFT", "Draft"), ("ARCHIVED", "Archived")]


class AccountForm(forms.Form):
    """Create an account under a customer, or edit one (`editing=True`)."""

    conflict_field = "id"

    id = forms.RegexField(label="Account id", regex=ID_PATTERN, max_length=512, help_text="e.g. acc_987")
    customerId = forms.CharField(label="Customer id", max_length=50, help_text="The owning customer, e.g. cust_123.")
    name = forms.CharField(min_length=3, max_length=255)
    invoiceCurrency = forms.CharField(label="Invoice currency", max_length=3, required=False, initial="USD")
    primaryEmail = forms.EmailField(label="Billing email", max_length=320, required=False)
    netTermDays = forms.IntegerField(label="Net terms (days)", min_value=0, max_value=365, required=False, initial=30)
    status = forms.ChoiceField(choices=STATUS_CHOICES, initial="ACTIVE")
    aliases = forms.CharField(required=False, help_text="Other ids events may use, separated by commas.")
    tags = forms.CharField(required=False, help_text="Separated by commas.")

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            del self.fields["id"]
            del self.fields["customerId"]
            del self.fields["aliases"]
        else:
            choice_field(self, "status").choices = STATUS_CHOICES[:2]

    def payload(self, *, account_id: str | None = None) -> dict[str, Any]:
        data = self.cleaned_data
        body: dict[str, Any] = {
            "name": data["name"],
            "invoiceCurrency": (data.get("invoiceCurrency") or "").upper() or None,
            "primaryEmail": data.get("primaryEmail") or None,
            "netTermDays": data.get("netTermDays"),
            "status": data["status"],
            "tags": split_list(data.get("tags", "")),
        }
        if self.editing:
            body["accountId"] = account_id
        else:
            body.update(id=data["id"], customerId=data["customerId"], aliases=split_list(data.get("aliases", "")))
        return body


class AssignPlanForm(forms.Form):
    pricePlanId = forms.ChoiceField(label="Price plan")
    effectiveFrom = forms.DateTimeField(
        label="Effective from",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave empty to start now. Mid-cycle changes close the old schedule.",
    )

    def __init__(self, *args: Any, plans: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "pricePlanId").choices = [("", "Choose a plan…"), *plans]

    def payload(self, *, account_id: str) -> dict[str, Any]:
        effective = self.cleaned_data.get("effectiveFrom")
        return {
            "accountId": account_id,
            "pricePlanId": self.cleaned_data["pricePlanId"],
            "effectiveFrom": effective.isoformat() if effective else None,
        }


class AccountFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=255)
    customer = forms.CharField(label="Customer id", required=False, max_length=50)
    status = forms.ChoiceField(choices=[("", "Any status"), *STATUS_CHOICES], required=False)
