from __future__ import annotations

from typing import Any

from django import forms

from dashboard.selectors.invoices import DEFAULT_SORT, SORTS, InvoiceFilters

STATUS_CHOICES = [
    ("", "Any status"),
    ("DRAFT", "Draft (open cycle)"),
    ("DUE", "Due"),
    ("PARTIALLY_PAID", "Partially paid"),
    ("PAID", "Paid"),
    ("VOID", "Void"),
    ("UN_COLLECTIBLE", "Uncollectible"),
]


class InvoiceFilterForm(forms.Form):
    """The list's filters, read from the query string; anything invalid is ignored, never an error page."""

    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    start = forms.DateField(label="Invoice date from", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="Invoice date to", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    account = forms.CharField(label="Account id", required=False, max_length=512)
    customer = forms.CharField(label="Customer id", required=False, max_length=50)
    sort = forms.ChoiceField(
        label="Sort", choices=[(key, label) for key, (_, _, label) in SORTS.items()], required=False
    )

    def filters(self) -> InvoiceFilters:
        self.is_valid()  # an invalid field drops out of cleaned_data; the valid ones still filter
        data = self.cleaned_data
        return InvoiceFilters(
            status=data.get("status") or None,
            account=(data.get("account") or "").strip() or None,
            customer=(data.get("customer") or "").strip() or None,
            start=data.get("start"),
            end=data.get("end"),
            sort=data.get("sort") or DEFAULT_SORT,
        )


class InvoiceStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="New status",
        choices=[("PAID", "Paid"), ("VOID", "Void"), ("UN_COLLECTIBLE", "Uncollectible")],
        help_text="Void gives back any credit and wallet money the invoice used.",
    )
    reason = forms.CharField(
        min_length=3, max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept in the audit log."
    )

    def payload(self, *, invoice_id: str) -> dict[str, Any]:
        return {"invoiceId": invoice_id, "status": self.cleaned_data["status"], "reason": self.cleaned_data["reason"]}
