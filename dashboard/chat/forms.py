"""The chat composer, and tool-console forms generated from a tool's published input schema."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms

JSON = dict[str, Any]
SKIPPED = {"idempotencyKey"}  # the console sets it, so a repeated approval changes nothing twice


class MessageForm(forms.Form):
    text = forms.CharField(
        max_length=4000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Ask about balances, invoices, usage…"}),
        error_messages={"required": "Type a question or a request first."},
    )
    conversation = forms.IntegerField(required=False, widget=forms.HiddenInput)


def _variants(prop: JSON) -> list[JSON]:
    return [v for v in prop.get("anyOf", [prop]) if v.get("type") != "null"]


def _field(prop: JSON, required: bool) -> forms.Field:
    help_text = prop.get("description", "")
    variants = _variants(prop)
    types = {v.get("type") for v in variants}
    options = {"required": required, "help_text": help_text}
    if "enum" in prop or (len(variants) == 1 and "enum" in variants[0]):
        values = prop.get("enum") or variants[0]["enum"]
        blank = [] if required else [("", "—")]
        return forms.ChoiceField(choices=blank + [(v, v) for v in values], **options)
    if types == {"boolean"}:
        return forms.NullBooleanField(required=False, help_text=help_text)
    if types == {"integer"}:
        first = variants[0]
        return forms.IntegerField(min_value=first.get("minimum"), max_value=first.get("maximum"), **options)
    if types & {"number"}:
        return forms.DecimalField(**options)
    if types & {"object", "array"}:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "class": "mono"}), **options)
    fmt = variants[0].get("format") if variants else None
    widget = (
        forms.DateInput(attrs={"type": "date"})
        if fmt == "date"
        else forms.TextInput(attrs={"placeholder": "2026-11-23T10:00:00+00:00"} if fmt == "date-time" else {})
    )
    return forms.CharField(max_length=variants[0].get("maxLength") if variants else None, widget=widget, **options)


class ToolForm(forms.Form):
    """One field per top-level argument; nested objects and lists are typed as JSON."""

    def __init__(self, schema: JSON, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = schema
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            if name not in SKIPPED:
                self.fields[name] = _field(prop, name in required)

    def _json_fields(self) -> set[str]:
        props = self.schema.get("properties", {})
        return {n for n in self.fields if {v.get("type") for v in _variants(props[n])} & {"object", "array"}}

    def clean(self) -> JSON:
        super().clean()
        cleaned = self.cleaned_data
        for name in self._json_fields():
            raw = cleaned.get(name)
            if raw:
                try:
                    cleaned[name] = json.loads(raw)
                except json.JSONDecodeError as exc:
                    self.add_error(name, f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).")
        return cleaned

    def arguments(self) -> JSON:
        """The cleaned values as tool arguments: blanks left out so the schema's defaults apply."""
        arguments: JSON = {}
        for name, value in self.cleaned_data.items():
            if value in (None, "", [], {}):
                continue
            if isinstance(value, Decimal):
                value = str(value)
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            arguments[name] = value
        return arguments
