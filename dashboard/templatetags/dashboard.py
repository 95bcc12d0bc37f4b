"""Display helpers: one `money` filter for every amount on the pages, small labels, and the
optional include that keeps the chat panel's slot empty until its template exists."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.forms import BoundField
from django.template import Context, TemplateDoesNotExist
from django.utils.html import format_html

from billing_admin import money as m

register = template.Library()

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "AUD": "A$", "CAD": "C$"}


def _format(amount: Decimal, currency: str) -> str:
    currency = (currency or "").upper()
    try:
        amount = m.quantize(amount, currency)
        places = m.exponent(currency)
    except (ValueError, KeyError):
        places = 2
    sign = "−" if amount < 0 else ""
    number = f"{abs(amount):,.{places}f}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


@register.filter
def money(amount: Decimal | str | int | None, currency: str = "USD") -> str:
    """`{{ invoice.totalAmount|money:invoice.currency }}` → `$1,234.50`; `12.5 CHF` without a symbol."""
    if amount in (None, ""):
        return "—"
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    return _format(value, currency)


@register.filter
def minor_money(minor: int | str | None, currency: str = "USD") -> str:
    """Posted amounts stored as integer minor units: `{{ row.total_minor|minor_money:row.currency }}`."""
    if minor is None:
        return "—"
    try:
        return _format(m.from_minor(int(minor), currency), currency)
    except (ValueError, KeyError):
        return _format(Decimal(int(minor)) / 100, currency)


@register.filter
def rate(amount: Decimal | str | int | None, currency: str = "USD") -> str:
    """A unit rate keeps every significant place: `0.000125|rate:"USD"` → `$0.000125`, `2|rate` → `$2.00`."""
    if amount in (None, ""):
        return "—"
    try:
        value = Decimal(str(amount)).normalize()
    except InvalidOperation:
        return str(amount)
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):  # NaN or Infinity: shown as given, like any text that is no number
        return str(amount)
    currency = (currency or "").upper()
    try:
        places = max(m.exponent(currency), -exponent)
    except (ValueError, KeyError):
        places = max(2, -exponent)
    symbol = SYMBOLS.get(currency)
    sign = "−" if value < 0 else ""
    number = f"{abs(value):,.{places}f}"
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


@register.filter
def quantity(value: Decimal | str | int | None) -> str:
    """A usage quantity without trailing zeros, grouped: 12,500 or 3.25."""
    if value in (None, ""):
        return "—"
    number = Decimal(str(value)).normalize()
    if number == number.to_integral():
        return f"{number:,.0f}"
    return f"{number:,f}"


STATUS_TONES = {
    "ACTIVE": "ok",
    "PAID": "ok",
    "INGESTION_COMPLETED_EVENT_METERED": "ok",
    "INGESTION_COMPLETED_NO_MATCHING_METERS": "muted",
    "INGESTION_COMPLETED_EVENT_NOT_METERED": "muted",
    "VOIDED": "muted",
    "CREDITED": "ok",
    "DEBITED": "warn",
    "DUE": "warn",
    "PARTIALLY_PAID": "warn",
    "DRAFT": "info",
    "VOID": "muted",
    "ARCHIVED": "muted",
    "UN_COLLECTIBLE": "bad",
    "EXPIRED": "muted",
    "CONSUMED": "muted",
    "REVOKED": "bad",
}


SHORT_LABELS = {
    "INGESTION_COMPLETED_EVENT_METERED": "Metered",
    "INGESTION_COMPLETED_NO_MATCHING_METERS": "No meter matched",
    "INGESTION_COMPLETED_EVENT_NOT_METERED": "Not metered",
    "UN_COLLECTIBLE": "Uncollectible",
}


@register.filter
def status_badge(status: str) -> str:
    """A status pill: tone from the status, a short label, the full status as its title."""
    status = str(status or "")
    tone = STATUS_TONES.get(status, "bad" if "FAILED" in status else "info")
    label = SHORT_LABELS.get(status) or status.replace("INGESTION_FAILED_", "").replace("_", " ").capitalize()
    return format_html('<span class="badge badge-{}" title="{}">{}</span>', tone, status, label)


@register.filter
def with_aria(field: BoundField) -> str:
    """The field's widget tied to its help text and errors, so screen readers read both with it."""
    described = [f"{field.auto_id}_helptext"] if field.help_text else []
    attrs: dict[str, str | bool] = {}
    if field.errors:
        described.append(f"{field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.filter
def titlecase(value: str) -> str:
    return str(value or "").replace("_", " ").capitalize()


@register.simple_tag(takes_context=True)
def optional_include(context: Context, template_name: str) -> str:
    """`{% optional_include "dashboard/chat/panel.html" %}`: render it with this context if it exists,
    else nothing; the slot other features fill (the chat panel) without breaking pages before they land."""
    if context.template is None:  # set while a template renders; a bare Context has no engine to ask
        return ""
    try:
        included = context.template.engine.get_template(template_name)
    except TemplateDoesNotExist:
        return ""
    with context.push():
        return included.render(context)
