from __future__ import annotations

import uuid
from typing import Any

from django import forms

COUNTRY_HELP = "Two-letter ISO code, e.g. US, DE, IN."


def split_list(text: str) -> list[str]:
    return [part.strip() for part in (text or "").replace("\n", ",").split(",") if part.strip()]


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's own copy of a choice field, to fill its choices when the form is made."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a choice field")
    return field


class IdempotentForm(forms.Form):
    """A write form carrying a fresh idempotency key, so a double submit changes nothing twice."""

    idempotencyKey = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotencyKey", f"page-{uuid.uuid4().hex}")
