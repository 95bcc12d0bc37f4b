"""Small server-side SVG charts: no chart script to ship, and they render without JavaScript.

Each chart is an `<svg role="img">` with a title naming what it shows and a `<title>` on every bar,
so screen readers and hover both get the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 200
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 48, 24, 10


def _nice_max(value: Decimal) -> Decimal:
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return Decimal(step) * magnitude
    return value


def _short(value: Decimal) -> str:
    value = Decimal(value)
    for limit, suffix in ((Decimal(1_000_000_000), "B"), (Decimal(1_000_000), "M"), (Decimal(1_000), "k")):
        if abs(value) >= limit:
            return f"{(value / limit).normalize():f}{suffix}"
    return f"{value.normalize():f}" if value != value.to_integral() else f"{value:.0f}"


def bar_chart(
    title: str,
    timestamps: Sequence[datetime],
    values: Sequence[Decimal],
    *,
    label_format: str = "%b %d",
    unit: str = "",
) -> SafeString:
    """Bars of `values` over `timestamps`, with a y-axis max and a few x labels."""
    count = len(values)
    if count == 0:
        return mark_safe(f'<p class="empty">No data for {escape(title.lower())} in this range.</p>')
    top = _nice_max(max(Decimal(v) for v in values))
    plot_w, plot_h = WIDTH - PAD_LEFT - 4, HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = plot_w / count
    bar_w = max(1.0, slot * 0.72)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line class="axis" x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH - 4}" y2="{PAD_TOP + plot_h}"/>',
        f'<line class="grid" x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{WIDTH - 4}" y2="{PAD_TOP}"/>',
        f'<text class="tick" x="{PAD_LEFT - 6}" y="{PAD_TOP + 4}" text-anchor="end">{_short(top)}</text>',
        f'<text class="tick" x="{PAD_LEFT - 6}" y="{PAD_TOP + plot_h}" text-anchor="end">0</text>',
    ]
    every = max(1, count // 6)
    for index, (moment, raw) in enumerate(zip(timestamps, values, strict=False)):
        value = Decimal(raw)
        height = float(value / top) * plot_h if top else 0
        x = PAD_LEFT + index * slot + (slot - bar_w) / 2
        y = PAD_TOP + plot_h - height
        label = f"{moment:{label_format}}: {_short(value)}{(' ' + unit) if unit else ''}"
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{max(height, 0):.1f}">'
            f"<title>{escape(label)}</title></rect>"
        )
        if index % every == 0:
            parts.append(
                f'<text class="tick" x="{x + bar_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
                f"{escape(f'{moment:{label_format}}')}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def summed(series: Sequence[object]) -> tuple[list[datetime], list[Decimal]]:
    """Add up every series of a metrics result bucket by bucket (all groups together)."""
    totals: dict[datetime, Decimal] = {}
    for one in series:
        for moment, value in zip(one.timestamps, one.metricValues, strict=False):  # type: ignore[attr-defined]
            totals[moment] = totals.get(moment, Decimal(0)) + Decimal(value)
    ordered = sorted(totals)
    return ordered, [totals[m] for m in ordered]
