"""What happened, read-only: the events explorer, metrics charts and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, get_args

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from billing_admin import schemas as s
from billing_admin.schemas.events import IngestionStatus

from ..access import viewer_required
from ..calls import Unavailable, read
from ..charts import bar_chart, summed
from ..rendering import render_page
from ..selectors.audit import DOORS, audit_actions, audit_page
from .catalog import meter_names

STATUSES = [("", "Any status")] + [
    (status, status.removeprefix("INGESTION_").replace("_", " ").capitalize()) for status in get_args(IngestionStatus)
]


class EventFilterForm(forms.Form):
    account = forms.CharField(label="Account id", required=False, max_length=512)
    schema = forms.CharField(label="Event schema", required=False, max_length=50)
    status = forms.ChoiceField(label="Ingestion status", choices=STATUSES, required=False)


@viewer_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    cursor = request.GET.get("cursor") or None
    page = read(
        request,
        "list_events",
        {
            "accountId": (data.get("account") or "").strip(),
            "schemaName": (data.get("schema") or "").strip(),
            "status": data.get("status"),
            "nextToken": cursor,
            "pageSize": 50,
        },
        missing_is_404=False,
    )
    context = {"form": form, "page": page, "cursor": cursor, "nav": "events"}
    return render_page(request, "dashboard/events.html", context, partial="event-table")


# range key -> (span, bucket, label format)
RANGES = {
    "24h": (timedelta(hours=24), "HOUR", "%H:%M"),
    "7d": (timedelta(days=7), "DAY", "%b %d"),
    "30d": (timedelta(days=30), "DAY", "%b %d"),
    "90d": (timedelta(days=90), "WEEK", "%b %d"),
}


def range_end(now: datetime, period: str) -> datetime:
    """The end of the bucket holding `now`, so the last bar is the current hour or day."""
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return hour if period == "HOUR" else hour.replace(hour=0) + timedelta(days=1)


def _charts(
    result: s.GetMetricsResponse, period: str, label_format: str, names: dict[str, str]
) -> list[dict[str, Any]]:
    by_id = {one.id: one for one in result.results}
    unit = period.lower()
    charts = []
    stamps, values = summed(by_id["events"].data)
    charts.append(_chart(f"Events ingested per {unit}", stamps, values, label_format, "events"))
    stamps, values = summed(by_id["revenue"].data)
    charts.append(_chart(f"Billed revenue per {unit} · {settings.BILLING_CURRENCY}", stamps, values, label_format, ""))
    for series in by_id["usage"].data:
        meter = names.get(series.groupedBy.fieldValue, series.groupedBy.fieldValue) if series.groupedBy else "meters"
        charts.append(
            _chart(f"Usage of {meter} per {unit}", series.timestamps, series.metricValues, label_format, "units")
        )
    return charts


def _chart(
    title: str, stamps: Sequence[datetime], values: Sequence[Decimal], label_format: str, unit: str
) -> dict[str, Any]:
    total = sum((Decimal(v) for v in values), Decimal(0))
    return {
        "title": title,
        "total": total,
        "svg": bar_chart(title, stamps, values, label_format=label_format, unit=unit),
    }


@viewer_required
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    chosen = request.GET.get("range", "")
    chosen = chosen if chosen in RANGES else "30d"
    account = (request.GET.get("account") or "").strip()
    span, period, label_format = RANGES[chosen]
    end = range_end(timezone.now(), period)
    filters = [{"fieldName": "ACCOUNT_ID", "fieldValues": [account]}] if account else []
    result = read(
        request,
        "get_metrics",
        {
            "startTime": end - span,
            "endTime": end,
            "metricQueries": [
                {"id": "events", "name": "EVENTS", "aggregationPeriod": period, "filters": filters},
                {"id": "revenue", "name": "REVENUE", "aggregationPeriod": period, "filters": filters},
                {
                    "id": "usage",
                    "name": "METER_USAGE",
                    "aggregationPeriod": period,
                    "groupBy": "USAGE_METER_ID",
                    "filters": filters,
                },
            ],
        },
    )
    charts = [] if isinstance(result, Unavailable) else _charts(result, period, label_format, meter_names(request))
    context = {
        "result": result,
        "charts": charts,
        "range": chosen,
        "ranges": list(RANGES),
        "account": account,
        "nav": "metrics",
    }
    return render_page(request, "dashboard/metrics.html", context, partial="metric-charts")


@viewer_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    before = request.GET.get("before", "")
    current = {key: request.GET.get(key, "").strip() for key in ("action", "door", "actor", "object")}
    rows, next_id = audit_page(
        action=current["action"] or None,
        door=current["door"] or None,
        actor=current["actor"] or None,
        object_id=current["object"] or None,
        before_id=int(before) if before.isdigit() else None,
    )
    context = {
        "rows": rows,
        "next_id": next_id,
        "actions": audit_actions(),
        "doors": DOORS,
        "current": current,
        "nav": "audit",
    }
    return render_page(request, "dashboard/audit.html", context, partial="audit-table")
