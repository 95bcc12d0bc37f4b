from __future__ import annotations

from django import forms


class TokenForm(forms.Form):
    conflict_field = "name"
    name = forms.CharField(max_length=100, help_text="Who or what uses it, e.g. 'usage-pipeline'.")
    scope = forms.ChoiceField(
        choices=[("read", "Read only"), ("write", "Read and write")], initial="read", widget=forms.RadioSelect
    )
    expires = forms.CharField(
        required=False,
        max_length=40,
        label="Expires",
        help_text="A duration (30d, 12h, 2w) or a date (2027-01-01). Empty: never, until revoked.",
    )
