from __future__ import annotations

from typing import Any

from django import forms

from billing_admin.schemas.common import ID_PATTERN

from .base import COUNTRY_HELP

ADDRESS_FIELDS = ("line1", "line2", "city", "state", "postalCode", "country", "phoneNumber")


class AddressFields(forms.Form):
    line1 = forms.CharField(label="Address line 1", max_length=255, required=False)
    line2 = forms.CharField(label="Address line 2", max_length=255, required=False)
    city = forms.CharField(max_length=100, required=False)
    state = forms.CharField(label="State / region", max_length=100, required=False)
    postalCode = forms.CharField(label="Postal code", max_length=20, required=False)
    country = forms.CharField(max_length=2, required=False, help_text=COUNTRY_HELP)
    phoneNumber = forms.CharField(label="Phone", max_length=30, required=False)

    def address(self) -> dict[str, str] | None:
        data = self.cleaned_data
        address = {name: data[name] for name in ADDRESS_FIELDS if data.get(name)}
        if address.get("country"):
            address["country"] = address["country"].upper()
        return address or None


class CustomerForm(AddressFields):
    """Create a customer (optionally with its first account) or edit one (`editing=True`)."""

    api_fields = {
        "account.id": "accountId",
        "account.name": "accountName",
        "account.invoiceCurrency": "accountCurrency",
        "id": "id",
        "name": "name",
    }

    id = forms.RegexField(
        label="Customer id", regex=ID_PATTERN, max_length=50, help_text="Your id for the customer, e.g. cust_123."
    )
    name = forms.CharField(min_length=3, max_length=255)
    primaryEmail = forms.EmailField(label="Billing email", max_length=320)
    accountId = forms.RegexField(label="First account id", regex=ID_PATTERN, max_length=512, required=False)
    accountName = forms.CharField(label="First account name", max_length=255, required=False)
    accountCurrency = forms.CharField(label="Invoice currency", max_length=3, required=False, initial="USD")

    field_order = ["id", "name", "primaryEmail", *ADDRESS_FIELDS, "accountId", "accountName", "accountCurrency"]

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            for name in ("id", "accountId", "accountName", "accountCurrency"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.editing and bool(data.get("accountId")) != bool(data.get("accountName")):
            self.add_error("accountName" if data.get("accountId") else "accountId", "give both the id and the name")
        return data

    def payload(self, *, customer_id: str | None = None) -> dict[str, Any]:
        data = self.cleaned_data
        body: dict[str, Any] = {"name": data["name"], "primaryEmail": data["primaryEmail"], "address": self.address()}
        if self.editing:
            return {"customerId": customer_id, **body}
        body["id"] = data["id"]
        if data.get("accountId"):
            body["account"] = {
                "id": data["accountId"],
                "name": data["accountName"],
                "invoiceCurrency": (data.get("accountCurrency") or "").upper() or None,
            }
            body["account"] = {k: v for k, v in body["account"].items() if v}
        return body
