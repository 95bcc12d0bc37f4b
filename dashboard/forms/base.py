from __future__ import annotations

import uuid

from django import forms

COUNTRY_HELP = "Two-letter ISO code, e.g. US, DE, IN."


def split_list(text: str) -> list[str]:
    return [part.strip() for part in (text or "").replace("\n", ",").split(",") if part.strip()]


class IdempotentForm(forms.Form):
    """A write form carrying a fresh idempotency key, so a double submit changes nothing twice."""

    idempotencyKey = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotencyKey", f"page-{uuid.uuid4().hex}")
