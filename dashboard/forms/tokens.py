from __future__ import annotations

from django import forms


class TokenForm(forms.Form):
    conflict_field = "name"
    name = forms.CharField(max_length=100, help_text="Who or what uses it, e.g. 'usage-pipeline'.")
    scope = forms.ChoiceField(
        choices=[("read", "Read only"), ("write", "Read and write")], initial="read", widget=forms.RadioSelect
    )
